"""Routes of the post course certification app."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
