"""Site administration of agencies and units."""

from django.contrib import admin

from muster.agencies.models import Agency, Unit
from muster.core.admin import AuditedModelAdmin


@admin.register(Agency)
class AgencyAdmin(AuditedModelAdmin):
    """Agencies."""

    list_display = ("name", "state", "ori", "rule_pack", "time_zone")
    list_filter = ("state", "rule_pack")
    search_fields = ("name", "ori")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from django.db import transaction

        from muster.compliance.services import recompute_all

        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and {"rule_pack", "time_zone"} & set(form.changed_data):
                recompute_all(agency=obj)


@admin.register(Unit)
class UnitAdmin(AuditedModelAdmin):
    """Units of agencies."""

    list_display = ("name", "kind", "agency", "parent", "path")
    list_filter = ("agency", "kind")
    search_fields = ("name",)

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Moving a unit would leave its officers under the old supervisor's scope (paths
        # are set when a unit is made): a unit keeps its place; make a new one instead.
        return ("agency", "parent") if obj is not None else ()
