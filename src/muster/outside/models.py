"""Outside training submissions (policy IV.E): a member's certificate and the Training Unit's
review of it, which ends in a Course ID and a training record, or in a reason why not."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from muster.accounts.scope import OfficerScopedQuerySet
from muster.core.uploads import private_storage
from muster.training.models import RecordKind
from muster.training.vocabulary import Delivery


class SubmissionKind(models.TextChoices):
    """The two record kinds a submission can become (values of training's RecordKind)."""

    OUTSIDE = RecordKind.OUTSIDE.value, "Seminar or course outside the agency"
    COLLEGE = RecordKind.COLLEGE.value, "College or university course"


class SubmissionStatus(models.TextChoices):
    """Where a submission stands; only submitted ones wait for the Training Unit."""

    SUBMITTED = "submitted", "Waiting for the Training Unit"
    RETURNED = "returned", "Returned for changes"
    APPROVED = "approved", "Approved and recorded"
    DENIED = "denied", "Denied"
    WITHDRAWN = "withdrawn", "Withdrawn by the member"


# The member may still change (or withdraw) a submission in these states.
OPEN_STATUSES = frozenset({SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED})


class SubmissionQuerySet(OfficerScopedQuerySet["OutsideTrainingSubmission"]):
    """Submissions, scoped through their officer."""

    def waiting(self) -> SubmissionQuerySet:
        """Submissions waiting for the Training Unit's review."""
        return self.filter(status=SubmissionStatus.SUBMITTED)


class OutsideTrainingSubmission(models.Model):
    """A member's outside or college training, with its certificate, waiting for review."""

    officer = models.ForeignKey(
        "people.Officer", on_delete=models.PROTECT, related_name="outside_submissions"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The member, or training staff entering a paper certificate; empty when the "
        "system made it (the demo).",
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The member as they were when they submitted (policy IV.E.1.c(1)).
    member_name = models.CharField(max_length=200)
    member_serial_number = models.CharField("serial number", max_length=32)
    member_assignment = models.CharField("assignment", max_length=200, blank=True)
    member_rank = models.CharField("rank / title", max_length=60)

    kind = models.CharField(
        max_length=16, choices=SubmissionKind.choices, default=SubmissionKind.OUTSIDE
    )
    title = models.CharField("course title", max_length=200)
    provider = models.CharField(
        "presented by", max_length=200, help_text="The presenting entity, or the college."
    )
    location = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        max_length=2,
        validators=[RegexValidator(r"^[A-Z]{2}$", "Use the two-letter state code, e.g. MO.")],
        help_text="Where the training was held (two-letter state code).",
    )
    starts_at = models.DateTimeField("started", null=True, blank=True)
    ends_at = models.DateTimeField("ended")
    credit_hours = models.DecimalField(
        "instructional hours",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    semester_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1"))],
        help_text="College semester hours earned.",
    )
    instructor_name = models.CharField("instructor's name", max_length=200, blank=True)
    synopsis = models.TextField("course synopsis", blank=True)
    delivery = models.CharField(max_length=16, choices=Delivery.choices)
    topics = models.ManyToManyField("training.Topic", blank=True, related_name="+")
    category = models.CharField(
        "state category / core area",
        max_length=40,
        blank=True,
        help_text="A category code of the agency's rule pack, e.g. legal_studies.",
    )
    post_certified_by_presenter = models.BooleanField(
        "already POST-certified by the presenter", default=False
    )
    presenter_post_number = models.CharField(
        "presenter's POST certification number", max_length=40, blank=True
    )
    requests_post_credit = models.BooleanField("POST credit requested", default=False)
    certificate = models.FileField(
        "completion certificate", upload_to="outside-certificates/%Y/%m/", storage=private_storage
    )

    status = models.CharField(
        max_length=16, choices=SubmissionStatus.choices, default=SubmissionStatus.SUBMITTED
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(
        blank=True, help_text="The reviewer's latest reason; the member sees it."
    )
    course = models.ForeignKey(
        "training.Course",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outside_submissions",
        help_text="The Course ID the Training Unit assigned.",
    )
    record = models.ForeignKey(
        "training.TrainingRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outside_submissions",
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                name="outside_college_has_semester_hours",
                condition=~Q(kind="college") | Q(semester_hours__isnull=False),
            ),
            models.CheckConstraint(
                name="outside_approved_has_record",
                condition=~Q(status="approved") | Q(record__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.member_name}, {self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        """Whether the member may still change or withdraw it."""
        return self.status in OPEN_STATUSES

    @property
    def seeks_post_credit(self) -> bool:
        """Whether the member asks for POST credit (or the presenter already certified it)."""
        return self.post_certified_by_presenter or self.requests_post_credit

    @property
    def amount_label(self) -> str:
        """The hours as submitted."""
        if self.kind == SubmissionKind.COLLEGE and self.semester_hours is not None:
            return f"{Decimal(self.semester_hours).normalize():f} semester h"
        if self.credit_hours is not None:
            return f"{Decimal(self.credit_hours).normalize():f} h"
        return "—"


class ReviewOutcome(models.TextChoices):
    """A Training Unit decision on a submission."""

    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned for changes"
    DENIED = "denied", "Denied"


class SubmissionReviewQuerySet(OfficerScopedQuerySet["SubmissionReview"]):
    """Review decisions, scoped through their submission's officer."""

    officer_path = "submission__officer__"


class SubmissionReview(models.Model):
    """One review decision, kept so that "returned once, then approved" stays visible."""

    submission = models.ForeignKey(
        OutsideTrainingSubmission, on_delete=models.PROTECT, related_name="reviews"
    )
    outcome = models.CharField(max_length=16, choices=ReviewOutcome.choices)
    reason = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewer_label = models.CharField(max_length=150, help_text="Who decided, as they signed in.")
    decided_at = models.DateTimeField(auto_now_add=True)
    post_certified = models.BooleanField("POST credit granted", null=True, blank=True)
    course = models.ForeignKey(
        "training.Course", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = SubmissionReviewQuerySet.as_manager()

    class Meta:
        ordering = ["submission", "decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} by {self.reviewer_label}"
