"""Changes to user accounts and the roles they hold."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from muster.accounts.models import Membership, Role, User
from muster.agencies.models import Agency, Unit
from muster.core.audit import record_audit, snapshot
from muster.core.services import require
from muster.people.models import Officer

_USER_AUDIT_EXCLUDE = ("password", "last_login")


def create_user(
    *,
    acting_user: Any,
    agency: Agency | None,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    officer: Officer | None = None,
    validate: bool = True,
) -> User:
    """Open a login, optionally linked to an officer of `agency`; audited (without the password).

    Agency administrators open logins for their own agency; only site administrators open
    logins that belong to no agency (commission staff).
    """
    if agency is None:
        if not getattr(acting_user, "is_superuser", False):
            raise PermissionDenied("Only a site administrator may open a login outside an agency.")
    else:
        require(acting_user, "accounts.manage_memberships", agency)
    if officer is not None and (agency is None or officer.agency_id != agency.pk):
        raise ValidationError({"officer": "The officer belongs to another agency."})
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            officer=officer,
        )
        if password is None:
            user.set_unusable_password()
        else:
            if validate:
                validate_password(password, user)
            user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        record_audit(
            actor=acting_user,
            action="user.create",
            obj=user,
            agency_id=agency.pk if agency else None,
            after=snapshot(user, exclude=_USER_AUDIT_EXCLUDE),
        )
    return user


def grant_membership(
    *,
    acting_user: Any,
    user: User,
    role: str,
    agency: Agency | None = None,
    unit: Unit | None = None,
    state: str = "",
) -> Membership:
    """Give a user a role in an agency (or a state, for commission staff); audited."""
    if role == Role.COMMISSION_STAFF:
        if not getattr(acting_user, "is_superuser", False):
            raise PermissionDenied("Only a site administrator may appoint commission staff.")
    else:
        require(acting_user, "accounts.manage_memberships", agency)
    if unit is not None and agency is not None and unit.agency_id != agency.pk:
        raise ValidationError({"unit": "That unit belongs to another agency."})
    if role == Role.OFFICER and (
        agency is None or user.officer is None or user.officer.agency_id != agency.pk
    ):
        raise ValidationError(
            {"role": "Only a login linked to an officer of this agency can hold the officer role."}
        )
    with transaction.atomic():
        membership = Membership(user=user, role=role, agency=agency, unit=unit, state=state)
        membership.full_clean()
        duplicate = Membership.objects.active().filter(
            user=user, role=role, agency=agency, unit=unit, state=state
        )
        if duplicate.exists():
            raise ValidationError({"role": "The user already holds this role here."})
        membership.save()
        record_audit(
            actor=acting_user,
            action="membership.grant",
            obj=membership,
            agency_id=agency.pk if agency else None,
            after=snapshot(membership),
        )
    user.forget_scope()
    return membership


def end_membership(*, acting_user: Any, membership: Membership, reason: str = "") -> Membership:
    """Take a role away from a user (the row is kept, ended); audited."""
    if membership.role == Role.COMMISSION_STAFF:
        if not getattr(acting_user, "is_superuser", False):
            raise PermissionDenied("Only a site administrator may end a commission appointment.")
    else:
        require(acting_user, "accounts.manage_memberships", membership.agency)
    with transaction.atomic():
        before = snapshot(membership)
        changed = Membership.objects.filter(pk=membership.pk, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
        if not changed:
            raise ValidationError("This role has already ended.")
        membership.refresh_from_db()
        record_audit(
            actor=acting_user,
            action="membership.end",
            obj=membership,
            agency_id=membership.agency_id,
            before=before,
            after=snapshot(membership),
            reason=reason,
        )
    membership.user.forget_scope()
    return membership


def make_site_administrator(*, acting_user: Any, user: User) -> User:
    """Give a login the run of the whole site (superuser and staff); audited.

    Only a site administrator (or the system, e.g. the demo loader) may do this.
    """
    if not getattr(acting_user, "is_superuser", False):
        raise PermissionDenied("Only a site administrator may make another one.")
    with transaction.atomic():
        before = snapshot(user, exclude=_USER_AUDIT_EXCLUDE)
        user.is_superuser = True
        user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
        record_audit(
            actor=acting_user,
            action="user.make_site_administrator",
            obj=user,
            before=before,
            after=snapshot(user, exclude=_USER_AUDIT_EXCLUDE),
        )
    user.forget_scope()
    return user
