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


@admin.register(Unit)
class UnitAdmin(AuditedModelAdmin):
    """Units of agencies."""

    list_display = ("name", "kind", "agency", "parent", "path")
    list_filter = ("agency", "kind")
    search_fields = ("name",)
