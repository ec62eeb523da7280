"""Routes for the rules pages."""

from django.urls import path

from muster.compliance import views

urlpatterns = [
    path("rules/", views.rules_index, name="rules"),
    path("agencies/<int:pk>/rules/", views.agency_rules, name="agency-rules"),
]
