"""Routes of the xAPI app (mounted at /xapi/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from muster.xapi import views

urlpatterns: list[URLPattern] = [
    path("statements", views.statements, name="xapi-statements"),
    path("integrations/", views.integration_list, name="xapi-list"),
    path("integrations/new/", views.integration_new, name="xapi-new"),
    path("integrations/<int:pk>/", views.integration_detail, name="xapi-detail"),
    path("integrations/<int:pk>/mappings/", views.mapping_new, name="xapi-mapping-new"),
    path(
        "integrations/<int:pk>/deactivate/",
        views.integration_deactivate,
        name="xapi-deactivate",
    ),
]
