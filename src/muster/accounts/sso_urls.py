"""Single sign-on routes; they answer 404 while single sign-on is not configured."""

from django.urls import path

from muster.accounts import sso_views

app_name = "sso"

urlpatterns = [
    path("start/", sso_views.SsoStartView.as_view(), name="start"),
    path("callback/", sso_views.SsoCallbackView.as_view(), name="callback"),
]
