"""Who may introduce, complete, approve and follow up POST course certification requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import rules

from muster.accounts.rules import agency_id_of, is_training_director, is_training_writer

# rules ships no type hints; the override for that sits on muster.accounts.rules only.
add_perm = cast(Callable[[str, Any], None], rules.add_perm)


@rules.predicate
def is_agency_member(user: Any, obj: Any) -> bool:
    """The user holds any role in the object's agency (commission staff hold none there)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.scope.roles_in(agency_id_of(obj)))


@rules.predicate
def is_liaison(user: Any, obj: Any) -> bool:
    """The user is the request's liaison and still a member of its agency."""
    officer_id = getattr(user, "officer_id", None)
    if officer_id is None or getattr(obj, "liaison_id", None) != officer_id:
        return False
    return bool(is_agency_member(user, obj))


# Any member may introduce a class and becomes its liaison (IV.G.2.b).
add_perm("certification.create_request", is_agency_member)
# Naming someone else as liaison, and following the request with POST, is the Training Unit's.
add_perm("certification.manage", is_training_writer)
add_perm("certification.edit_packet", is_liaison | is_training_writer)
add_perm("certification.submit", is_liaison | is_training_writer)
add_perm("certification.withdraw", is_liaison)
# Only the Training Center Director or designee may approve a packet inside the 30-day line.
add_perm("certification.approve_late", is_training_director)
