"""Sessions: scheduling, enrolment, sign-in (QR, kiosk, paper), absence, closing, calendars."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
