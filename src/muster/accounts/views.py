"""Signing in and out: the password, the second step, lockout, two-factor set-up, and
passwords (change, and reset by e-mail)."""

from __future__ import annotations

import datetime as dt
import time
from binascii import unhexlify
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from muster.accounts.forms import AuthenticatorCodeForm, SecondFactorForm
from muster.accounts.lockout import SECOND_FACTOR, locked_out_response
from muster.accounts.models import RecoveryCodeDevice, User
from muster.accounts.oidc import provider_logout_url, sso_settings
from muster.accounts.security import (
    check_second_factor,
    client_address,
    disable_two_factor,
    enable_two_factor,
    record_login,
    record_password_reset_request,
    regenerate_recovery_codes,
    set_password,
)
from muster.accounts.two_factor import (
    authenticator_of,
    has_second_factor,
    recovery_codes_of,
    two_factor_required,
)
from muster.agencies.models import Agency
from muster.core.forms import show_service_errors
from muster.core.models import AuditEvent

# Between the password and the second step the session holds only who gave the password, and
# when; the person is not signed in until the code is right.
PENDING_LOGIN = "muster_pending_login"
PENDING_SECONDS = 5 * 60
# The secret of an authenticator being set up, kept in the session (not the database) until
# its first code confirms it.
ENROL_KEY = "muster_enrol_key"


