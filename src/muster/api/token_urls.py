"""Routes of one's own API tokens (under /account/api-tokens/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from muster.api import token_views

urlpatterns: list[URLPattern] = [
    path("", token_views.api_tokens, name="api-tokens"),
    path("<int:pk>/revoke/", token_views.api_token_revoke, name="api-token-revoke"),
]
