"""Routes for officers."""

from django.urls import path

from muster.people import views

urlpatterns = [
    path("officers/", views.officer_list, name="officer-list"),
    path("officers/<int:pk>/", views.officer_detail, name="officer-detail"),
    path("officers/<int:pk>/history/", views.officer_history, name="officer-history"),
]
