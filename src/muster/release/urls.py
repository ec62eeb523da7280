"""Routes of the records release app."""

from django.urls import path

from muster.release import views

urlpatterns = [
    path("", views.request_list, name="release-list"),
    path("new/", views.request_new, name="release-new"),
    path("<int:pk>/", views.request_detail, name="release-detail"),
    path("<int:pk>/submit/", views.request_submit, name="release-submit"),
    path("<int:pk>/approve/", views.request_approve, name="release-approve"),
    path("<int:pk>/deny/", views.request_deny, name="release-deny"),
    path("<int:pk>/withdraw/", views.request_withdraw, name="release-withdraw"),
    path("<int:pk>/package/", views.request_produce, name="release-produce"),
]
