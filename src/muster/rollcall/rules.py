"""Who may document, correct, enter and return roll-call training reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules

from muster.accounts.models import Role
from muster.accounts.rules import is_training_writer


def _unit_of(obj: Any) -> Any:
    """The unit an object concerns: a unit itself, or a report's element."""
    if obj is None:
        return None
    if hasattr(obj, "path"):
        return obj
    return getattr(obj, "unit", None)


@rules.predicate
def supervises_unit(user: Any, obj: Any) -> bool:
    """The user supervises the unit (or a unit above it) in the unit's agency."""
    unit = _unit_of(obj)
    if unit is None or not getattr(user, "is_authenticated", False):
        return False
    scope = user.scope
    if Role.SUPERVISOR not in scope.roles_in(unit.agency_id):
        return False
    return any(unit.path.startswith(path) for path in scope.unit_paths)


@rules.predicate
def documented_the_report(user: Any, obj: Any) -> bool:
    """The user is the supervisor who documented this report."""
    author = getattr(obj, "documented_by_id", None)
    return author is not None and author == getattr(user, "pk", None)


# rules ships no type hints; a typed name for its add_perm keeps mypy --strict quiet here
# without a per-module override.
_add_perm: Callable[[str, Any], None] = rules.add_perm

# Element supervisors document and forward; the Training Unit enters (policy IV.C.1).
_add_perm("rollcall.document", supervises_unit)
_add_perm("rollcall.correct", documented_the_report & supervises_unit)
_add_perm("rollcall.enter", is_training_writer)
_add_perm("rollcall.return", is_training_writer)
