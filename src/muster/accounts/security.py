"""Sign-in security services: two-factor set-up and use, passwords, and the audit rows of
signing in (successes, failures, lockouts)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from muster.accounts.models import RecoveryCodeDevice, User
from muster.accounts.two_factor import (
    AUTHENTICATOR_NAME,
    RECOVERY_CODES_NAME,
    authenticator_of,
    looks_like_authenticator_code,
)
from muster.core.audit import record_audit
from muster.core.services import require
from muster.people.models import Officer


class Visitor:
    """The actor of an audit row about someone not signed in (a failed sign-in, a lockout, a
    password-reset request): nobody has proved who they are yet."""

    pk = None
    is_authenticated = False

    def get_username(self) -> str:
        return "anonymous"


VISITOR = Visitor()


def client_address(request: HttpRequest) -> str | None:
    """The address a request came from: REMOTE_ADDR, or, behind MUSTER_PROXY_COUNT reverse
    proxies, the entry that many places from the right of X-Forwarded-For (the rightmost
    entries are the ones our own proxies wrote; anything left of them the client can forge)."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = int(getattr(settings, "MUSTER_PROXY_COUNT", 0))
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= count:
            remote = hops[-count]
    if remote is None:
        return None
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return None


def _agency_of(user: User) -> int | None:
    """The agency a login's audit rows belong under: the officer's, else the first it serves."""
    if user.officer_id is not None:
        agency_id: int | None = (
            Officer.objects.filter(pk=user.officer_id).values_list("agency_id", flat=True).first()
        )
        return agency_id
    agencies = user.scope.member_agency_ids
    return min(agencies) if agencies else None


def _user_named(username: str) -> User | None:
    return User.objects.filter(username=username).first() if username else None


# --- Signing in ------------------------------------------------------------------------------


def record_login(*, user: User, request: HttpRequest, second_factor: str) -> None:
    """Audit a completed sign-in (after the second step, when the user has one)."""
    with transaction.atomic():
        record_audit(
            actor=user,
            action="login",
            obj=user,
            agency_id=_agency_of(user),
            after={"address": client_address(request), "second_factor": second_factor or "none"},
        )


def record_failed_login(*, username: str, request: HttpRequest) -> None:
    """Audit a wrong username or password. The row names the login tried, when it exists;
    nothing of this reaches the person signing in."""
    user = _user_named(username)
    with transaction.atomic():
        record_audit(
            actor=VISITOR,
            action="login.failed",
            obj=user,
            object_type="" if user else "accounts.user",
            object_label="" if user else username[:255],
            agency_id=_agency_of(user) if user else None,
            after={"username": username[:150], "address": client_address(request)},
        )


def record_lockout(*, username: str, request: HttpRequest) -> None:
    """Audit a sign-in refused (or the failure that set a lock) because the username or the
    address has failed too often."""
    user = _user_named(username)
    with transaction.atomic():
        record_audit(
            actor=VISITOR,
            action="login.locked",
            obj=user,
            object_type="" if user else "accounts.user",
            object_label="" if user else username[:255],
            agency_id=_agency_of(user) if user else None,
            after={
                "username": username[:150],
                "address": client_address(request),
                "minutes": settings.MUSTER_LOCKOUT_MINUTES,
            },
        )


def check_second_factor(*, acting_user: User, token: str, request: HttpRequest) -> Device | None:
    """The second step of signing in: the device that accepts `token` (an authenticator code,
    or a recovery code, which is used up), or None, audited as "otp.failed".

    `acting_user` is the person who has just given the right password. Each device slows
    down after wrong codes (django-otp's throttling), and the view counts a wrong code as a
    failed sign-in for the lockout.
    """
    token = token.strip()
    authenticator = looks_like_authenticator_code(token)
    with transaction.atomic():
        device: Device | None
        if authenticator:
            token = token.replace(" ", "")
            device = (
                TOTPDevice.objects.select_for_update()
                .filter(user=acting_user, confirmed=True)
                .order_by("-pk")
                .first()
            )
        else:
            device = (
                RecoveryCodeDevice.objects.select_for_update()
                .filter(user=acting_user, confirmed=True)
                .order_by("-pk")
                .first()
            )
        if device is not None and device.verify_token(token):
            return device
        record_audit(
            actor=acting_user,
            action="otp.failed",
            obj=acting_user,
            agency_id=_agency_of(acting_user),
            after={
                "kind": "authenticator" if authenticator else "recovery_code",
                "address": client_address(request),
            },
        )
    return None


