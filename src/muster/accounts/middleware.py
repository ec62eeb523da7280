"""Two-factor sign-in: a signed-in session that has not passed the second step goes there
first, and staff without an authenticator set one up before anything else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from muster.accounts.two_factor import has_second_factor, two_factor_required

# Pages an unverified session may still open: leaving, the second step itself, the health
# check (static files never reach Django's URL resolver here: WhiteNoise answers them).
ALWAYS_OPEN = frozenset({"logout", "login", "login-verify", "healthz"})
# Pages a staff login without an authenticator may open: setting one up.
ENROLMENT = frozenset({"two-factor-enrol"})


def _to(name: str, request: HttpRequest) -> HttpResponseRedirect:
    target = request.get_full_path() if request.method == "GET" else reverse("home")
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': target})}")


class TwoFactorMiddleware:
    """Send a signed-in but unverified session to the second step when the user has an
    authenticator, and a staff login without one to the set-up page
    (MUSTER_REQUIRE_2FA_FOR_STAFF)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user: Any = request.user
        if not user.is_authenticated:
            return None
        is_verified = getattr(user, "is_verified", None)
        if is_verified is not None and is_verified():
            return None
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        if name in ALWAYS_OPEN:
            return None
        # A session signed in some other way (site administration's own login form, or
        # before the authenticator was set up elsewhere) still owes the second step.
        if has_second_factor(user):
            return _to("login-verify", request)
        if name in ENROLMENT:
            return None
        if two_factor_required(user):
            return _to("two-factor-enrol", request)
        return None
