"""Views of the reports app: transcripts."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
