"""The home page, logging in and out, and the health check."""

from __future__ import annotations

from tests.authz.base import EVERYONE, SIGNED_IN, Route

ROUTES = {
    "home": Route(allowed=SIGNED_IN),
    "login": Route(allowed=EVERYONE),
    # Logging out is a POST (a GET could be forged by any page); anyone may do it.
    "logout": Route(allowed=EVERYONE, methods=("POST",), ends_at_login=True),
    "healthz": Route(allowed=EVERYONE),
}
