"""Entry and inquiry: training staff enter, void and correct records and qualifications."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
