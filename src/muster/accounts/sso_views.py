"""Single sign-on pages: off to the provider, and back again.

Both routes always exist, so the URL configuration is the same everywhere; while single
sign-on is not configured they answer 404.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.generic import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from muster.accounts.oidc import (
    ProviderUnavailable,
    SsoBackend,
    SsoSettings,
    TokenRejected,
    provider_endpoints,
    sso_settings,
)
from muster.accounts.sso import SsoRefused, sign_in_with_sso

logger = logging.getLogger(__name__)

NOT_VERIFIED = (
    "Muster could not verify this sign-in, so it did not sign you in. "
    "Start again from the sign-in page; if it happens again, tell your administrator."
)


def _enabled_settings() -> SsoSettings:
    config = sso_settings()
    if not config.enabled:
        raise Http404("Single sign-on is not configured.")
    return config


def _problem(
    request: HttpRequest, config: SsoSettings, *, title: str, message: str, status: int
) -> HttpResponse:
    return render(
        request,
        "accounts/sso_problem.html",
        {"title": title, "message": message, "sso_name": config.name},
        status=status,
    )


def _unavailable(request: HttpRequest, config: SsoSettings, error: Exception) -> HttpResponse:
    logger.warning("Single sign-on provider unavailable: %s", error)
    return _problem(
        request,
        config,
        title=f"{config.name} is not answering",
        message=(
            f"Muster could not reach {config.name} just now. Try again in a few minutes, "
            "or sign in with your Muster username and password if you have one."
        ),
        status=503,
    )


class SsoStartView(OIDCAuthenticationRequestView):
    """Send the person to the provider to sign in (state, nonce and PKCE kept in the session)."""

    http_method_names = ["get"]

    def __init__(self, **kwargs: Any) -> None:
        # mozilla-django-oidc reads fixed endpoints from settings here; Muster finds them
        # when the request comes, from its own settings or the provider's discovery.
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        config = _enabled_settings()
        try:
            endpoints = provider_endpoints(config)
        except ProviderUnavailable as error:
            return _unavailable(request, config, error)
        self.OIDC_OP_AUTH_ENDPOINT = endpoints.authorization
        self.OIDC_RP_CLIENT_ID = config.client_id
        response: HttpResponse = super().get(request)
        return response


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the person back: verify, match, and sign them in."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        config = _enabled_settings()
        states = request.session.get("oidc_states")
        state = request.GET.get("state", "")
        entry = states.pop(state, None) if isinstance(states, dict) and state else None
        if entry is not None:
            # Each state answers once: a replayed callback finds nothing.
            request.session["oidc_states"] = states
        if request.GET.get("error"):
            # OAuth error codes are short lower-case words; anything else is not repeated.
            code = request.GET["error"]
            shown = f" ({code})" if re.fullmatch(r"[a-z_]{1,40}", code) else ""
            return _problem(
                request,
                config,
                title="Not signed in",
                message=(
                    f"{config.name} did not sign you in{shown}. Start again from the sign-in page."
                ),
                status=400,
            )
        if entry is None or not request.GET.get("code"):
            logger.warning("Single sign-on callback with an unknown or used state.")
            return _problem(
                request, config, title="Sign-in not verified", message=NOT_VERIFIED, status=400
            )

        backend = SsoBackend()
        try:
            user = backend.authenticate(
                request, sso_nonce=entry["nonce"], sso_code_verifier=entry.get("code_verifier")
            )
        except ProviderUnavailable as error:
            return _unavailable(request, config, error)
        except TokenRejected as error:
            logger.warning("Single sign-on token rejected: %s", error)
            user = None
        except SsoRefused as refusal:
            return render(
                request,
                "accounts/sso_problem.html",
                {
                    "title": "No Muster account for this sign-in"
                    if refusal.reason != "deactivated"
                    else "Account deactivated",
                    "message": refusal.message,
                    "signed_in_as": refusal.claims.email or refusal.claims.subject,
                    "sso_name": config.name,
                },
                status=403,
            )
        if user is None or backend.claims is None:
            return _problem(
                request, config, title="Sign-in not verified", message=NOT_VERIFIED, status=400
            )
        # Read before login(), which empties the session of anyone signed in before. The
        # start view only kept a `next` it had checked for safety.
        next_url: str = self.success_url
        request.session.pop("oidc_login_next", None)
        sign_in_with_sso(request, user=user, claims=backend.claims, id_token=backend.id_token)
        return HttpResponseRedirect(next_url)
