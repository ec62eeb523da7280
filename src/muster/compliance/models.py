"""Stored compliance: a snapshot per officer and period, waivers, and agency overlays."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from muster.accounts.scope import AgencyScopedQuerySet, OfficerScopedQuerySet


class SnapshotQuerySet(OfficerScopedQuerySet["ComplianceSnapshot"]):
    """Snapshots, scoped through their officer."""


class ComplianceSnapshot(models.Model):
    """An officer's verdict for one period under one pack version, kept current on every change."""

    officer = models.ForeignKey(
        "people.Officer", on_delete=models.CASCADE, related_name="compliance_snapshots"
    )
    pack_id = models.CharField(max_length=32)
    pack_version = models.CharField(max_length=32)
    # Changes when the pack file or the agency overlay changes, so stale rows can be found.
    rules_digest = models.CharField(max_length=64)
    period_label = models.CharField(max_length=32)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=16, db_index=True)
    reason = models.CharField(max_length=255, blank=True)
    deadline = models.DateField(null=True, blank=True)
    grace_until = models.DateField(null=True, blank=True)
    # Total hours credited and required (for fast lists), and the whole result as JSON.
    credited_hours = models.DecimalField(max_digits=8, decimal_places=2)
    required_hours = models.DecimalField(max_digits=8, decimal_places=2)
    result = models.JSONField()
    computed_at = models.DateTimeField()

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["officer", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "pack_id", "period_label"], name="snapshot_unique_period"
            )
        ]
        indexes = [models.Index(fields=["pack_id", "period_label", "status"])]

    def __str__(self) -> str:
        return f"{self.officer_id} {self.pack_id} {self.period_label}: {self.status}"


class WaiverQuerySet(OfficerScopedQuerySet["Waiver"]):
    """Waivers, scoped through their officer."""


class Waiver(models.Model):
    """A waiver or extension of one period's requirements for one officer."""

    officer = models.ForeignKey("people.Officer", on_delete=models.PROTECT, related_name="waivers")
    period_label = models.CharField(max_length=32)
    reason = models.CharField(
        max_length=40, help_text="One of the reasons the agency's rule pack allows."
    )
    requirement_ids = models.JSONField(
        default=list, blank=True, help_text="Empty for the whole period; else these requirements."
    )
    extended_until = models.DateField(
        null=True, blank=True, help_text="For an extension: the new deadline."
    )
    note = models.TextField(blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = WaiverQuerySet.as_manager()

    class Meta:
        ordering = ["officer", "period_label"]

    def __str__(self) -> str:
        kind = "extension" if self.extended_until else "waiver"
        return f"{kind} for {self.period_label}: {self.reason}"


class OverlayQuerySet(AgencyScopedQuerySet["AgencyOverlay"]):
    """Overlays, scoped to the agencies a user belongs to."""


class AgencyOverlay(models.Model):
    """An agency's stricter local requirements and its values for unconfirmed state numbers."""

    agency = models.OneToOneField(
        "agencies.Agency", on_delete=models.CASCADE, related_name="rule_overlay"
    )
    text = models.TextField(help_text="YAML in the overlay format of docs/rulepacks.md.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = OverlayQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Overlay of {self.agency}"
