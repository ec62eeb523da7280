"""Single sign-on routes.

They are always routed, so the URL configuration is the same everywhere, but answer 404 to
everyone while single sign-on is not configured, as in the test settings. With it on, both
are open to anyone (they are how a person signs in); tests/accounts/test_sso.py covers that.
"""

from __future__ import annotations

from tests.authz.base import Route

ROUTES = {
    "sso:start": Route(allowed=frozenset()),
    "sso:callback": Route(allowed=frozenset(), query="?code=x&state=y"),
}
