"""Submitting outside training and the Training Unit's review of it (policy IV.E and IV.F).

A member submits their own certificate (training staff may enter a paper one for them). The
Training Unit approves it, which assigns a Course ID and enters the training record, returns it
for changes with a reason, or denies it with a reason. Every decision is kept as its own
SubmissionReview row and every change is audited.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from muster.compliance.rulepack import load_pack
from muster.core.audit import record_audit, snapshot
from muster.core.services import require
from muster.core.uploads import check_upload
from muster.outside.models import (
    OPEN_STATUSES,
    OutsideTrainingSubmission,
    ReviewOutcome,
    SubmissionKind,
    SubmissionReview,
    SubmissionStatus,
)
from muster.people.models import Officer
from muster.training.models import Course, CourseStatus, RecordSource, Topic, TrainingRecord
from muster.training.services import create_course, record_training
from muster.training.vocabulary import Delivery

# USPS codes of the states, DC and the territories: where a course can have been held.
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "  # noqa: SIM905
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP".split()
)
# A semester hour is fifteen 50-minute class hours (the Carnegie unit); used only for the
# length of a new catalog course, never for credit, which the rule pack converts itself.
MINUTES_PER_SEMESTER_HOUR = 750


@dataclass(frozen=True)
class TrainingDetails:
    """What the member tells about the training: everything but the certificate."""

    title: str
    provider: str
    state: str
    ends_at: dt.datetime | None
    kind: str = SubmissionKind.OUTSIDE
    delivery: str = Delivery.IN_PERSON
    starts_at: dt.datetime | None = None
    location: str = ""
    credit_hours: Decimal | None = None
    semester_hours: Decimal | None = None
    instructor_name: str = ""
    synopsis: str = ""
    topics: tuple[str, ...] = ()
    category: str = ""
    post_certified_by_presenter: bool = False
    presenter_post_number: str = ""
    requests_post_credit: bool = False

    @classmethod
    def of(cls, submission: OutsideTrainingSubmission) -> TrainingDetails:
        """The details a stored submission holds, e.g. to change one of them."""
        return cls(
            title=submission.title,
            provider=submission.provider,
            state=submission.state,
            ends_at=submission.ends_at,
            kind=submission.kind,
            delivery=submission.delivery,
            starts_at=submission.starts_at,
            location=submission.location,
            credit_hours=submission.credit_hours,
            semester_hours=submission.semester_hours,
            instructor_name=submission.instructor_name,
            synopsis=submission.synopsis,
            topics=tuple(submission.topics.values_list("code", flat=True)),
            category=submission.category,
            post_certified_by_presenter=submission.post_certified_by_presenter,
            presenter_post_number=submission.presenter_post_number,
            requests_post_credit=submission.requests_post_credit,
        )


_TEXT_FIELDS = (
    "title",
    "provider",
    "state",
    "location",
    "instructor_name",
    "synopsis",
    "category",
    "presenter_post_number",
)


def _normalised(details: TrainingDetails) -> TrainingDetails:
    cleaned: dict[str, Any] = {
        name: str(getattr(details, name) or "").strip() for name in _TEXT_FIELDS
    }
    cleaned["state"] = cleaned["state"].upper()
    cleaned["topics"] = tuple(sorted(set(details.topics)))
    return replace(details, **cleaned)


def out_of_state_note(officer: Officer, state: str) -> str:
    """Why training held in `state` cannot earn the officer's POST credit; empty when it can."""
    agency = officer.agency
    state = (state or "").upper()
    if not state or state == agency.state or load_pack(agency.rule_pack).recognises_state(state):
        return ""
    return (
        f"This training was held in {state}. The {agency.get_rule_pack_display()} rules "
        f"recognise no course from {state}, so it earns no POST credit; the Training Unit "
        "can record it only as non-POST training."
    )


def post_credit_note(submission: OutsideTrainingSubmission) -> str:
    """What the member and reviewer must know about POST credit for this submission."""
    if not submission.seeks_post_credit:
        return ""
    return out_of_state_note(submission.officer, submission.state)


def _officer_items_missing(officer: Officer) -> list[str]:
    """The parts of IV.E.1.c(1) (name, serial number, assignment, rank) the roster lacks."""
    missing = []
    if not (officer.first_name.strip() and officer.last_name.strip()):
        missing.append("name")
    if not officer.serial_number.strip():
        missing.append("serial number")
    if officer.unit_id is None:
        missing.append("assignment (unit)")
    if not officer.rank.strip():
        missing.append("rank or title")
    return missing


