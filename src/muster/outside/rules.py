"""Who may submit, change, see and review outside training submissions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules

from muster.accounts.rules import is_training_writer

# rules ships no type hints; pyproject relaxes that check for accounts/rules.py alone.
add_perm: Callable[[str, Any], None] = rules.add_perm


@rules.predicate
def is_the_member(user: Any, obj: Any) -> bool:
    """The object is the user's own officer record, or belongs to it."""
    officer_id = getattr(user, "officer_id", None)
    if officer_id is None or obj is None or not getattr(user, "is_active", False):
        return False
    own = getattr(obj, "officer_id", None)
    if own is None and obj._meta.label_lower == "people.officer":
        own = obj.pk
    return bool(own == officer_id)


# A member submits for themselves only; training staff also enter paper certificates.
add_perm("outside.submit", is_the_member | is_training_writer)
add_perm("outside.change", is_the_member | is_training_writer)
add_perm("outside.view", is_the_member | is_training_writer)
# Only the member takes back their own submission; staff who will not credit it deny it,
# with a reason the member sees.
add_perm("outside.withdraw", is_the_member)
# Nobody approves their own training, not even training staff.
add_perm("outside.review", is_training_writer & ~is_the_member)
