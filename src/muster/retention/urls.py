"""Routes of the retention app (mounted at /retention/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from muster.retention import views

app_name = "retention"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("<int:agency_id>/", views.report, name="report"),
    path("<int:agency_id>/schedules/", views.schedules, name="schedules"),
    path("<int:agency_id>/schedules/defaults/", views.schedule_defaults, name="schedule_defaults"),
    path("schedules/<int:pk>/", views.schedule_edit, name="schedule_edit"),
    path("<int:agency_id>/holds/", views.holds, name="holds"),
    path("<int:agency_id>/holds/new/", views.hold_new, name="hold_new"),
    path("holds/<int:pk>/release/", views.hold_release, name="hold_release"),
    path("<int:agency_id>/batches/", views.batches, name="batches"),
    path("<int:agency_id>/batches/new/", views.batch_propose, name="batch_propose"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/approve/", views.batch_approve, name="batch_approve"),
    path("batches/<int:pk>/execute/", views.batch_execute, name="batch_execute"),
    path("batches/<int:pk>/cancel/", views.batch_cancel, name="batch_cancel"),
]