# --- Setting up two-factor sign-in -------------------------------------------------------------


def enable_two_factor(
    *,
    acting_user: Any,
    user: User,
    key: str,
    last_step: int = -1,
    name: str = AUTHENTICATOR_NAME,
) -> tuple[TOTPDevice, list[str]]:
    """Turn on two-factor sign-in with the authenticator whose secret is `key` (hex), replacing
    any earlier authenticator and recovery codes; returns the device and ten new recovery
    codes, which exist in clear only in this answer. Audited as "otp.enrolled".

    `last_step` is the time step of the code that confirmed the set-up, so that code cannot
    sign in again.
    """
    require(acting_user, "accounts.manage_own_sign_in", user)
    with transaction.atomic():
        replaced = TOTPDevice.objects.filter(user=user).exists()
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        device = TOTPDevice(user=user, name=name, key=key, confirmed=True, last_t=last_step)
        device.full_clean()
        device.save()
        recovery = RecoveryCodeDevice.objects.create(user=user, name=RECOVERY_CODES_NAME)
        codes = recovery.replace_codes()
        record_audit(
            actor=acting_user,
            action="otp.enrolled",
            obj=user,
            agency_id=_agency_of(user),
            after={"device": name, "replaced": replaced, "recovery_codes": len(codes)},
        )
    return device, codes


def regenerate_recovery_codes(*, acting_user: Any, user: User) -> list[str]:
    """Replace a user's recovery codes with ten new ones (the old ones stop working); audited
    as "recovery_codes.regenerated"."""
    require(acting_user, "accounts.manage_own_sign_in", user)
    if authenticator_of(user) is None:
        raise ValidationError("Set up an authenticator app first; recovery codes come with it.")
    with transaction.atomic():
        recovery = RecoveryCodeDevice.objects.select_for_update().filter(user=user).first()
        if recovery is None:
            recovery = RecoveryCodeDevice.objects.create(user=user, name=RECOVERY_CODES_NAME)
        codes: list[str] = recovery.replace_codes()
        record_audit(
            actor=acting_user,
            action="recovery_codes.regenerated",
            obj=user,
            agency_id=_agency_of(user),
            after={"recovery_codes": len(codes)},
        )
    return codes


def disable_two_factor(*, acting_user: Any, user: User) -> None:
    """Turn two-factor sign-in off: the authenticator and the recovery codes are forgotten.
    Only for logins that may go without it (officers); audited as "otp.disabled"."""
    require(acting_user, "accounts.turn_off_two_factor", user)
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        if not removed:
            raise ValidationError("Two-factor sign-in is not on for this login.")
        record_audit(actor=acting_user, action="otp.disabled", obj=user, agency_id=_agency_of(user))


# --- Passwords ---------------------------------------------------------------------------------


def set_password(
    *, acting_user: Any, user: User, password: str, how: Literal["reset", "change"]
) -> None:
    """Give a login a new password, after a reset link ("password.reset") or from the
    signed-in person's own page ("password.changed"). A reset also lifts a lockout of the
    username, since whoever holds the mailbox has proved who they are."""
    require(acting_user, "accounts.manage_own_sign_in", user)
    validate_password(password, user)
    from axes.utils import reset as reset_lockout

    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record_audit(
            actor=acting_user,
            action="password.reset" if how == "reset" else "password.changed",
            obj=user,
            agency_id=_agency_of(user),
        )
        if how == "reset":
            reset_lockout(username=user.get_username())


def record_password_reset_request(*, users: Iterable[User], request: HttpRequest) -> None:
    """Audit that a reset link was sent to each of these logins (the page says the same
    whether or not any login matched, so nobody learns which addresses are known)."""
    with transaction.atomic():
        for user in users:
            record_audit(
                actor=VISITOR,
                action="password.reset_requested",
                obj=user,
                agency_id=_agency_of(user),
                after={"address": client_address(request)},
            )
