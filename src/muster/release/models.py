"""Requests to release an officer's training records outside the agency, and the disclosure
log of every package produced (policy III.E: training records are confidential personnel
records; General Counsel or the HR commander approves a release first)."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q

from muster.accounts.scope import AgencyScopedQuerySet, OfficerScopedQuerySet
from muster.release.catalogue import ReleaseKind, labels


class LegalBasis(models.TextChoices):
    """The ground on which the outside party asks for the records."""

    SUBPOENA = "subpoena", "Subpoena"
    COURT_ORDER = "court_order", "Court order"
    CONSENT = "consent", "Officer's written consent"
    PUBLIC_RECORDS = "public_records", "Public-records law"
    OTHER = "other", "Other"


class PackageFormat(models.TextChoices):
    """The file a release is produced as."""

    PDF = "pdf", "PDF"
    CSV = "csv", "CSV"


class ReleaseStatus(models.TextChoices):
    """Where a request stands, from the custodian's draft to the records leaving the agency."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for General Counsel / HR"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    RELEASED = "released", "Released"
    WITHDRAWN = "withdrawn", "Withdrawn"


# A request may still be withdrawn while nothing has left the agency.
WITHDRAWABLE = frozenset({ReleaseStatus.DRAFT, ReleaseStatus.SUBMITTED, ReleaseStatus.APPROVED})
# A package may be produced only from an approved request (again after the first time).
PRODUCIBLE = frozenset({ReleaseStatus.APPROVED, ReleaseStatus.RELEASED})
DECIDED = frozenset({ReleaseStatus.APPROVED, ReleaseStatus.DENIED, ReleaseStatus.RELEASED})


class ReleaseRequestQuerySet(AgencyScopedQuerySet["ReleaseRequest"]):
    """Requests: read by the agency-wide roles of their agency (and superusers) only."""

    def visible_to(self, user: Any) -> Self:
        """Only the requests this user may read."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        scope = user.scope
        if scope.everything:
            return self.all()
        # Supervisors and commission staff read an officer's file but not who asked for it.
        return self.filter(agency_id__in=scope.agency_ids)


class ReleaseRequest(models.Model):
    """An outside party's request for one officer's training records, and its decision."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="release_requests"
    )
    officer = models.ForeignKey(
        "people.Officer",
        on_delete=models.PROTECT,
        related_name="release_requests",
        help_text="The officer whose records are asked for.",
    )
    number = models.CharField(
        "request number", max_length=20, help_text="Assigned once, e.g. REL-2026-0007."
    )
    requester_name = models.CharField("requester's name", max_length=200)
    requester_organisation = models.CharField(
        "requester's organisation", max_length=200, blank=True
    )
    requester_contact = models.CharField(
        "requester's contact", max_length=300, help_text="Address, e-mail or telephone."
    )
    purpose = models.TextField()
    legal_basis = models.CharField(max_length=20, choices=LegalBasis.choices)
    legal_citation = models.CharField(
        "citation",
        max_length=300,
        help_text="The subpoena or order number, the statute, or the date of the consent.",
    )
    period_from = models.DateField(null=True, blank=True)
    period_to = models.DateField(null=True, blank=True)
    record_kinds = models.JSONField(default=list, help_text="Kinds of record asked for.")
    fields = models.JSONField(default=list, help_text="Catalogue fields asked for.")
    approved_fields = models.JSONField(
        default=list, blank=True, help_text="The fields approved; the approver may narrow them."
    )
    format = models.CharField(max_length=8, choices=PackageFormat.choices)
    status = models.CharField(
        max_length=16, choices=ReleaseStatus.choices, default=ReleaseStatus.DRAFT
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)

    objects = ReleaseRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="release_unique_number"),
            models.CheckConstraint(
                name="release_decided_has_decider",
                condition=~Q(status__in=["approved", "denied", "released"])
                | Q(decided_by__isnull=False, decided_at__isnull=False),
            ),
            models.CheckConstraint(
                name="release_denied_has_reason",
                condition=~Q(status="denied") | ~Q(decision_reason=""),
            ),
            models.CheckConstraint(
                name="release_period_in_order",
                condition=Q(period_from__isnull=True)
                | Q(period_to__isnull=True)
                | Q(period_to__gte=models.F("period_from")),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_whole_career(self) -> bool:
        """No dates limit the request."""
        return self.period_from is None and self.period_to is None

    @property
    def scope_label(self) -> str:
        """The period asked for, in words."""
        if self.is_whole_career:
            return "Whole career"
        start = f"{self.period_from:%b %-d, %Y}" if self.period_from else "the start of service"
        end = f"{self.period_to:%b %-d, %Y}" if self.period_to else "the day of approval"
        return f"{start} – {end}"

    @property
    def field_labels(self) -> list[str]:
        """The requested fields' names."""
        return labels(self.fields)

    @property
    def approved_field_labels(self) -> list[str]:
        """The approved fields' names."""
        return labels(self.approved_fields)

    @property
    def kind_labels(self) -> list[str]:
        """The requested kinds of record, in words."""
        return [str(ReleaseKind(k).label) for k in ReleaseKind.values if k in self.record_kinds]


class ReleaseCounter(models.Model):
    """The last request number handed out by an agency in one year, so none is reused."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="release_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.year}: {self.last_number}"


class DisclosureQuerySet(OfficerScopedQuerySet["Disclosure"]):
    """The disclosure log: read by the officer themself and their agency's agency-wide roles."""

    def visible_to(self, user: Any) -> Self:
        """Only the disclosures this user may read."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        scope = user.scope
        if scope.everything:
            return self.all()
        q = Q(officer__agency_id__in=scope.agency_ids)
        if scope.officer_id is not None:
            q |= Q(officer_id=scope.officer_id)
        return self.filter(q)


class Disclosure(models.Model):
    """One release package produced: what left the agency, when, by whom, and its fingerprint."""

    request = models.ForeignKey(
        ReleaseRequest, on_delete=models.PROTECT, related_name="disclosures"
    )
    officer = models.ForeignKey(
        "people.Officer", on_delete=models.PROTECT, related_name="disclosures"
    )
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    produced_at = models.DateTimeField()
    format = models.CharField(max_length=8, choices=PackageFormat.choices)
    fields = models.JSONField(help_text="The fields the package holds.")
    record_count = models.PositiveIntegerField()
    sha256 = models.CharField("file fingerprint (SHA-256)", max_length=64)
    filename = models.CharField(max_length=100)

    objects = DisclosureQuerySet.as_manager()

    class Meta:
        ordering = ["-produced_at", "-pk"]
        indexes = [models.Index(fields=["officer", "produced_at"])]

    def __str__(self) -> str:
        return f"{self.request.number} produced {self.produced_at:%Y-%m-%d %H:%M}"

    @property
    def field_labels(self) -> list[str]:
        """The released fields' names."""
        return labels(self.fields)
