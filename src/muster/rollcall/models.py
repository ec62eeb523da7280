"""Roll-call and element-specific training reports forwarded to the Training Unit (IV.C)."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from muster.accounts.scope import AgencyScopedQuerySet

# Policy IV.C.2: training on these subjects must always be documented with the Training
# Division, however short the roll-call. (topic code, the policy's own words)
MUST_DOCUMENT_TOPICS: tuple[tuple[str, str], ...] = (
    ("driving", "Police vehicle operation"),
    ("firearms", "Firearms or the use of firearms"),
    ("use_of_force", "Response to resistance options (capsicum, batons, crowd control)"),
    ("first_aid", "Medical treatment or first aid"),
    ("civil_liability", "Civil liability and risk management"),
    ("court_testimony", "Court proceedings and testimony"),
    ("civil_rights", "Civil rights laws"),
)
MUST_DOCUMENT_CODES: frozenset[str] = frozenset(code for code, _ in MUST_DOCUMENT_TOPICS)


class ReportStatus(models.TextChoices):
    """Where a report stands between the element supervisor and the Training Unit."""

    FORWARDED = "forwarded", "Forwarded to the Training Unit"
    RETURNED = "returned", "Returned to the supervisor"
    ENTERED = "entered", "Entered by the Training Unit"


class RollCallReportQuerySet(AgencyScopedQuerySet["RollCallReport"]):
    """Reports: a supervisor reads their own, agency-wide roles read their agency's."""

    def visible_to(self, user: Any) -> Self:
        """Only the reports this user may read."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        scope = user.scope
        if scope.everything:
            return self.all()
        # A supervisor whose membership has ended no longer reads the attendee lists.
        own = Q(documented_by_id=user.pk, agency_id__in=scope.member_agency_ids)
        return self.filter(own | Q(agency_id__in=scope.agency_ids))

    def waiting(self) -> RollCallReportQuerySet:
        """Reports forwarded and not yet entered or returned: the Training Unit's queue."""
        return self.filter(status=ReportStatus.FORWARDED)


class RollCallReport(models.Model):
    """Roll-call training an element supervisor documented and forwarded for entry."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="roll_call_reports"
    )
    unit = models.ForeignKey(
        "agencies.Unit",
        on_delete=models.PROTECT,
        related_name="roll_call_reports",
        help_text="The element whose roll-call it was; attendees are in it or its sub-units.",
    )
    documented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="roll_call_reports"
    )
    held_on = models.DateField("held on")
    start_time = models.TimeField("started at", null=True, blank=True)
    minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], help_text="Minutes of instruction."
    )
    title = models.CharField(max_length=200, help_text="What the training was about.")
    topics = models.ManyToManyField("training.Topic", related_name="roll_call_reports")
    instructor = models.ForeignKey(
        "people.Officer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roll_calls_taught",
        help_text="An officer of the agency who taught it; they are credited as instructor.",
    )
    instructor_name = models.CharField(
        max_length=200, blank=True, help_text="Who taught it, when not an officer listed here."
    )
    attendees = models.ManyToManyField("people.Officer", related_name="roll_call_reports")
    notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.FORWARDED
    )
    forwarded_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The Training Unit member who entered or returned the report.",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)
    course = models.ForeignKey(
        "training.Course",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roll_call_reports",
        help_text="The Course ID the Training Unit assigned when entering the report.",
    )
    entered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RollCallReportQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["agency", "status"])]
        constraints = [
            models.CheckConstraint(name="rollcall_minutes_positive", condition=Q(minutes__gt=0)),
            models.CheckConstraint(
                name="rollcall_has_instructor",
                condition=Q(instructor__isnull=False) | ~Q(instructor_name=""),
            ),
            models.CheckConstraint(
                name="rollcall_returned_has_reason",
                condition=~Q(status="returned") | ~Q(return_reason=""),
            ),
            models.CheckConstraint(
                name="rollcall_entered_has_course",
                condition=~Q(status="entered") | Q(course__isnull=False, entered_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Roll-call {self.title} on {self.held_on.isoformat()} ({self.unit})"

    @property
    def instructor_label(self) -> str:
        """Who taught it, as the training records name them."""
        if self.instructor is not None:
            return f"{self.instructor.rank} {self.instructor.full_name}".strip()
        return self.instructor_name


class RollCallRecord(models.Model):
    """A training record created when the Training Unit entered a report."""

    report = models.ForeignKey(RollCallReport, on_delete=models.PROTECT, related_name="entries")
    record = models.OneToOneField(
        "training.TrainingRecord", on_delete=models.PROTECT, related_name="roll_call_entry"
    )

    class Meta:
        ordering = ["report", "record"]

    def __str__(self) -> str:
        return f"{self.record} from report {self.report_id}"
