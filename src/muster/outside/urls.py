"""Routes of the outside training app (mounted at /outside-training/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from muster.outside import views

urlpatterns: list[URLPattern] = [
    path("", views.submission_list, name="outside-list"),
    path("new/", views.submission_new, name="outside-new"),
    path("review/", views.review_queue, name="outside-queue"),
    path("<int:pk>/", views.submission_detail, name="outside-detail"),
    path("<int:pk>/edit/", views.submission_edit, name="outside-edit"),
    path("<int:pk>/withdraw/", views.submission_withdraw, name="outside-withdraw"),
    path("<int:pk>/review/", views.submission_review, name="outside-review"),
    path("<int:pk>/certificate/", views.certificate_download, name="outside-certificate"),
]
