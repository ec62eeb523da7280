"""Who may open the sign-in pages and the pages about one's own login."""

from __future__ import annotations

from tests.authz.base import AuthzWorld, Route

SIGNED_IN = frozenset(
    {
        "officer",
        "other_officer",
        "supervisor",
        "other_supervisor",
        "training",
        "director",
        "custodian",
        "counsel_hr",
        "admin",
        "foreign_training",
        "commission",
        "foreign_commission",
        "superuser",
    }
)
EVERYONE = SIGNED_IN | {"anonymous"}


def setup(w: AuthzWorld) -> None:
    """These pages are about the signed-in person's own login: nothing to create."""


ROUTES = {
    # Public: anonymous visitors sign in here; signed-in people are sent on to the home page.
    "login": Route(
        kwargs=lambda w: {},
        allowed=EVERYONE,
        methods=("GET", "POST"),
        data=lambda w: {"username": "nobody", "password": "not it"},
    ),
    "logout": Route(kwargs=lambda w: {}, allowed=EVERYONE, methods=("POST",)),
    # The second step: without a password step pending it sends the visitor back to the
    # login page (anonymous) or on (a session already past it).
    "login-verify": Route(
        kwargs=lambda w: {},
        allowed=EVERYONE,
        methods=("GET", "POST"),
        data=lambda w: {"otp_token": "000000"},
    ),
    "password-reset": Route(
        kwargs=lambda w: {},
        allowed=EVERYONE,
        methods=("GET", "POST"),
        data=lambda w: {"email": "nobody@example.invalid"},
    ),
    "password-reset-sent": Route(kwargs=lambda w: {}, allowed=EVERYONE, methods=("GET",)),
    # A made-up link: the page says it no longer works.
    "password-reset-confirm": Route(
        kwargs=lambda w: {"uidb64": "MA", "token": "not-a-token"},
        allowed=EVERYONE,
        methods=("GET",),
    ),
    "password-reset-done": Route(kwargs=lambda w: {}, allowed=EVERYONE, methods=("GET",)),
    # One's own login: every signed-in person, nobody else.
    "account-security": Route(kwargs=lambda w: {}, allowed=SIGNED_IN, methods=("GET",)),
    "password-change": Route(
        kwargs=lambda w: {},
        allowed=SIGNED_IN,
        methods=("GET", "POST"),
        data=lambda w: {"old_password": "not it"},
    ),
    "two-factor-enrol": Route(
        kwargs=lambda w: {},
        allowed=SIGNED_IN,
        methods=("GET", "POST"),
        data=lambda w: {"otp_token": "000000"},
    ),
    "recovery-codes": Route(kwargs=lambda w: {}, allowed=SIGNED_IN, methods=("GET", "POST")),
    # GET explains to staff that their role keeps it on; their POST is refused (403), which
    # tests/accounts/test_two_factor.py covers.
    "two-factor-disable": Route(kwargs=lambda w: {}, allowed=SIGNED_IN, methods=("GET",)),
}
