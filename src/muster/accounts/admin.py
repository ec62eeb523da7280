"""Site administration of logins and roles."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from muster.accounts.models import ExternalIdentity, Membership, User
from muster.core.admin import AuditedModelAdmin


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
