"""Site administration: an audited base for editable models, and the read-only audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from muster.core.audit import record_audit, snapshot
from muster.core.models import AuditEvent


def _agency_id(obj: models.Model) -> int | None:
    from muster.accounts.rules import agency_id_of

    return agency_id_of(obj)


class AuditedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Admin whose saves and deletes write an audit row in the same transaction."""

    # Fields never copied into the audit row (a login's password hash, for one).
    audit_exclude: tuple[str, ...] = ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = None
            if change:
                before = snapshot(type(obj).objects.get(pk=obj.pk), exclude=self.audit_exclude)
            super().save_model(request, obj, form, change)
            record_audit(
                actor=request.user,
                action=f"{obj._meta.model_name}.{'update' if change else 'create'}",
                obj=obj,
                agency_id=_agency_id(obj),
                before=before,
                after=snapshot(obj, exclude=self.audit_exclude),
                reason="Changed in site administration.",
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            before = snapshot(obj, exclude=self.audit_exclude)
            label, pk, agency_id = str(obj), str(obj.pk), _agency_id(obj)
            super().delete_model(request, obj)
            record_audit(
                actor=request.user,
                action=f"{obj._meta.model_name}.delete",
                object_type=obj._meta.label_lower,
                object_id=pk,
                object_label=label,
                agency_id=agency_id,
                before=before,
                reason="Deleted in site administration.",
            )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # One audited delete per row, never a silent bulk delete.
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Admin that shows rows but never changes them (append-only data)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log, read-only."""

    list_display = ("occurred_at", "actor_label", "action", "object_type", "object_label")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_label", "object_id", "request_id")
    date_hierarchy = "occurred_at"
