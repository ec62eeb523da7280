"""The course catalog: Course IDs, counsel and HR reviews, retiring courses."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
