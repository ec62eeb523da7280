"""Routes of the roll-call training app."""

from __future__ import annotations

from django.urls import URLPattern, path

from muster.rollcall import views

urlpatterns: list[URLPattern] = [
    path("", views.report_list, name="rollcall-list"),
    path("new/", views.report_new, name="rollcall-new"),
    path("<int:pk>/", views.report_detail, name="rollcall-detail"),
    path("<int:pk>/edit/", views.report_edit, name="rollcall-edit"),
    path("<int:pk>/enter/", views.report_enter, name="rollcall-enter"),
    path("<int:pk>/return/", views.report_return, name="rollcall-return"),
]
