"""Routes of the roll-call training app."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
