"""Site administration of officers and leave."""

from django.contrib import admin

from muster.core.admin import AuditedModelAdmin
from muster.people.models import LeavePeriod, Officer


class LeaveInline(admin.TabularInline):  # type: ignore[type-arg]
    model = LeavePeriod
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "starts_on", "ends_on", "note")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Officer)
class OfficerAdmin(AuditedModelAdmin):
    """Officers."""

    list_display = ("last_name", "first_name", "serial_number", "rank", "agency", "unit", "status")
    list_filter = ("agency", "status", "employment")
    search_fields = ("last_name", "first_name", "serial_number", "licence_number")
    raw_id_fields = ("unit",)
    inlines = [LeaveInline]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # A transfer is a new officer record in the other agency, never an edit.
        return ("agency",) if obj is not None else ()

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from django.db import transaction

        from muster.compliance.services import refresh_compliance

        with transaction.atomic():
            super().save_model(request, obj, form, change)
            refresh_compliance([obj])
