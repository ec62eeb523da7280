"""Views of the reports app: state report."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
