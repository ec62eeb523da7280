"""A person's own API tokens: list, make (the secret shown once) and revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from muster.accounts.models import User
from muster.api.models import ApiToken
from muster.api.services import create_api_token, revoke_api_token
from muster.core.forms import show_service_errors


class TokenForm(forms.Form):
    """The name of a new token."""

    name = forms.CharField(
        max_length=100, help_text="What will use it, so you know which to revoke later."
    )


def _me(request: HttpRequest) -> User:
    """The signed-in user (the views below require one)."""
    user = request.user
    assert isinstance(user, User), "this view needs login_required"
    return user


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's tokens, and a form for a new one (whose secret is shown once, right away)."""
    user = _me(request)
    may_create = user.has_perm("api.create_token", user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, plain = create_api_token(acting_user=user, name=form.cleaned_data["name"])
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            response = render(request, "api/token_created.html", {"token": token, "plain": plain})
            add_never_cache_headers(response)
            return response
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "may_create": may_create},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's own tokens; it stops working at once."""
    user = _me(request)
    token = get_object_or_404(ApiToken.objects.filter(user=user), pk=pk)
    revoke_api_token(acting_user=user, token=token)
    messages.success(request, f"The token “{token.name}” was revoked.")
    return redirect("api-tokens")
