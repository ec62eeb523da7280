"""Views of the reports app: dashboard."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
