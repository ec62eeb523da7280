"""Personal API tokens: a user's key to the REST API, kept only as a digest."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q

# Every token starts with this, so a leaked one is easy to recognise (and to search for in
# code and logs); the prefix plus 8 characters is shown in lists to tell tokens apart.
TOKEN_PREFIX = "mst_"  # noqa: S105  # a public marker, not a secret
SHOWN_CHARS = len(TOKEN_PREFIX) + 8


def token_digest(token: str) -> str:
    """The stored form of a token. A token carries 256 random bits, so a fast hash is enough:
    a copy of the database does not give the tokens back."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    """Tokens, by whether they still work."""

    def in_force(self) -> ApiTokenQuerySet:
        """Tokens not revoked."""
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """One named API token of one user; shown once at creation, then only its first letters."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'HR sync'.")
    shown = models.CharField(max_length=SHOWN_CHARS, help_text="The token's first characters.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["user", "-created_at"]
        indexes = [
            models.Index(fields=["user"], condition=Q(revoked_at__isnull=True), name="token_live")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.shown}…)"