def _check_details(officer: Officer, d: TrainingDetails) -> dict[str, list[str]]:
    """Every problem with the details, by field (empty when they are complete)."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    agency = officer.agency
    if d.kind not in SubmissionKind.values:
        add("kind", "Choose outside training or a college course.")
    if not d.title:
        add("title", "Give the course title.")
    if not d.provider:
        add("provider", "Give who presented the training (or the college).")
    if d.state not in US_STATES:
        add("state", "Give the two-letter code of the state where it was held, e.g. MO.")
    if d.delivery not in Delivery.values:
        add("delivery", "Choose how the training was delivered.")
    if d.ends_at is None:
        add("ends_at", "Give the date and time the training ended.")
    else:
        ended_on = timezone.localtime(d.ends_at, agency.zone).date()
        if ended_on > agency.today():
            add("ends_at", "Submit the training once it has ended; this date is in the future.")
        elif officer.hired_on is not None and ended_on < officer.hired_on:
            add("ends_at", "Training that ended before the hire date is not part of the record.")
        if d.starts_at is not None and d.starts_at >= d.ends_at:
            add("ends_at", "The training must end after it starts.")

    if d.kind == SubmissionKind.COLLEGE:
        if d.semester_hours is None or d.semester_hours <= 0:
            add("semester_hours", "Give the semester hours the college course earned.")
        if d.credit_hours is not None:
            add("credit_hours", "A college course counts by semester hours; leave this empty.")
    else:
        if d.credit_hours is None or d.credit_hours <= 0:
            add("credit_hours", "Give the total instructional hours shown on the certificate.")
        if d.semester_hours is not None:
            add("semester_hours", "Semester hours are for college courses only; leave this empty.")
    for name in ("credit_hours", "semester_hours"):
        value = getattr(d, name)
        if value is not None and value > 999:
            add(name, "That is more hours than one course can give; check the number.")

    known_topics = set(Topic.objects.filter(code__in=d.topics).values_list("code", flat=True))
    unknown = [code for code in d.topics if code not in known_topics]
    if unknown:
        add("topics", f"Unknown topic code: {', '.join(unknown)}.")
    categories = load_pack(agency.rule_pack).category_codes
    if d.category and d.category not in categories:
        add("category", f"'{d.category}' is not a category of {agency.get_rule_pack_display()}.")

    if d.requests_post_credit and not d.post_certified_by_presenter:
        # Policy IV.E.1.c: training the presenter did not POST-certify needs all six items.
        missing = _officer_items_missing(officer)
        if missing:
            add(
                "officer",
                f"The officer record lacks the {', '.join(missing)} that a POST credit request "
                "needs (IV.E.1.c(1)); ask the agency administrator to enter it.",
            )
        if d.starts_at is None:
            add("starts_at", "A POST credit request needs the dates and times (IV.E.1.c(3)).")
        if not d.location:
            add("location", "A POST credit request needs the location (IV.E.1.c(3)).")
        if not d.instructor_name:
            add(
                "instructor_name",
                "A POST credit request needs the instructor's name (IV.E.1.c(5)).",
            )
        if not d.synopsis:
            add("synopsis", "A POST credit request needs a course synopsis (IV.E.1.c(6)).")
    return errors


def _set_details(submission: OutsideTrainingSubmission, d: TrainingDetails) -> None:
    officer = submission.officer
    for name in (
        "kind",
        "title",
        "provider",
        "location",
        "state",
        "starts_at",
        "ends_at",
        "credit_hours",
        "semester_hours",
        "instructor_name",
        "synopsis",
        "delivery",
        "category",
        "post_certified_by_presenter",
        "presenter_post_number",
        "requests_post_credit",
    ):
        setattr(submission, name, getattr(d, name))
    # The member as they are now (IV.E.1.c(1)); a resubmission takes them as they are then.
    submission.member_name = officer.full_name
    submission.member_serial_number = officer.serial_number
    submission.member_assignment = officer.unit.name if officer.unit_id and officer.unit else ""
    submission.member_rank = officer.rank


def _audited_after(submission: OutsideTrainingSubmission) -> dict[str, Any]:
    return snapshot(submission) | {
        "topics": sorted(submission.topics.values_list("code", flat=True))
    }


def _user_or_none(acting_user: Any) -> Any:
    return acting_user if getattr(acting_user, "pk", None) is not None else None


def submit_outside_training(
    *, acting_user: Any, officer: Officer, details: TrainingDetails, certificate: Any
) -> OutsideTrainingSubmission:
    """Submit a member's outside or college training with its certificate; audited."""
    require(acting_user, "outside.submit", officer)
    details = _normalised(details)
    errors = _check_details(officer, details)
    try:
        check_upload(certificate, field="certificate")
    except ValidationError as error:
        errors.setdefault("certificate", []).extend(error.message_dict["certificate"])
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        submission = OutsideTrainingSubmission(
            officer=officer, submitted_by=_user_or_none(acting_user)
        )
        _set_details(submission, details)
        submission.certificate = certificate
        submission.save()
        submission.topics.set(Topic.objects.filter(code__in=details.topics))
        record_audit(
            actor=acting_user,
            action="outside.submit",
            obj=submission,
            agency_id=officer.agency_id,
            after=_audited_after(submission),
        )
    return submission


