"""Records retention: schedules per record series, legal holds, and disposition batches.

Nothing leaves Muster except through a disposition batch that a records custodian approved,
and each record that leaves writes a tombstone row in the audit log.
"""

from __future__ import annotations

from typing import Any, Self, TypeVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from muster.accounts.models import Role
from muster.accounts.scope import AgencyScopedQuerySet

# Roles that read an agency's schedules, holds, disposition report and batches.
RETENTION_READ_ROLES = frozenset({Role.RECORDS_CUSTODIAN, Role.AGENCY_ADMIN, Role.COUNSEL_HR})
MAX_YEARS = 100


class Series(models.TextChoices):
    """The kinds of record Muster keeps, each with its own retention schedule."""

    TRAINING_RECORDS = "training_records", "Training records"
    QUALIFICATIONS = "qualifications", "Firearms qualifications"
    OUTSIDE_SUBMISSIONS = (
        "outside_submissions",
        "Outside-training submissions and their certificates",
    )
    SIGN_IN_SHEETS = "sign_in_sheets", "Session sign-in sheets and paper scans"
    ROLL_CALL_REPORTS = "roll_call_reports", "Roll-call training reports"
    CERTIFICATION_PACKETS = "certification_packets", "POST course certification requests"
    RELEASE_REQUESTS = "release_requests", "Records release requests and their disclosure log"


# Series whose every record belongs to one officer; only these can be kept from separation.
PER_OFFICER_SERIES = frozenset(
    {
        Series.TRAINING_RECORDS,
        Series.QUALIFICATIONS,
        Series.OUTSIDE_SUBMISSIONS,
        Series.RELEASE_REQUESTS,
    }
)


class Trigger(models.TextChoices):
    """The date a retention period is counted from."""

    RECORD_DATE = "record_date", "the record's date"
    SEPARATION = "separation", "the officer's separation"
    PERIOD_END = "period_end", "the end of the period the record falls in"


_M = TypeVar("_M", bound=models.Model)


