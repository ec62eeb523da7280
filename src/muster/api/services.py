"""Making, using and revoking API tokens; every change audited."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from muster.accounts.models import User
from muster.api.models import SHOWN_CHARS, TOKEN_PREFIX, ApiToken, token_digest
from muster.core.audit import record_audit
from muster.core.services import require

# A user with more live tokens than this is probably not revoking old ones.
MAX_TOKENS_PER_USER = 20
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION_SECONDS = 60


def create_api_token(*, acting_user: Any, name: str) -> tuple[ApiToken, str]:
    """Make a named token for the acting user; returns it and its secret, which exists in
    clear only in this return value. Audited (the row names the token, never its secret)."""
    require(acting_user, "api.create_token", acting_user)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the token after what will use it."})
    if len(name) > 100:
        raise ValidationError({"name": "Keep the name to 100 characters."})
    with transaction.atomic():
        live = ApiToken.objects.select_for_update().filter(user=acting_user).in_force()
        if live.count() >= MAX_TOKENS_PER_USER:
            raise ValidationError(
                {"name": f"You have {MAX_TOKENS_PER_USER} tokens; revoke one you no longer use."}
            )
        plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=acting_user, name=name, shown=plain[:SHOWN_CHARS], digest=token_digest(plain)
        )
        record_audit(
            actor=acting_user,
            action="api_token.create",
            obj=token,
            after={"user": acting_user.pk, "name": name, "shown": token.shown},
        )
    return token, plain


def revoke_api_token(*, acting_user: Any, token: ApiToken) -> ApiToken:
    """Stop a token working, for good; audited. Revoking a revoked token changes nothing."""
    require(acting_user, "api.revoke_token", token)
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        token.refresh_from_db()
        if changed:
            record_audit(
                actor=acting_user,
                action="api_token.revoke",
                obj=token,
                before={"revoked_at": None},
                after={"user": token.user_id, "revoked_at": token.revoked_at},
            )
    return token


def user_for_token(plain: str) -> tuple[User, ApiToken] | None:
    """The active person a token in force belongs to, and the token; None for anything else
    (unknown, revoked, a deactivated login, or an integration's service login)."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    token = (
        ApiToken.objects.in_force()
        .select_related("user")
        .filter(digest=token_digest(plain))
        .first()
    )
    if token is None:
        return None
    user = token.user
    if not user.has_perm("api.create_token", user):  # active, and a person
        return None
    now = timezone.now()
    last = token.last_used_at
    if last is None or (now - last).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return user, token
