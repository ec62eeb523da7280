"""Officers, their employment and licence facts, and their leave."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from muster.accounts.scope import OfficerScopedQuerySet


class Employment(models.TextChoices):
    """How an officer is employed; rule packs may treat each differently."""

    FULL_TIME = "full_time", "Full-time"
    PART_TIME = "part_time", "Part-time"
    RESERVE = "reserve", "Reserve"


class OfficerStatus(models.TextChoices):
    """Whether the officer is serving."""

    ACTIVE = "active", "Active"
    ON_LEAVE = "on_leave", "On leave"
    SEPARATED = "separated", "Separated"


class OfficerQuerySet(OfficerScopedQuerySet["Officer"]):
    """Officers, scoped to what a user may read."""

    officer_path = ""

    def serving(self) -> OfficerQuerySet:
        """Officers who have not separated."""
        return self.exclude(status=OfficerStatus.SEPARATED)


class Officer(models.Model):
    """A sworn or reserve member of an agency whose training is tracked."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="officers")
    unit = models.ForeignKey(
        "agencies.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
        help_text="The officer's assignment.",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    serial_number = models.CharField(
        max_length=20, help_text="The agency's own number for the officer; unique in the agency."
    )
    rank = models.CharField("rank / title", max_length=60)
    employment = models.CharField(
        max_length=16, choices=Employment.choices, default=Employment.FULL_TIME
    )
    licence_number = models.CharField(
        "state licence / certification number", max_length=32, blank=True
    )
    licence_class = models.CharField(
        "licence class",
        max_length=32,
        blank=True,
        help_text="As the state names it, e.g. 'Class A' in Missouri.",
    )
    first_licensed_on = models.DateField(
        "first licensed / certified on",
        null=True,
        blank=True,
        help_text="Rule packs use it for first-period exemptions.",
    )
    hired_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=OfficerStatus.choices, default=OfficerStatus.ACTIVE
    )
    separated_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OfficerQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "serial_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "serial_number"], name="officer_unique_serial_in_agency"
            ),
            models.UniqueConstraint(
                fields=["agency", "licence_number"],
                condition=~Q(licence_number=""),
                name="officer_unique_licence_in_agency",
            ),
            models.CheckConstraint(
                name="officer_separated_has_date",
                condition=~Q(status="separated") | Q(separated_on__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["agency", "status"])]

    def __str__(self) -> str:
        return f"{self.rank} {self.first_name} {self.last_name} (#{self.serial_number})".strip()

    def clean(self) -> None:
        if self.unit is not None and self.unit.agency_id != self.agency_id:
            raise ValidationError({"unit": "That unit belongs to another agency."})

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"

    @property
    def sort_name(self) -> str:
        """Last name first, as rosters list people."""
        return f"{self.last_name}, {self.first_name}"


class LeaveKind(models.TextChoices):
    """Kinds of leave; military and medical leave can ground a waiver or extension."""

    MILITARY = "military", "Military"
    MEDICAL = "medical", "Medical"
    OTHER = "other", "Other"


class LeavePeriodQuerySet(OfficerScopedQuerySet["LeavePeriod"]):
    """Leave periods, scoped through their officer."""


class LeavePeriod(models.Model):
    """A stretch of time an officer was on leave; open-ended while it lasts."""

    officer = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="leave_periods")
    kind = models.CharField(max_length=16, choices=LeaveKind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Empty while the leave lasts.")
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LeavePeriodQuerySet.as_manager()

    class Meta:
        ordering = ["officer", "starts_on"]
        constraints = [
            models.CheckConstraint(
                name="leave_ends_after_start",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
            )
        ]

    def __str__(self) -> str:
        end = self.ends_on.isoformat() if self.ends_on else "open"
        return f"{self.get_kind_display()} leave {self.starts_on.isoformat()} – {end}"
