"""Who may enter, decide and produce releases of training records (policy III.E)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import rules

from muster.accounts.models import TRAINING_WRITE_ROLES, Role
from muster.accounts.rules import agency_id_of, is_counsel_or_hr

# rules ships no type hints; the override for that sits on muster.accounts.rules only.
add_perm = cast(Callable[[str, Any], None], rules.add_perm)

# Who keeps the records and so enters a request and hands over the package: the records
# custodian and the Training Unit (with the agency administrator).
CLERK_ROLES = frozenset({Role.RECORDS_CUSTODIAN}) | TRAINING_WRITE_ROLES


@rules.predicate
def is_release_clerk(user: Any, obj: Any) -> bool:
    """The user is records custodian, Training Unit staff or administrator of the agency."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.scope.roles_in(agency_id_of(obj)) & CLERK_ROLES)


@rules.predicate
def entered_it(user: Any, obj: Any) -> bool:
    """The user entered this request."""
    return obj is not None and getattr(obj, "entered_by_id", None) == getattr(user, "pk", None)


add_perm("release.create", is_release_clerk)
add_perm("release.submit", is_release_clerk)
add_perm("release.withdraw", is_release_clerk)
add_perm("release.produce", is_release_clerk)
# General Counsel or the HR commander decides, and never on a request they entered themselves.
add_perm("release.decide", is_counsel_or_hr & ~entered_it)
