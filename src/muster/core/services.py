"""What every service function shares: the acting user, permission checks and errors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError


class SystemActor:
    """The actor for changes Muster makes itself (demo loader, scheduled jobs), never a person.

    Only command-line entry points construct it; web requests always act as their user.
    """

    is_authenticated = True
    is_active = True
    is_superuser = True
    pk = None

    def get_username(self) -> str:
        return "system"

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return True

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def error_text(error: ValidationError) -> str:
    """A service's ValidationError as one line: "field: message; field: message"."""
    if hasattr(error, "error_dict"):
        return "; ".join(f"{f}: {' '.join(m)}" for f, m in error.message_dict.items())
    return " ".join(error.messages)


def require(user: Any, permission: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless `user` holds `permission` on `obj`."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Sign in first.")
    if not user.has_perm(permission, obj):
        raise PermissionDenied(f"You may not do this ({permission}).")