def _locked_open(submission: OutsideTrainingSubmission, statuses: Iterable[str]) -> None:
    """Lock the row and refuse unless it is still in one of `statuses` (someone may have
    reviewed or withdrawn it since the page was loaded)."""
    current = (
        OutsideTrainingSubmission.objects.select_for_update()
        .filter(pk=submission.pk)
        .values_list("status", flat=True)
        .first()
    )
    if current not in set(statuses):
        label = SubmissionStatus(current).label.lower() if current else "gone"
        raise ValidationError({"status": f"This submission is already {label}."})


def revise_submission(
    *,
    acting_user: Any,
    submission: OutsideTrainingSubmission,
    details: TrainingDetails,
    certificate: Any = None,
) -> OutsideTrainingSubmission:
    """Change a submitted or returned submission and put it back in the review queue; audited."""
    require(acting_user, "outside.change", submission)
    if submission.status not in OPEN_STATUSES:
        raise ValidationError(
            {
                "status": f"This submission is {submission.get_status_display().lower()}; "
                "it can no longer be changed."
            }
        )
    details = _normalised(details)
    errors = _check_details(submission.officer, details)
    if certificate is not None:
        try:
            check_upload(certificate, field="certificate")
        except ValidationError as error:
            errors.setdefault("certificate", []).extend(error.message_dict["certificate"])
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _locked_open(submission, OPEN_STATUSES)
        submission.refresh_from_db()
        before = _audited_after(submission)
        _set_details(submission, details)
        if certificate is not None:
            submission.certificate = certificate
        submission.status = SubmissionStatus.SUBMITTED
        submission.save()
        submission.topics.set(Topic.objects.filter(code__in=details.topics))
        record_audit(
            actor=acting_user,
            action="outside.revise",
            obj=submission,
            agency_id=submission.officer.agency_id,
            before=before,
            after=_audited_after(submission),
        )
    return submission


def withdraw_submission(
    *, acting_user: Any, submission: OutsideTrainingSubmission, reason: str = ""
) -> OutsideTrainingSubmission:
    """The member withdraws a submission that has not been decided; it stays in history."""
    require(acting_user, "outside.withdraw", submission)
    with transaction.atomic():
        before = snapshot(submission)
        changed = OutsideTrainingSubmission.objects.filter(
            pk=submission.pk, status__in=OPEN_STATUSES
        ).update(status=SubmissionStatus.WITHDRAWN, updated_at=timezone.now())
        if not changed:
            submission.refresh_from_db()
            raise ValidationError(
                {
                    "status": f"This submission is {submission.get_status_display().lower()}; "
                    "it can no longer be withdrawn."
                }
            )
        submission.refresh_from_db()
        record_audit(
            actor=acting_user,
            action="outside.withdraw",
            obj=submission,
            agency_id=submission.officer.agency_id,
            before=before,
            after=snapshot(submission),
            reason=reason.strip(),
        )
    return submission


def _course_minutes(submission: OutsideTrainingSubmission) -> int:
    if submission.kind == SubmissionKind.COLLEGE:
        assert submission.semester_hours is not None  # the table constraint guarantees it
        return max(1, math.ceil(submission.semester_hours * MINUTES_PER_SEMESTER_HOUR))
    assert submission.credit_hours is not None  # checked at submission
    return max(1, math.ceil(submission.credit_hours * 60))


_ACTIONS: dict[str, str] = {
    ReviewOutcome.APPROVED: "outside.approve",
    ReviewOutcome.RETURNED: "outside.return",
    ReviewOutcome.DENIED: "outside.deny",
}


def _decide(
    acting_user: Any,
    submission: OutsideTrainingSubmission,
    outcome: str,
    reason: str,
    *,
    record: TrainingRecord | None = None,
    course: Course | None = None,
    post_certified: bool | None = None,
) -> None:
    """Set the decision on the row (compare-and-set on its status), keep it as a review row,
    and audit it. Runs inside the caller's transaction."""
    before = snapshot(submission)
    now = timezone.now()
    reviewer = _user_or_none(acting_user)
    changed = OutsideTrainingSubmission.objects.filter(
        pk=submission.pk, status=SubmissionStatus.SUBMITTED
    ).update(
        status=outcome,
        reviewer=reviewer,
        reviewed_at=now,
        review_reason=reason,
        record=record,
        course=course,
        updated_at=now,
    )
    if not changed:
        raise ValidationError({"status": "Someone else has already decided this submission."})
    submission.refresh_from_db()
    SubmissionReview.objects.create(
        submission=submission,
        outcome=outcome,
        reason=reason,
        reviewer=reviewer,
        reviewer_label=acting_user.get_username(),
        post_certified=post_certified,
        course=course,
    )
    record_audit(
        actor=acting_user,
        action=_ACTIONS[outcome],
        obj=submission,
        agency_id=submission.officer.agency_id,
        before=before,
        after=snapshot(submission),
        reason=reason,
    )


