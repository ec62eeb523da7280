"""Requests for POST certification of a course and the liaison's packet (policy IV.G)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Self

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from muster.accounts.scope import AgencyScopedQuerySet
from muster.core.uploads import private_storage

# The packet must be complete this many days before the first delivery (IV.G.1.a, IV.G.3.b).
DEADLINE_DAYS = 30


class RequestStatus(models.TextChoices):
    """Where a request stands, from the liaison's draft to POST's decision."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted to the Training Unit"
    SENT_TO_POST = "sent_to_post", "Sent to POST"
    CERTIFIED = "certified", "Certified by POST"
    REJECTED_BY_POST = "rejected_by_post", "Rejected by POST"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Requests still moving; the others are finished and change no more.
OPEN_STATUSES = frozenset(
    {RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.SENT_TO_POST}
)


class DocumentKind(models.TextChoices):
    """The six POST documents of a packet (policy IV.G.3.a)."""

    INSTRUCTOR_RECORDS = "instructor_records", "Instructor records"
    LEARNING_OBJECTIVES = "learning_objectives", "Learning objectives"
    LESSON_PLAN = "lesson_plan", "Lesson plan"
    SOURCE_DOCUMENTATION = "source_documentation", "Source documentation"
    SUPPORT_DOCUMENTS = "support_documents", "Support documents"
    TRAINING_MATERIALS = "training_materials", "All training materials"


class CertificationRequestQuerySet(AgencyScopedQuerySet["CertificationRequest"]):
    """Requests: the agency's wide roles read them all, a member only the ones they lead."""

    def visible_to(self, user: Any) -> Self:
        """Only the requests this user may read."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        scope = user.scope
        if scope.everything:
            return self.all()
        # A member reads only their own requests: the packet carries instructors' records.
        q = Q(agency_id__in=scope.agency_ids) | Q(created_by_id=user.pk)
        if scope.officer_id is not None:
            q |= Q(liaison_id=scope.officer_id)
        return self.filter(q, agency_id__in=scope.member_agency_ids)


class CertificationRequest(models.Model):
    """A class a member introduces for POST credit, with its liaison and POST's decision."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="certification_requests"
    )
    liaison = models.ForeignKey(
        "people.Officer",
        on_delete=models.PROTECT,
        related_name="certification_requests",
        help_text="The member who introduced the class, unless the Training Unit named another.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    class_name = models.CharField("class name", max_length=200)
    hours = models.DecimalField(
        "number of hours",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    first_delivery_on = models.DateField("first delivery date")
    further_dates = models.TextField(
        "further dates", blank=True, help_text="Later deliveries, one a line."
    )
    location = models.CharField(max_length=200)
    course = models.ForeignKey(
        "training.Course",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certification_requests",
        help_text="The catalog course this class is, when it is already there.",
    )
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    packet_completed_at = models.DateTimeField(
        null=True, blank=True, help_text="When every kind of document was first present."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    late_exception_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The Training Center Director or designee who approved a late packet.",
    )
    late_exception_reason = models.TextField(blank=True)
    late_exception_at = models.DateTimeField(null=True, blank=True)
    sent_to_post_on = models.DateField("sent to POST on", null=True, blank=True)
    post_decision_on = models.DateField("POST decision date", null=True, blank=True)
    post_certification_number = models.CharField(
        "POST certification number", max_length=40, blank=True
    )
    post_rejection_reason = models.TextField("POST's reason for rejecting", blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CertificationRequestQuerySet.as_manager()

    class Meta:
        ordering = ["first_delivery_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="certification_certified_has_number",
                condition=~Q(status="certified") | ~Q(post_certification_number=""),
            ),
            models.CheckConstraint(
                name="certification_exception_has_reason",
                condition=Q(late_exception_by__isnull=True) | ~Q(late_exception_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.class_name} ({self.first_delivery_on:%b %-d, %Y})"

    @property
    def deadline(self) -> dt.date:
        """The last day the packet may be completed without the Director's approval."""
        return self.first_delivery_on - dt.timedelta(days=DEADLINE_DAYS)

    @property
    def has_late_exception(self) -> bool:
        """The Director or designee approved completing the packet inside the 30-day line."""
        return self.late_exception_by_id is not None

    @property
    def is_open(self) -> bool:
        """Still moving towards POST's decision."""
        return self.status in OPEN_STATUSES


class PacketDocument(models.Model):
    """One file of a request's packet; a kind may have several files."""

    request = models.ForeignKey(
        CertificationRequest, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=32, choices=DocumentKind.choices)
    file = models.FileField(upload_to="certification/%Y/%m/", storage=private_storage)
    original_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"
