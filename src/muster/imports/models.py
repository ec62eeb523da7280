"""Import batches: one uploaded file, what checking it found, and what committing it did."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from muster.accounts.models import TRAINING_WRITE_ROLES
from muster.core.uploads import private_storage


class ImportKind(models.TextChoices):
    """What a file holds; each kind has its own columns (docs/formats.md, section 13)."""

    OFFICERS = "officers", "Officers (roster)"
    RECORDS = "records", "Training records"
    QUALIFICATIONS = "qualifications", "Qualifications"


class ImportStatus(models.TextChoices):
    """Where a batch is: checked first, committed only on request, all rows or none."""

    QUEUED = "queued", "Waiting to be checked"
    CHECKING = "checking", "Checking"
    CHECKED = "checked", "Checked"
    COMMIT_QUEUED = "commit_queued", "Waiting to be imported"
    COMMITTING = "committing", "Importing"
    COMMITTED = "committed", "Imported"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ImportBatchQuerySet(models.QuerySet["ImportBatch"]):
    """Batches, scoped to the agencies whose imports the user may run."""

    def visible_to(self, user: Any) -> ImportBatchQuerySet:
        """Only the batches of agencies where the user administers or trains: a file holds
        officers' records, so ordinary members of the agency never see it."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        scope = user.scope
        if scope.everything:
            return self
        return self.filter(agency_id__in=scope.agencies_with(TRAINING_WRITE_ROLES))


class ImportBatch(models.Model):
    """One uploaded file of one kind for one agency, checked and then committed as a whole."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    # Empty for an import from the terminal, whose file stays with whoever ran it.
    file = models.FileField(upload_to="imports/%Y/%m/", storage=private_storage, blank=True)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    # Progress of the step under way, for the page's progress bar.
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # What checking (or committing) found.
    to_create = models.PositiveIntegerField(default=0)
    to_update = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)  # [{line, column, message}]
    problem_count = models.PositiveIntegerField(default=0)
    sample = models.JSONField(default=list, blank=True)  # the first rows to be created
    failure = models.TextField(blank=True)
    # Empty when the system imported it (`muster import` from the terminal).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    committed_at = models.DateTimeField(null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["agency", "-created_at"])]

    def __str__(self) -> str:
        return f"Import #{self.pk}: {self.file_name} ({self.get_kind_display()})"

    @property
    def percent(self) -> int:
        """How far the step under way is, in whole percent."""
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def busy(self) -> bool:
        """Whether a step is queued or running (the page keeps polling)."""
        return self.status in (
            ImportStatus.QUEUED,
            ImportStatus.CHECKING,
            ImportStatus.COMMIT_QUEUED,
            ImportStatus.COMMITTING,
        )


class ImportedRow(models.Model):
    """A row that an import created, by its key, so that the same row is never created twice.

    The key is the file's own record id when it has one, else a fingerprint of the row's
    content. The created object is named by id only: when retention disposes of it, this row
    stays, so a later import of the same old file does not bring it back.
    """

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    key = models.CharField(max_length=80)
    content_hash = models.CharField(max_length=64)
    object_id = models.PositiveBigIntegerField()
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="rows")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "kind", "key"], name="imported_row_unique_key"
            ),
            models.CheckConstraint(name="imported_row_has_key", condition=~Q(key="")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} → {self.object_id}"
