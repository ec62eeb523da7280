"""Site administration of roll-call reports: read-only, since changes go through services."""

from __future__ import annotations

from django.contrib import admin

from muster.core.admin import ReadOnlyAdmin
from muster.rollcall.models import RollCallReport


@admin.register(RollCallReport)
class RollCallReportAdmin(ReadOnlyAdmin):
    """Roll-call reports and where they stand."""

    list_display = ("held_on", "title", "unit", "agency", "status", "course")
    list_filter = ("agency", "status")
    search_fields = ("title",)
