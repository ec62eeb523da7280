"""Routes of the REST API (/api/v1/), its OpenAPI schema and its docs page."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from muster.api import views
from muster.api.docs import ApiDocsView

router = DefaultRouter(trailing_slash=True)
# One address per resource: no ".json" twins of every route.
router.include_format_suffixes = False
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("units", views.UnitViewSet, basename="unit")
router.register("officers", views.OfficerViewSet, basename="officer")
router.register("courses", views.CourseViewSet, basename="course")
router.register("sessions", views.SessionViewSet, basename="session")
router.register("training-records", views.TrainingRecordViewSet, basename="training-record")
router.register("qualifications", views.QualificationViewSet, basename="qualification")
router.register("compliance", views.ComplianceViewSet, basename="compliance")
router.register("imports", views.ImportViewSet, basename="import")

app_name = "api"

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
]
