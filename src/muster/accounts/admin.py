"""Site administration of logins and roles."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django_otp.plugins.otp_totp.models import TOTPDevice

from muster.accounts.models import ExternalIdentity, Membership, User
from muster.accounts.rules import agency_id_of
from muster.accounts.security import disable_two_factor
from muster.core.admin import AuditedModelAdmin
from muster.core.audit import record_audit

# Authenticators are set up by their owners (and turned off with the audited action below);
# django-otp's own admin would let anyone with admin access read or plant a secret.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    fields = ("role", "agency", "unit", "state", "ended_at")
    readonly_fields = ("role", "agency", "unit", "state", "ended_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):  # type: ignore[type-arg]
    """Logins; roles are shown here and granted with the audited membership services."""

    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Officer", {"fields": ("officer",)}),
    )
    raw_id_fields = ("officer",)
    inlines = [MembershipInline]
    audit_exclude = ("password", "last_login")
    actions = ["turn_off_two_factor"]

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Django's set-a-password page, with its change and audit row in one transaction
        (Django saves that form itself, never through save_model)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = User.objects.get(pk=id)
                record_audit(
                    actor=request.user,
                    action="password.set_by_administrator",
                    obj=user,
                    agency_id=agency_id_of(user),
                    reason="Set in site administration.",
                )
        return response

    @admin.action(description="Turn off two-factor sign-in (lost authenticator and codes)")
    def turn_off_two_factor(self, request: HttpRequest, queryset: Any) -> None:
        """Forget the selected logins' authenticators and recovery codes, each audited; staff
        are asked to set up a new authenticator at their next sign-in."""
        done = 0
        for user in queryset:
            try:
                disable_two_factor(acting_user=request.user, user=user)
            except ValidationError as error:
                self.message_user(request, f"{user}: {' '.join(error.messages)}", messages.WARNING)
            except PermissionDenied as error:
                self.message_user(request, f"{user}: {error}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, f"Two-factor sign-in turned off for {done} login(s).")


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    """Roles held by users."""

    list_display = ("user", "role", "agency", "unit", "state", "ended_at")
    list_filter = ("role", "agency")
    raw_id_fields = ("user", "unit")


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(AuditedModelAdmin):
    """Single sign-on identities linked to logins; shown, and unlinked with an audited delete.

    They are only ever made by a sign-in the provider vouched for, never typed in here.
    """

    list_display = ("user", "subject", "issuer", "email_at_link", "linked_at", "last_login_at")
    list_filter = ("issuer",)
    search_fields = ("user__username", "subject", "email_at_link")
    readonly_fields = ("user", "issuer", "subject", "email_at_link", "linked_at", "last_login_at")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
