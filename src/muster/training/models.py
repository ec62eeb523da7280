"""The course catalog, sessions, training records and firearms qualifications."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import connection, models
from django.db.models import Q

from muster.accounts.scope import AgencyScopedQuerySet, OfficerScopedQuerySet
from muster.core.uploads import private_storage
from muster.training.vocabulary import Delivery


class Topic(models.Model):
    """A subject from the shared topic vocabulary (see training/vocabulary.py)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CourseStatus(models.TextChoices):
    """Courses are retired, never deleted, so their Course ID is never reused."""

    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class CourseQuerySet(AgencyScopedQuerySet["Course"]):
    """Courses, scoped to the agencies a user belongs to or oversees."""


class Course(models.Model):
    """A course in an agency's catalog, identified by the Course ID its Training Unit assigns."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="courses")
    course_id = models.CharField(
        "Course ID", max_length=32, help_text="Assigned by the Training Unit; never reused."
    )
    title = models.CharField(max_length=200)
    synopsis = models.TextField(blank=True)
    credit_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], help_text="Instructional minutes of one delivery."
    )
    delivery = models.CharField(max_length=16, choices=Delivery.choices)
    category = models.CharField(
        "state category / core area",
        max_length=40,
        blank=True,
        help_text="A category code of the agency's rule pack, e.g. legal_studies.",
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="courses")
    provider = models.CharField(max_length=200, help_text="Who delivers the course.")
    approved_provider = models.BooleanField(
        default=False, help_text="The provider is on the state's approved-provider list."
    )
    post_certified = models.BooleanField("POST-certified", default=False)
    post_certification_number = models.CharField(
        "POST certification number", max_length=40, blank=True
    )
    needs_legal_review = models.BooleanField(
        "legal, liability or personnel content",
        default=False,
        help_text="Training on legal or liability issues, or on human resources or personnel "
        "issues, is reviewed by General Counsel and by HR before it is scheduled (policy III.G).",
    )
    status = models.CharField(
        max_length=16, choices=CourseStatus.choices, default=CourseStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["course_id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "course_id"], name="course_unique_id"),
            models.CheckConstraint(
                name="course_certified_has_number",
                condition=Q(post_certified=False) | ~Q(post_certification_number=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} {self.title}"

    def missing_reviews(self) -> list[str]:
        """The review kinds (counsel, hr) still needed before the course may be scheduled."""
        if not self.needs_legal_review:
            return []
        done = {
            r.kind
            for r in self.reviews.all()
            if r.decision == ReviewDecision.APPROVED and r.withdrawn_at is None
        }
        return [kind for kind in ReviewKind.values if kind not in done]


class ReviewKind(models.TextChoices):
    """Who reviews a course on legal, liability or personnel issues (policy III.G)."""

    COUNSEL = "counsel", "General Counsel"
    HR = "hr", "Human Resources"


class ReviewDecision(models.TextChoices):
    """A reviewer's answer."""

    APPROVED = "approved", "Approved for delivery"
    CHANGES = "changes", "Changes needed"


class CourseReviewQuerySet(AgencyScopedQuerySet["CourseReview"]):
    """Course reviews, scoped through their course's agency."""

    agency_path = "course__agency__"


class CourseReview(models.Model):
    """General Counsel's or HR's review of a course before delivery; kept, never edited."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField(max_length=16, choices=ReviewKind.choices)
    decision = models.CharField(max_length=16, choices=ReviewDecision.choices)
    note = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now_add=True)
    # Set when the course content changes after the review, which then has to be done again.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = CourseReviewQuerySet.as_manager()

    class Meta:
        ordering = ["course", "-reviewed_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} review of {self.course.course_id}: {self.decision}"


def minutes_label(minutes: int) -> str:
    """Minutes written as hours and minutes."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def _new_sign_in_key() -> str:
    return secrets.token_hex(32)


class SessionStatus(models.TextChoices):
    """Where a session stands; closing turns sign-ins into training records."""

    SCHEDULED = "scheduled", "Scheduled"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class SessionQuerySet(AgencyScopedQuerySet["Session"]):
    """Sessions, scoped through their course's agency."""

    agency_path = "course__agency__"


