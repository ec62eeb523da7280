"""Routes of signing in (beside /login/ and /logout/) and of one's own sign-in security."""

from __future__ import annotations

from django.urls import URLPattern, path

from muster.accounts import views

urlpatterns: list[URLPattern] = [
    path("login/verify/", views.login_verify, name="login-verify"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("password-reset/done/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path("account/", views.account_security, name="account-security"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("account/two-factor/", views.two_factor_enrol, name="two-factor-enrol"),
    path("account/recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("account/two-factor/off/", views.two_factor_disable, name="two-factor-disable"),
]