def _refuse_unless_waiting(submission: OutsideTrainingSubmission) -> None:
    if submission.status != SubmissionStatus.SUBMITTED:
        raise ValidationError(
            {
                "status": f"This submission is {submission.get_status_display().lower()}; "
                "only a submission waiting for the Training Unit can be decided."
            }
        )


def approve_submission(
    *,
    acting_user: Any,
    submission: OutsideTrainingSubmission,
    post_certified: bool,
    course: Course | None = None,
    category: str | None = None,
    topics: Iterable[str] | None = None,
    reason: str = "",
) -> OutsideTrainingSubmission:
    """Approve a submission: assign a Course ID (the given catalog course, or a new one) and
    enter the training record with POST credit or without it (IV.E.1.d, IV.E.2.b). Audited."""
    require(acting_user, "outside.review", submission)
    _refuse_unless_waiting(submission)
    officer = submission.officer
    agency = officer.agency
    errors: dict[str, str] = {}
    if post_certified:
        if not submission.seeks_post_credit:
            errors["post_certified"] = (
                "The member did not ask for POST credit and the presenter did not certify "
                "the training; approve it as non-POST training."
            )
        elif note := post_credit_note(submission):
            errors["post_certified"] = note
    if course is not None:
        if course.agency_id != officer.agency_id:
            errors["course"] = "That course belongs to another agency's catalog."
        elif course.status != CourseStatus.ACTIVE:
            errors["course"] = f"{course.course_id} is retired; choose an active course."
    if errors:
        raise ValidationError(errors)
    category = submission.category if category is None else category.strip()
    topic_codes = (
        sorted(submission.topics.values_list("code", flat=True))
        if topics is None
        else sorted(set(topics))
    )
    college = submission.kind == SubmissionKind.COLLEGE
    with transaction.atomic():
        _locked_open(submission, {SubmissionStatus.SUBMITTED})
        if course is None:
            # A presenter's certification number makes the new catalog course certified; a
            # member's request leaves the course uncertified and credits only this record.
            certified_course = post_certified and bool(submission.presenter_post_number)
            course = create_course(
                acting_user=acting_user,
                agency=agency,
                title=submission.title,
                synopsis=submission.synopsis,
                credit_minutes=_course_minutes(submission),
                delivery=submission.delivery,
                category=category,
                topics=topic_codes,
                provider=submission.provider,
                post_certified=certified_course,
                post_certification_number=(
                    submission.presenter_post_number if certified_course else ""
                ),
            )
        record = record_training(
            acting_user=acting_user,
            officer=officer,
            completed_on=timezone.localtime(submission.ends_at, agency.zone).date(),
            source=RecordSource.CERTIFICATE,
            course=course,
            kind=submission.kind,
            title=submission.title,
            credit_hours=None if college else submission.credit_hours,
            semester_hours=submission.semester_hours if college else None,
            delivery=submission.delivery,
            category=category,
            topics=topic_codes,
            provider=submission.provider,
            post_certified=post_certified,
            location=submission.location,
            instructor_name=submission.instructor_name,
            evidence=submission.certificate.name,
            reason=f"Outside training submission {submission.pk}",
        )
        _decide(
            acting_user,
            submission,
            ReviewOutcome.APPROVED,
            reason.strip(),
            record=record,
            course=course,
            post_certified=post_certified,
        )
    return submission


def return_submission(
    *, acting_user: Any, submission: OutsideTrainingSubmission, reason: str
) -> OutsideTrainingSubmission:
    """Send a submission back to the member with what to change; audited."""
    require(acting_user, "outside.review", submission)
    _refuse_unless_waiting(submission)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Tell the member what to change."})
    with transaction.atomic():
        _decide(acting_user, submission, ReviewOutcome.RETURNED, reason)
    return submission


def deny_submission(
    *, acting_user: Any, submission: OutsideTrainingSubmission, reason: str
) -> OutsideTrainingSubmission:
    """Deny a submission with a reason the member sees; audited."""
    require(acting_user, "outside.review", submission)
    _refuse_unless_waiting(submission)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Tell the member why the submission is denied."})
    with transaction.atomic():
        _decide(acting_user, submission, ReviewOutcome.DENIED, reason)
    return submission
