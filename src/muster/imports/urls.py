"""Routes of the imports app (mounted at /imports/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from muster.imports import views

app_name = "imports"
urlpatterns: list[URLPattern] = [
    path("", views.batch_list, name="list"),
    path("new/", views.batch_new, name="new"),
    path("columns/<str:kind>.csv", views.column_template, name="template"),
    path("<int:pk>/", views.batch_detail, name="detail"),
    path("<int:pk>/progress/", views.batch_progress, name="progress"),
    path("<int:pk>/problems.csv", views.batch_problems, name="problems"),
    path("<int:pk>/import/", views.batch_commit, name="commit"),
    path("<int:pk>/cancel/", views.batch_cancel, name="cancel"),
]
