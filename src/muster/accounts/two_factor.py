"""Who must use two-factor sign-in, and what second factors a user has (reads only; the changes
are services in accounts/security.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from muster.accounts.models import RecoveryCodeDevice, Role, User

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"


def is_staff_login(user: Any) -> bool:
    """Whether the login holds any role beyond plain officer (or runs the site): supervisors,
    Training Unit, Training Center Director, custodians, counsel / HR, agency administrators,
    commission staff and site administrators."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.is_staff:
        return True
    return bool(user.scope.all_roles() - {Role.OFFICER})


def two_factor_required(user: Any) -> bool:
    """Whether this login may not work without a second factor (MUSTER_REQUIRE_2FA_FOR_STAFF)."""
    return bool(settings.MUSTER_REQUIRE_2FA_FOR_STAFF) and is_staff_login(user)


def authenticator_of(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they set one up."""
    device: TOTPDevice | None = (
        TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
    )
    return device


def recovery_codes_of(user: User) -> RecoveryCodeDevice | None:
    """The user's recovery code set, if they have one."""
    device: RecoveryCodeDevice | None = (
        RecoveryCodeDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
    )
    return device


def has_second_factor(user: User) -> bool:
    """Whether signing in as this user asks for a code after the password."""
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def looks_like_authenticator_code(token: str) -> bool:
    """Six digits (spaces allowed) are an authenticator code; anything else a recovery code."""
    digits = token.replace(" ", "")
    return len(digits) == 6 and digits.isdigit()
