"""Routes of the post course certification app."""

from django.urls import path

from muster.certification import views

urlpatterns = [
    path("", views.request_list, name="certification-list"),
    path("new/", views.request_new, name="certification-new"),
    path("<int:pk>/", views.request_detail, name="certification-detail"),
    path("<int:pk>/documents/", views.document_upload, name="certification-upload"),
    path(
        "<int:pk>/documents/<int:doc_pk>/",
        views.document_download,
        name="certification-document",
    ),
    path(
        "<int:pk>/documents/<int:doc_pk>/remove/",
        views.document_remove,
        name="certification-document-remove",
    ),
    path("<int:pk>/submit/", views.request_submit, name="certification-submit"),
    path("<int:pk>/late-exception/", views.late_exception, name="certification-late-exception"),
    path("<int:pk>/progress/", views.record_progress, name="certification-progress"),
    path("<int:pk>/withdraw/", views.request_withdraw, name="certification-withdraw"),
    path("<int:pk>/liaison/", views.liaison_change, name="certification-liaison"),
]
