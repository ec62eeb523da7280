"""Authenticating API requests by personal token, and limiting how fast a token may ask."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from muster.api.models import ApiToken
from muster.api.services import user_for_token

KEYWORD = "Bearer"


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer mst_...`: the token's user, if the token is in force and the
    user is an active person. Requests without the header fall through to the session."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        """The (user, token) of the request's token, None without one; 401 for a bad one."""
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the header as 'Bearer <token>'.")
        try:
            plain = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        found = user_for_token(plain)
        if found is None:
            raise exceptions.AuthenticationFailed("The token is not valid, or was revoked.")
        return found

    def authenticate_header(self, request: Request) -> str:
        """The challenge of a 401 answer."""
        return f'{KEYWORD} realm="api"'


class TokenRateThrottle(SimpleRateThrottle):
    """At most MUSTER_API_TOKEN_RATE requests per token; sessions are not limited."""

    scope = "token"

    def get_rate(self) -> str | None:
        """The configured rate, read on each request so that tests may change it."""
        return getattr(settings, "MUSTER_API_TOKEN_RATE", "") or None

    def allow_request(self, request: Request, view: Any) -> bool:
        """Unlimited without a token or a rate; else DRF's sliding window."""
        self.rate = self.get_rate()
        if self.rate is None or not isinstance(request.auth, ApiToken):
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        """One bucket per token."""
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
