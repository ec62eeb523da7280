"""What a user may read: the single source of `visible_to(user)` for every model.

A user's scope is the union of their roles: agency-wide roles read their whole agency,
supervisors their unit and its sub-units, an officer their own record, commission staff
every agency of their state, and superusers everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.db import models
from django.db.models import Q

from muster.accounts.models import AGENCY_WIDE_ROLES, Role

if TYPE_CHECKING:
    from muster.accounts.models import User

_NOTHING = Q(pk__in=[])
# Not Q(): an empty Q disappears when OR-ed with another ("everything or the sessions I teach"
# would become "the sessions I teach"); this one stays true and adds nothing to the SQL.
_EVERYTHING = ~_NOTHING


@dataclass(frozen=True)
class Scope:
    """The agencies, states, units and officer a user can read."""

    everything: bool = False
    agency_ids: frozenset[int] = frozenset()  # read every officer in these agencies
    member_agency_ids: frozenset[int] = frozenset()  # any role at all: catalog, units
    states: frozenset[str] = frozenset()
    unit_paths: tuple[str, ...] = ()
    officer_id: int | None = None
    roles: dict[int | str, frozenset[str]] = field(default_factory=dict)

    def officer_q(self, prefix: str = "") -> Q:
        """Rows whose officer (reached through `prefix`) this scope can read."""
        if self.everything:
            return _EVERYTHING
        q = _NOTHING
        if self.agency_ids:
            q |= Q(**{f"{prefix}agency_id__in": self.agency_ids})
        if self.states:
            q |= Q(**{f"{prefix}agency__state__in": self.states})
        for path in self.unit_paths:
            q |= Q(**{f"{prefix}unit__path__startswith": path})
        if self.officer_id is not None:
            q |= (
                Q(**{f"{prefix}pk": self.officer_id})
                if prefix == ""
                else Q(**{f"{prefix.removesuffix('__')}_id": self.officer_id})
            )
        return q

    def agency_q(self, prefix: str = "") -> Q:
        """Rows whose agency (reached through `prefix`) the user belongs to or oversees."""
        if self.everything:
            return _EVERYTHING
        key = f"{prefix}pk" if prefix == "" else f"{prefix.removesuffix('__')}_id"
        q = _NOTHING
        if self.member_agency_ids:
            q |= Q(**{f"{key}__in": self.member_agency_ids})
        if self.states:
            state_key = "state" if prefix == "" else f"{prefix}state"
            q |= Q(**{f"{state_key}__in": self.states})
        return q

    def roles_in(self, agency_id: int | None) -> frozenset[str]:
        """The roles the user holds in one agency."""
        if agency_id is None:
            return frozenset()
        return self.roles.get(agency_id, frozenset())

    def agencies_with(self, roles: frozenset[str]) -> frozenset[int]:
        """The agencies in which the user holds any of `roles` (none for a superuser's
        everything, which holds no role)."""
        return frozenset(a for a in self.member_agency_ids if self.roles_in(a) & roles)

    def all_roles(self) -> frozenset[str]:
        """Every role the user holds anywhere."""
        out: set[str] = set()
        for value in self.roles.values():
            out |= value
        return frozenset(out)


def compute_scope(user: User) -> Scope:
    """Build a user's scope from their memberships (one query)."""
    if not user.is_active:
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    agency_ids: set[int] = set()
    member_agency_ids: set[int] = set()
    states: set[str] = set()
    unit_paths: list[str] = []
    roles: dict[int | str, set[str]] = {}
    memberships = user.memberships.active().select_related("unit")
    for m in memberships:
        if m.role == Role.COMMISSION_STAFF:
            states.add(m.state)
            roles.setdefault(m.state, set()).add(m.role)
            continue
        assert m.agency_id is not None
        member_agency_ids.add(m.agency_id)
        roles.setdefault(m.agency_id, set()).add(m.role)
        if m.role in AGENCY_WIDE_ROLES:
            agency_ids.add(m.agency_id)
        elif m.role == Role.SUPERVISOR and m.unit is not None:
            unit_paths.append(m.unit.path)
    return Scope(
        agency_ids=frozenset(agency_ids),
        member_agency_ids=frozenset(member_agency_ids),
        states=frozenset(states),
        unit_paths=tuple(sorted(set(unit_paths))),
        officer_id=user.officer_id,
        roles={k: frozenset(v) for k, v in roles.items()},
    )


_M = TypeVar("_M", bound=models.Model)


class OfficerScopedQuerySet(models.QuerySet[_M]):
    """A queryset of rows that belong to an officer; `officer_path` names the way there."""

    officer_path = "officer__"

    def visible_to(self, user: Any) -> Self:
        """Only the rows this user may read."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user.scope.officer_q(self.officer_path))


class AgencyScopedQuerySet(models.QuerySet[_M]):
    """A queryset of rows that belong to an agency; `agency_path` names the way there."""

    agency_path = "agency__"

    def visible_to(self, user: Any) -> Self:
        """Only the rows this user may read."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user.scope.agency_q(self.agency_path))
