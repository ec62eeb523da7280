"""Signing in and out."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from muster.accounts.oidc import provider_logout_url, sso_settings
from muster.agencies.models import Agency


class MusterLoginView(auth_views.LoginView):
    """The login page; while the demo is loaded it lists the demo logins."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        sso = sso_settings()
        if sso.enabled:
            context["sso_name"] = sso.name
        if Agency.objects.filter(is_demo=True).exists():
            from muster.demo import DEMO_LOGINS, DEMO_PASSWORD

            context["demo_logins"] = DEMO_LOGINS
            context["demo_password"] = DEMO_PASSWORD
        return context


class MusterLogoutView(auth_views.LogoutView):
    """Sign out (POST only, as Django requires); after a single sign-on, at the provider too."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Worked out before the session, which holds the provider's ID token, is emptied.
        provider_logout = provider_logout_url(request)
        response = super().post(request, *args, **kwargs)
        if provider_logout:
            return HttpResponseRedirect(provider_logout)
        return response