class Session(models.Model):
    """One scheduled delivery of a course: when, where, by whom, for how many."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=200)
    instructors = models.ManyToManyField(
        "people.Officer", blank=True, related_name="sessions_taught"
    )
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty for no limit; further enrolments wait."
    )
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    # The key of the rotating sign-in code; random per session so one session's codes say
    # nothing about another's.
    sign_in_key = models.CharField(max_length=64, default=_new_sign_in_key, editable=False)
    paper_sheet = models.FileField(
        "scanned paper sign-in sheet",
        upload_to="sign-in-sheets/%Y/%m/",
        storage=private_storage,
        blank=True,
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                name="session_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.course.course_id} {self.starts_at:%Y-%m-%d %H:%M}"


class EnrolmentStatus(models.TextChoices):
    """An officer's place in a session."""

    ENROLLED = "enrolled", "Enrolled"
    WAITLISTED = "waitlisted", "Waiting list"
    CANCELLED = "cancelled", "Cancelled"
    ABSENT = "absent", "Cannot attend (supervisor notified)"


def _taught_by(user: Any) -> Q:
    """Rows of the sessions the user teaches: an instructor takes attendance, so reads the
    roster and sign-ins of their own sessions (and nothing else about those officers)."""
    officer_id = getattr(user, "officer_id", None)
    if officer_id is None:
        return Q(pk__in=[])
    return Q(session__in=Session.objects.filter(instructors__pk=officer_id).values("pk"))