class RetentionQuerySet(AgencyScopedQuerySet[_M]):
    """Rows of the retention app: read by the agency's custodians, administrators and
    counsel / HR (and superusers), no one else."""

    def visible_to(self, user: Any) -> Self:
        """Only the rows this user may read."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        scope = user.scope
        if scope.everything:
            return self.all()
        return self.filter(agency_id__in=scope.agencies_with(RETENTION_READ_ROLES))


class ScheduleQuerySet(RetentionQuerySet["RetentionSchedule"]):
    """Retention schedules, scoped like every retention row."""


class RetentionSchedule(models.Model):
    """How long an agency keeps one series of records, counted from which date, and why."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="retention_schedules"
    )
    series = models.CharField(max_length=32, choices=Series.choices)
    years = models.PositiveSmallIntegerField(
        "years kept",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_YEARS)],
        help_text="Whole years; empty keeps the series permanently (never due).",
    )
    trigger = models.CharField(
        "counted from", max_length=16, choices=Trigger.choices, default=Trigger.RECORD_DATE
    )
    citation = models.TextField(
        "citation / source",
        help_text="Where the period comes from: the state schedule's series, a statute, a "
        "policy section.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScheduleQuerySet.as_manager()

    class Meta:
        ordering = ["agency", "series"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "series"], name="retention_one_per_series"),
            models.CheckConstraint(
                name="retention_years_in_range",
                condition=Q(years__isnull=True) | Q(years__gte=1, years__lte=MAX_YEARS),
            ),
            models.CheckConstraint(
                name="retention_separation_per_officer",
                condition=~Q(trigger=Trigger.SEPARATION) | Q(series__in=sorted(PER_OFFICER_SERIES)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_series_display()}: {self.rule_label}"

    @property
    def rule_label(self) -> str:
        """The schedule in words, e.g. "5 years from the officer's separation"."""
        if self.years is None:
            return "kept permanently"
        unit = "year" if self.years == 1 else "years"
        return f"{self.years} {unit} from {self.get_trigger_display()}"


class LegalHoldQuerySet(RetentionQuerySet["LegalHold"]):
    """Legal holds, scoped like every retention row."""

    def active(self) -> LegalHoldQuerySet:
        """Holds not yet released."""
        return self.filter(released_at__isnull=True)

    def covering(self, agency_id: int, officer_id: int | None) -> LegalHoldQuerySet:
        """Active holds on the whole agency, or on this officer."""
        q = Q(officer__isnull=True)
        if officer_id is not None:
            q |= Q(officer_id=officer_id)
        return self.active().filter(q, agency_id=agency_id)


class LegalHold(models.Model):
    """An order to keep an officer's records (or the whole agency's) past their schedule,
    for litigation, an investigation or a records request; held records are never due."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="legal_holds"
    )
    officer = models.ForeignKey(
        "people.Officer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_holds",
        help_text="Empty: the hold covers every record of the agency.",
    )
    reason = models.TextField(help_text="The matter: case, claim, investigation or request.")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [models.Index(fields=["agency", "released_at"])]
        constraints = [
            models.CheckConstraint(
                name="legal_hold_release_has_reason",
                condition=Q(released_at__isnull=True) | ~Q(release_reason=""),
            )
        ]

    def __str__(self) -> str:
        who = str(self.officer) if self.officer_id else "the whole agency"
        return f"Legal hold on {who}"

    @property
    def is_active(self) -> bool:
        """Whether the hold is still in force."""
        return self.released_at is None


class BatchStatus(models.TextChoices):
    """Where a disposition batch stands; only an approved batch is ever executed."""

    PROPOSED = "proposed", "Proposed, waiting for a records custodian"
    APPROVED = "approved", "Approved, ready to dispose"
    EXECUTED = "executed", "Disposed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_BATCH_STATUSES = frozenset({BatchStatus.PROPOSED, BatchStatus.APPROVED})


class BatchQuerySet(RetentionQuerySet["DispositionBatch"]):
    """Disposition batches, scoped like every retention row."""


class DispositionBatch(models.Model):
    """A list of records due for disposition, proposed, approved by a records custodian,
    and then disposed of (exactly those still due and not held)."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="disposition_batches"
    )
    status = models.CharField(
        max_length=16, choices=BatchStatus.choices, default=BatchStatus.PROPOSED
    )
    note = models.TextField(blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    executed_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name_plural = "disposition batches"
        constraints = [
            models.CheckConstraint(
                name="disposition_approved_has_approver",
                condition=Q(status__in=[BatchStatus.PROPOSED, BatchStatus.CANCELLED])
                | Q(approved_by__isnull=False, approved_at__isnull=False),
            ),
            models.CheckConstraint(
                name="disposition_executed_has_time",
                condition=~Q(status=BatchStatus.EXECUTED) | Q(executed_at__isnull=False),
            ),
            models.CheckConstraint(
                name="disposition_cancelled_has_reason",
                condition=~Q(status=BatchStatus.CANCELLED) | ~Q(cancel_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Disposition batch {self.pk} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        """Proposed or approved, not yet disposed or cancelled."""
        return self.status in OPEN_BATCH_STATUSES


class ItemOutcome(models.TextChoices):
    """What became of one record of a batch."""

    PENDING = "pending", "Waiting"
    DISPOSED = "disposed", "Disposed"
    KEPT = "kept", "Kept"


class DispositionItem(models.Model):
    """One record of a batch, named by series and id only: it outlives the record, so it
    holds none of the record's content."""

    batch = models.ForeignKey(DispositionBatch, on_delete=models.PROTECT, related_name="items")
    series = models.CharField(max_length=32, choices=Series.choices)
    object_id = models.PositiveBigIntegerField()
    officer = models.ForeignKey(
        "people.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    schedule = models.ForeignKey(RetentionSchedule, on_delete=models.PROTECT, related_name="+")
    record_date = models.DateField()
    due_on = models.DateField()
    outcome = models.CharField(
        max_length=16, choices=ItemOutcome.choices, default=ItemOutcome.PENDING
    )
    outcome_note = models.CharField(
        max_length=255, blank=True, help_text="Why a record was kept at execution."
    )

    class Meta:
        ordering = ["batch", "series", "object_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "series", "object_id"], name="disposition_item_once_per_batch"
            )
        ]
        indexes = [models.Index(fields=["series", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_series_display()} #{self.object_id}"