def _safe_next(request: HttpRequest, default: str = "") -> str:
    """The `next` address of the request, when it points into this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}" if next_url else reverse(name)


def _finish_sign_in(request: HttpRequest, user: User, second_factor: str) -> None:
    """Audit a completed sign-in and forget this address's earlier failures for the login
    (a person's own typos should not count against their next sign-in)."""
    record_login(user=user, request=request, second_factor=second_factor)
    AxesProxyHandler.reset_attempts(
        ip_address=client_address(request), username=user.get_username()
    )


class MusterLoginView(auth_views.LoginView):
    """The login page (the password); while the demo is loaded it lists the demo logins."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        sso = sso_settings()
        if sso.enabled:
            context["sso_name"] = sso.name
        if Agency.objects.filter(is_demo=True).exists():
            from muster.demo import DEMO_LOGINS, DEMO_PASSWORD

            context["demo_logins"] = DEMO_LOGINS
            context["demo_password"] = DEMO_PASSWORD
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if has_second_factor(user):
            self.request.session[PENDING_LOGIN] = {
                "user": user.pk,
                "backend": getattr(user, "backend", ""),
                "at": int(time.time()),
            }
            return HttpResponseRedirect(_with_next("login-verify", self.get_redirect_url()))
        response = super().form_valid(form)
        _finish_sign_in(self.request, user, "")
        return response


class MusterLogoutView(auth_views.LogoutView):
    """Sign out (POST only, as Django requires); after a single sign-on, at the provider too."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Worked out before the session, which holds the provider's ID token, is emptied.
        provider_logout = provider_logout_url(request)
        response = super().post(request, *args, **kwargs)
        if provider_logout:
            return HttpResponseRedirect(provider_logout)
        return response


def _demo_code(user: User) -> str:
    """The demo authenticator's current code, shown on the second step for demo logins."""
    from muster.demo import demo_code_for

    return demo_code_for(user) or ""


@never_cache
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app or a recovery code."""
    pending = False
    backend = "django.contrib.auth.backends.ModelBackend"
    user: User | None = None
    if request.user.is_authenticated:
        assert isinstance(request.user, User)
        # Nothing to verify: past the second step already, or no authenticator to ask for.
        verified = getattr(request.user, "is_verified", lambda: False)()
        if verified or not has_second_factor(request.user):
            return redirect(_safe_next(request))
        user = request.user
    else:
        data = request.session.get(PENDING_LOGIN) or {}
        if data and time.time() - float(data.get("at", 0)) <= PENDING_SECONDS:
            user = User.objects.filter(pk=int(data.get("user") or 0), is_active=True).first()
            backend = str(data.get("backend") or backend)
            pending = True
    if user is None or not has_second_factor(user):
        if request.session.pop(PENDING_LOGIN, None):
            messages.info(request, "Sign in again: the time for the second step ran out.")
        return redirect(_with_next("login", _safe_next(request)))

    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.get_username(), SECOND_FACTOR: True}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return locked_out_response(request, None, credentials)
        device = check_second_factor(
            acting_user=user, token=form.cleaned_data["otp_token"], request=request
        )
        if device is None:
            # Counts towards the lockout like a wrong password; AxesMiddleware swaps this
            # answer for the locked-out page when it was one failure too many.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error(
                "otp_token",
                "That code is not right, or it was already used. Enter the code your "
                "authenticator app shows now, or an unused recovery code.",
            )
        else:
            kind = "recovery_code" if isinstance(device, RecoveryCodeDevice) else "authenticator"
            if pending:
                request.session.pop(PENDING_LOGIN, None)
                auth_login(request, user, backend=backend)
            otp_login(request, device)
            _finish_sign_in(request, user, kind)
            if isinstance(device, RecoveryCodeDevice):
                left = device.remaining()
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. Each works once: make new "
                    "ones on your sign-in security page if you are running low.",
                )
            return redirect(_safe_next(request))
    return render(
        request,
        "accounts/login_verify.html",
        {
            "form": form,
            "next": _safe_next(request, ""),
            "demo_code": _demo_code(user),
        },
    )


# --- Signed-in pages about one's own login ---------------------------------------------------


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "this view needs login_required"
    return user


@never_cache
@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    """The sign-in security page: password, authenticator, recovery codes."""
    user = _me(request)
    recovery = recovery_codes_of(user)
    return render(
        request,
        "accounts/security.html",
        {
            "authenticator": authenticator_of(user),
            "recovery_left": recovery.remaining() if recovery else 0,
            "required": two_factor_required(user),
            "may_turn_off": user.has_perm("accounts.turn_off_two_factor", user),
        },
    )


def _matching_step(key: str, token: str) -> int | None:
    """The time step at which `token` is the code of the secret `key`, or None."""
    totp = TOTP(unhexlify(key.encode()), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time()
    if totp.verify(int(token), tolerance=1):
        return int(totp.t())
    return None


def _qr_and_secret(user: User, key: str) -> tuple[str, str]:
    """The inline SVG QR code of the authenticator address, and the secret to type instead."""
    device = TOTPDevice(user=user, key=key, name="Muster")
    qr = segno.make_qr(device.config_url, error="m")
    svg = qr.svg_inline(scale=5, title="QR code to scan with your authenticator app")
    secret = device.config_url.split("secret=")[1].split("&")[0]
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return svg, grouped


def _show_codes(request: HttpRequest, codes: list[str], continue_url: str) -> HttpResponse:
    """The one and only time recovery codes are shown."""
    response = render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "continue_url": continue_url},
    )
    add_never_cache_headers(response)
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the secret), confirm with the
    first code; the recovery codes are shown once after that."""
    user = _me(request)
    key = request.session.get(ENROL_KEY)
    if not isinstance(key, str) or len(key) != 40:
        key = random_hex(20)
        request.session[ENROL_KEY] = key
    form = AuthenticatorCodeForm(request.POST or None)
    next_url = _safe_next(request, reverse("account-security"))
    if request.method == "POST" and form.is_valid():
        step = _matching_step(key, form.cleaned_data["otp_token"])
        if step is None:
            form.add_error(
                "otp_token",
                "That code does not match. Check that the phone's clock is right and enter "
                "the code the app shows now.",
            )
        else:
            try:
                device, codes = enable_two_factor(
                    acting_user=user, user=user, key=key, last_step=step
                )
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                request.session.pop(ENROL_KEY, None)
                otp_login(request, device)
                return _show_codes(request, codes, next_url)
    qr_svg, secret = _qr_and_secret(user, key)
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": secret,
            "next": next_url,
            "required": two_factor_required(user),
            "replacing": authenticator_of(user) is not None,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """How many recovery codes are left, and making a new set (the old ones stop working)."""
    user = _me(request)
    if request.method == "POST":
        try:
            codes = regenerate_recovery_codes(acting_user=user, user=user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("account-security")
        return _show_codes(request, codes, reverse("account-security"))
    recovery = recovery_codes_of(user)
    return render(
        request,
        "accounts/recovery_codes_manage.html",
        {
            "authenticator": authenticator_of(user),
            "recovery_left": recovery.remaining() if recovery else 0,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off (officers only), confirmed with a current code."""
    user = _me(request)
    allowed = user.has_perm("accounts.turn_off_two_factor", user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied("Your role requires two-factor sign-in.")
        if form.is_valid():
            device = check_second_factor(
                acting_user=user, token=form.cleaned_data["otp_token"], request=request
            )
            if device is None:
                form.add_error("otp_token", "That code is not right, or it was already used.")
            else:
                try:
                    disable_two_factor(acting_user=user, user=user)
                except ValidationError as error:
                    show_service_errors(form, error)
                else:
                    messages.success(request, "Two-factor sign-in is off.")
                    return redirect("account-security")
    return render(
        request,
        "accounts/two_factor_disable.html",
        {"form": form, "allowed": allowed, "authenticator": authenticator_of(user)},
    )


# --- Passwords -------------------------------------------------------------------------------


class GuardedPasswordChangeForm(PasswordChangeForm):
    """The current password is checked the way a sign-in is, so a wrong guess here counts
    toward the lockout (and is audited) like one at the login page, and a locked-out
    account cannot change its password either."""

    def __init__(self, user: Any, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old: str = self.cleaned_data["old_password"]
        who = authenticate(self.request, username=self.user.get_username(), password=old)
        if who is None or who.pk != self.user.pk:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password (the current one first)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account-security")
    form_class = GuardedPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        user = form.user
        try:
            set_password(
                acting_user=self.request.user,
                user=user,
                password=form.cleaned_data["new_password1"],
                how="change",
            )
        except ValidationError as error:
            show_service_errors(form, error)
            return self.form_invalid(form)
        # Keeps this session signed in; every other session of the login ends.
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "Your password is changed.")
        return HttpResponseRedirect(str(self.success_url))


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending to no login that had its hourly share of links, and to
    nobody when the asking address had its share; the page says the same either way."""

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)

    def get_users(self, email: str) -> Iterator[Any]:
        since = timezone.now() - dt.timedelta(hours=1)
        sent = AuditEvent.objects.filter(action="password.reset_requested", occurred_at__gte=since)
        address = client_address(self.request)
        if sent.filter(after__address=address).count() >= settings.MUSTER_RESET_LINKS_PER_ADDRESS:
            return
        for user in super().get_users(email):
            mine = sent.filter(object_type="accounts.user", object_id=str(user.pk)).count()
            if mine < settings.MUSTER_RESET_LINKS_PER_LOGIN:
                yield user


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by e-mail. The answer is the same whether or not the address
    belongs to a login, so the page tells nobody which addresses are known."""

    form_class = ThrottledPasswordResetForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    template_name = "accounts/password_reset.html"
    subject_template_name = "email/password_reset_subject.txt"
    email_template_name = "email/password_reset.txt"
    html_email_template_name = "email/password_reset.html"
    success_url = reverse_lazy("password-reset-sent")

    def get_extra_email_context(self) -> dict[str, Any]:
        return {
            "site_name": settings.MUSTER_SITE_NAME,
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.extra_email_context = self.get_extra_email_context()
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        users = list(form.get_users(form.cleaned_data["email"]))
        response = super().form_valid(form)
        record_password_reset_request(users=users, request=self.request)
        return response


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    """After asking for a reset link: look in the mailbox."""

    template_name = "accounts/password_reset_sent.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["valid_minutes"] = settings.PASSWORD_RESET_TIMEOUT // 60
        return context


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the e-mail: choose a new password. It also lifts a lockout of the login."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-done")

    def form_valid(self, form: SetPasswordForm[Any]) -> HttpResponse:
        user = form.user
        try:
            set_password(
                acting_user=user,
                user=user,
                password=form.cleaned_data["new_password1"],
                how="reset",
            )
        except ValidationError as error:
            show_service_errors(form, error)
            return self.form_invalid(form)
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        return HttpResponseRedirect(str(self.success_url))


class PasswordResetDoneView(auth_views.PasswordResetCompleteView):
    """The new password is set: sign in with it."""

    template_name = "accounts/password_reset_done.html"
