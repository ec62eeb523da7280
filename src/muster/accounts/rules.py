"""Who may do what, as `rules` predicates over the user's scope (see accounts/scope.py).

Services check these with `require(user, "app.action", obj)`; views and templates can ask the
same question with `user.has_perm(...)` or `{% has_perm %}`.
"""

from __future__ import annotations

from typing import Any

import rules

from muster.accounts.models import TRAINING_WRITE_ROLES, Role


def agency_id_of(obj: Any) -> int | None:
    """The agency an object belongs to, following the usual relations."""
    if obj is None:
        return None
    if hasattr(obj, "agency_id"):  # agencies answer with their own id
        return obj.agency_id  # type: ignore[no-any-return]
    for via in ("officer", "course", "session"):
        related = getattr(obj, via, None)
        if related is not None:
            return agency_id_of(related)
    return None


def _has_role(user: Any, obj: Any, roles: frozenset[str]) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.scope.roles_in(agency_id_of(obj)) & roles)


@rules.predicate
def is_agency_admin(user: Any, obj: Any) -> bool:
    return _has_role(user, obj, frozenset({Role.AGENCY_ADMIN}))


@rules.predicate
def is_training_writer(user: Any, obj: Any) -> bool:
    return _has_role(user, obj, TRAINING_WRITE_ROLES)


@rules.predicate
def is_counsel_or_hr(user: Any, obj: Any) -> bool:
    return _has_role(user, obj, frozenset({Role.COUNSEL_HR}))


@rules.predicate
def is_training_director(user: Any, obj: Any) -> bool:
    return _has_role(user, obj, frozenset({Role.TRAINING_DIRECTOR}))


@rules.predicate
def is_instructor_of_session(user: Any, obj: Any) -> bool:
    """The user is an officer assigned to teach this session."""
    officer_id = getattr(user, "officer_id", None)
    if officer_id is None or obj is None or not hasattr(obj, "instructors"):
        return False
    return bool(obj.instructors.filter(pk=officer_id).exists())


@rules.predicate
def is_supervisor_of_officer(user: Any, officer: Any) -> bool:
    """The user supervises the officer's unit or a unit above it."""
    if not getattr(user, "is_authenticated", False) or officer is None:
        return False
    unit = getattr(officer, "unit", None)
    if unit is None:
        return False
    return any(unit.path.startswith(path) for path in user.scope.unit_paths)


@rules.predicate
def is_commission_of_state(user: Any, obj: Any) -> bool:
    """Commission staff of the state the object's agency is in."""
    if not getattr(user, "is_authenticated", False) or obj is None:
        return False
    from muster.agencies.models import Agency

    agency_id = agency_id_of(obj)
    if agency_id is None:
        return False
    state = Agency.objects.filter(pk=agency_id).values_list("state", flat=True).first()
    return state is not None and state in user.scope.states


rules.add_perm("agencies.manage_units", is_agency_admin)
rules.add_perm("accounts.manage_memberships", is_agency_admin)
rules.add_perm("people.manage_officers", is_agency_admin)
rules.add_perm("people.manage_leave", is_agency_admin | is_training_writer)
rules.add_perm("training.manage_catalog", is_training_writer)
rules.add_perm("training.manage_sessions", is_training_writer)
# Taking attendance, showing the sign-in code, recording the paper sheet, closing the session.
rules.add_perm("training.run_session", is_training_writer | is_instructor_of_session)
rules.add_perm("training.review_course", is_counsel_or_hr)
rules.add_perm("training.acknowledge_absence", is_supervisor_of_officer | is_training_writer)
rules.add_perm("training.record_training", is_training_writer)
rules.add_perm("training.void_record", is_training_writer)
rules.add_perm("training.record_qualification", is_training_writer)
rules.add_perm("compliance.manage_overlay", is_agency_admin)
rules.add_perm("compliance.grant_waiver", is_agency_admin | is_commission_of_state)


@rules.predicate
def is_self(user: Any, obj: Any) -> bool:
    """The object is the user's own login."""
    if not getattr(user, "is_authenticated", False) or obj is None:
        return False
    return getattr(obj, "pk", None) == user.pk and user.pk is not None


@rules.predicate
def may_sign_in_without_second_factor(user: Any, obj: Any) -> bool:
    """The login (obj, else the user) is not one that must use two-factor sign-in."""
    from muster.accounts.two_factor import two_factor_required

    return not two_factor_required(obj if obj is not None else user)


# Passwords, the authenticator and recovery codes of one's own login.
rules.add_perm("accounts.manage_own_sign_in", is_self)
# Officers may turn it off for themselves; a site administrator may turn it off for anyone who
# lost both the authenticator and the recovery codes (staff then set it up again at sign-in).
rules.add_perm(
    "accounts.turn_off_two_factor",
    (is_self & may_sign_in_without_second_factor) | rules.is_superuser,
)