class EnrolmentQuerySet(OfficerScopedQuerySet["Enrolment"]):
    """Enrolments, scoped through their officer, plus the rosters of sessions the user teaches."""

    def visible_to(self, user: Any) -> EnrolmentQuerySet:
        """Only the rows this user may read."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user.scope.officer_q(self.officer_path) | _taught_by(user))


class Enrolment(models.Model):
    """An officer's place (or place on the waiting list) in a session."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="enrolments")
    officer = models.ForeignKey(
        "people.Officer", on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(
        max_length=16, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["session", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "officer"], name="enrolment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.officer} in {self.session} ({self.get_status_display()})"


class SignInMethod(models.TextChoices):
    """How an attendee's presence was taken (policy IV.D: each member signs for themselves)."""

    PHONE = "phone", "Own phone (session code)"
    KIOSK = "kiosk", "Kiosk (own credentials)"
    PAPER = "paper", "Paper sheet (recorded by the instructor)"


class SignInQuerySet(OfficerScopedQuerySet["SignIn"]):
    """Sign-ins, scoped through their officer, plus those of sessions the user teaches."""

    def visible_to(self, user: Any) -> SignInQuerySet:
        """Only the rows this user may read."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user.scope.officer_q(self.officer_path) | _taught_by(user))


class SignIn(models.Model):
    """An attendee's presence at a session, with late arrival and early departure."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="sign_ins")
    officer = models.ForeignKey("people.Officer", on_delete=models.PROTECT, related_name="sign_ins")
    method = models.CharField(max_length=16, choices=SignInMethod.choices)
    signed_in_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The attendee themselves, or for a paper sheet the instructor who read it.",
    )
    late_minutes = models.PositiveIntegerField(default=0)
    early_minutes = models.PositiveIntegerField(
        default=0, help_text="Minutes before the end that the attendee left."
    )

    objects = SignInQuerySet.as_manager()

    class Meta:
        ordering = ["session", "signed_in_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "officer"], name="sign_in_once_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.officer} at {self.session}"


class AbsenceNoticeQuerySet(OfficerScopedQuerySet["AbsenceNotice"]):
    """Absence notices, scoped through their officer."""


class AbsenceNotice(models.Model):
    """A member's notice that they cannot attend a session, and how it was rescheduled (IV.A)."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="absences")
    officer = models.ForeignKey("people.Officer", on_delete=models.PROTECT, related_name="absences")
    reason = models.TextField()
    notified_at = models.DateTimeField(auto_now_add=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seen_at = models.DateTimeField(null=True, blank=True)
    new_date_requested_at = models.DateTimeField(null=True, blank=True)
    new_date_note = models.TextField(blank=True)
    rescheduled_to = models.ForeignKey(
        Session,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rescheduled_absences",
    )
    rescheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rescheduled_at = models.DateTimeField(null=True, blank=True)

    objects = AbsenceNoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-notified_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "officer"], name="absence_once_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.officer} cannot attend {self.session}"

    @property
    def stage(self) -> str:
        """Where the notice stands, in the member's words."""
        if self.rescheduled_to_id:
            return "Rescheduled"
        if self.new_date_requested_at:
            return "New date requested from the Training Unit"
        if self.seen_at:
            return "Seen by supervisor"
        return "Supervisor notified"


class CalendarFeedToken(models.Model):
    """The secret in a member's calendar-feed address; calendar apps cannot sign in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    token = models.CharField(max_length=64, unique=True, default=_new_sign_in_key)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"


# --- Append-only records ---------------------------------------------------------------


class AppendOnlyQuerySet(OfficerScopedQuerySet[Any]):
    """Rows that are never edited or deleted; only the void fields may be set, once."""

    void_fields: ClassVar[frozenset[str]] = frozenset({"voided_at", "voided_by", "void_reason"})

    def update(self, **kwargs: Any) -> int:
        if not set(kwargs) <= self.void_fields:
            raise TypeError("Only the void fields of an append-only record may change.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Append-only records are voided, never deleted.")

    def current(self) -> AppendOnlyQuerySet:
        """Rows that have not been voided."""
        return self.filter(voided_at__isnull=True)


class AppendOnlyModel(models.Model):
    """A record corrected by voiding it (with a reason) and entering a new one."""

    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the system entered it (for example the demo loader).",
    )
    entered_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.TextField(blank=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError("Append-only records cannot be edited; void and re-enter instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Append-only records are voided, never deleted.")

    @classmethod
    def dispose(cls, pks: Collection[int]) -> list[str]:
        """Delete these rows for good; return the names of their stored files.

        The one way an append-only row ever leaves the database. Only the retention
        service calls it, when it executes a disposition batch that a records custodian
        approved, in the transaction that writes each row's tombstone in the audit log
        (muster.retention.services.execute_batch). Rows that point at a row (a correction
        at what it corrects, a roll-call entry, an outside-training submission) still
        protect it, so the caller removes those first; corrections in the same call go
        before the rows they correct.
        """
        if not connection.in_atomic_block:
            raise RuntimeError("Disposition runs inside the transaction of its tombstones.")
        file_fields = [
            f.attname for f in cls._meta.concrete_fields if isinstance(f, models.FileField)
        ]
        # The plain manager: the append-only queryset refuses delete() on purpose.
        # Typed loosely: the subclasses, not this abstract model, declare `supersedes`.
        rows: models.QuerySet[Any] = cls._base_manager.filter(pk__in=list(pks))
        names: list[str] = []
        if file_fields:
            for values in rows.values_list(*file_fields):
                names.extend(name for name in values if name)
        links = dict(rows.values_list("pk", "supersedes_id"))
        remaining = set(links)
        while remaining:
            corrected = {links[pk] for pk in remaining if links[pk] in remaining}
            layer = remaining - corrected
            if not layer:  # a correction cycle cannot be made; refuse rather than loop
                raise RuntimeError("Corrections form a cycle; nothing was disposed.")
            cls._base_manager.filter(pk__in=sorted(layer)).delete()
            remaining = corrected
        return names

    @property
    def is_void(self) -> bool:
        """Whether the record has been voided."""
        return self.voided_at is not None


class RecordKind(models.TextChoices):
    """Where a training record comes from."""

    COURSE = "course", "Agency course"
    OUTSIDE = "outside", "Outside training"
    COLLEGE = "college", "College course"


class Participation(models.TextChoices):
    """Whether the officer attended or taught; instructors earn credit differently."""

    ATTENDEE = "attendee", "Attendee"
    INSTRUCTOR = "instructor", "Instructor"


class RecordSource(models.TextChoices):
    """How the record entered Muster."""

    SIGN_IN = "sign_in", "Sign-in"
    CERTIFICATE = "certificate", "Certificate"
    IMPORT = "import", "Import"
    MANUAL = "manual", "Manual entry"
    API = "api", "API"
    ROLL_CALL = "roll_call", "Roll-call report"


class TrainingRecordQuerySet(AppendOnlyQuerySet):
    """Training records, scoped through their officer."""


class TrainingRecord(AppendOnlyModel):
    """One piece of training an officer completed; corrected by voiding and superseding."""

    officer = models.ForeignKey(
        "people.Officer", on_delete=models.PROTECT, related_name="training_records"
    )
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    completed_on = models.DateField(help_text="The agency's local date the training ended.")
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    # Copied from the course at entry so that later catalog edits never rewrite history.
    course_code = models.CharField("Course ID", max_length=32, blank=True)
    title = models.CharField(max_length=200)
    minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Minutes attended or taught."
    )
    credit_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Hours stated by a certificate, when no minutes are known.",
    )
    semester_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="College semester hours earned.",
    )
    participation = models.CharField(
        max_length=16, choices=Participation.choices, default=Participation.ATTENDEE
    )
    delivery = models.CharField(max_length=16, choices=Delivery.choices)
    category = models.CharField(max_length=40, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="records")
    provider = models.CharField(max_length=200, blank=True)
    approved_provider = models.BooleanField(default=False)
    post_certified = models.BooleanField("POST-certified", default=False)
    location = models.CharField(max_length=200, blank=True)
    instructor_name = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=16, choices=RecordSource.choices)
    evidence = models.FileField(upload_to="evidence/%Y/%m/", storage=private_storage, blank=True)
    attributed_to_period = models.CharField(
        max_length=32,
        blank=True,
        help_text="Make-up hours: the past period (label) this training cures, where the "
        "rule pack allows make-up.",
    )
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        help_text="The voided record this one corrects.",
    )

    objects = TrainingRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_on", "-id"]
        indexes = [
            models.Index(fields=["officer", "completed_on"]),
            # Covers the agency dashboard's sums of what was entered, per officer and day, so
            # they read the index alone (about a sixth faster at 100,000 records).
            models.Index(
                fields=[
                    "officer",
                    "completed_on",
                    "category",
                    "minutes",
                    "credit_hours",
                    "semester_hours",
                ],
                condition=Q(voided_at__isnull=True),
                name="record_amounts_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="record_has_an_amount",
                condition=Q(minutes__isnull=False)
                | Q(credit_hours__isnull=False)
                | Q(semester_hours__isnull=False),
            ),
            models.CheckConstraint(
                name="record_college_has_semester_hours",
                condition=~Q(kind="college") | Q(semester_hours__isnull=False),
            ),
            models.CheckConstraint(
                name="record_void_has_reason",
                condition=Q(voided_at__isnull=True) | ~Q(void_reason=""),
            ),
        ]

    def __str__(self) -> str:
        code = f"{self.course_code} " if self.course_code else ""
        return f"{code}{self.title} on {self.completed_on.isoformat()}"

    @property
    def amount_label(self) -> str:
        """The amount as entered: minutes, stated hours or semester hours."""
        if self.minutes is not None:
            return minutes_label(self.minutes)
        if self.credit_hours is not None:
            return f"{Decimal(self.credit_hours).normalize():f} h (stated)"
        assert self.semester_hours is not None  # the table constraint guarantees one amount
        return f"{Decimal(self.semester_hours).normalize():f} semester h"


class WeaponType(models.TextChoices):
    """Firearm types; some states require a qualification per type."""

    HANDGUN = "handgun", "Handgun"
    RIFLE = "rifle", "Rifle"
    SHOTGUN = "shotgun", "Shotgun"
    OTHER = "other", "Other"


class QualificationEventQuerySet(AppendOnlyQuerySet):
    """Qualification events, scoped through their officer."""

    def passed(self) -> QualificationEventQuerySet:
        """Qualifications whose score reached the passing score."""
        return self.filter(score__gte=models.F("passing_score"))


class QualificationEvent(AppendOnlyModel):
    """A firearms qualification shoot: separate from training hours, passed or failed."""

    officer = models.ForeignKey(
        "people.Officer", on_delete=models.PROTECT, related_name="qualifications"
    )
    qualified_on = models.DateField()
    weapon_type = models.CharField(max_length=16, choices=WeaponType.choices)
    weapon = models.CharField(
        max_length=100, blank=True, help_text="Make, model or serial of the duty weapon."
    )
    course_of_fire = models.CharField(max_length=100)
    score = models.DecimalField(max_digits=6, decimal_places=2)
    max_score = models.DecimalField(max_digits=6, decimal_places=2)
    passing_score = models.DecimalField(max_digits=6, decimal_places=2)
    instructor = models.ForeignKey(
        "people.Officer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="qualifications_run",
    )
    instructor_name = models.CharField(max_length=200, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )

    objects = QualificationEventQuerySet.as_manager()

    class Meta:
        ordering = ["-qualified_on", "-id"]
        indexes = [models.Index(fields=["officer", "qualified_on"])]
        constraints = [
            models.CheckConstraint(
                name="qualification_score_in_range",
                condition=Q(score__gte=0) & Q(score__lte=models.F("max_score")),
            ),
            models.CheckConstraint(
                name="qualification_pass_mark_in_range",
                condition=Q(passing_score__gt=0) & Q(passing_score__lte=models.F("max_score")),
            ),
            models.CheckConstraint(
                name="qualification_void_has_reason",
                condition=Q(voided_at__isnull=True) | ~Q(void_reason=""),
            ),
        ]

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "failed"
        return f"{self.get_weapon_type_display()} qualification {self.qualified_on} ({verdict})"

    @property
    def passed(self) -> bool:
        """Whether the score reached the passing score."""
        return self.score >= self.passing_score
