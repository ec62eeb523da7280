"""Signing in (the second step, password reset) and the pages about one's own login.

"login" and "logout" are declared in core.py.
"""

from __future__ import annotations

from tests.authz.base import EVERYONE, SIGNED_IN, Route

ROUTES = {
    # The second step. With no password step pending, an anonymous visitor is sent back to the
    # login page; a session already past the second step is sent on to the home page.
    "login-verify": Route(
        allowed=SIGNED_IN,
        methods=("GET", "POST"),
        data=lambda w: {"otp_token": "000000"},
    ),
    # Public, and the same answer whether or not the address belongs to a login.
    "password-reset": Route(
        allowed=EVERYONE,
        methods=("GET", "POST"),
        data=lambda w: {"email": "nobody@example.invalid"},
    ),
    "password-reset-sent": Route(allowed=EVERYONE),
    # A made-up link: the page says it no longer works.
    "password-reset-confirm": Route(
        allowed=EVERYONE, kwargs=lambda w: {"uidb64": "MA", "token": "not-a-token"}
    ),
    "password-reset-done": Route(allowed=EVERYONE),
    # One's own login: every signed-in person (it is their own), nobody else.
    "account-security": Route(allowed=SIGNED_IN),
    "password-change": Route(
        allowed=SIGNED_IN, methods=("GET", "POST"), data=lambda w: {"old_password": "not it"}
    ),
    "two-factor-enrol": Route(
        allowed=SIGNED_IN, methods=("GET", "POST"), data=lambda w: {"otp_token": "000000"}
    ),
    "recovery-codes": Route(allowed=SIGNED_IN, methods=("GET", "POST")),
    # GET tells staff their role keeps it on; their POST is refused with 403, which
    # tests/accounts/test_two_factor.py covers (a declaration has one set of roles for all
    # its methods).
    "two-factor-disable": Route(allowed=SIGNED_IN),
}
