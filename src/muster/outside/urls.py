"""Routes of the outside training app."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
