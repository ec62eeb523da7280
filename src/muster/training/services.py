"""Changes to the catalog, sessions, training records and qualifications.

Training records and qualifications are append-only: a correction voids the old row (with a
reason) and enters a new one that supersedes it, so history always shows both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from muster.agencies.models import Agency
from muster.agencies.services import allocate_course_number
from muster.compliance.rulepack import load_pack
from muster.compliance.services import refresh_compliance
from muster.core.audit import record_audit, snapshot
from muster.core.services import require
from muster.people.models import Officer
from muster.training.models import (
    CalendarFeedToken,
    Course,
    CourseStatus,
    Enrolment,
    EnrolmentStatus,
    Participation,
    QualificationEvent,
    RecordKind,
    RecordSource,
    ReviewKind,
    Session,
    SessionStatus,
    Topic,
    TrainingRecord,
)


def _topics(codes: Iterable[str]) -> list[Topic]:
    wanted = sorted(set(codes))
    found = {t.code: t for t in Topic.objects.filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise ValidationError({"topics": f"Unknown topic code: {', '.join(missing)}."})
    return [found[c] for c in wanted]


def _check_category(agency: Agency, category: str) -> None:
    known = sorted(load_pack(agency.rule_pack).category_codes)
    if category and category not in known:
        allowed = ", ".join(known) if known else "none (leave it empty)"
        raise ValidationError(
            {"category": f"'{category}' is not a category of {agency.rule_pack}; use {allowed}."}
        )


# --- Catalog -----------------------------------------------------------------------------


def create_course(
    *, acting_user: Any, agency: Agency, topics: Iterable[str] = (), **fields: Any
) -> Course:
    """Add a course to the catalog under a newly assigned Course ID; audited."""
    require(acting_user, "training.manage_catalog", agency)
    with transaction.atomic():
        topic_rows = _topics(topics)
        _check_category(agency, fields.get("category", ""))
        number = allocate_course_number(agency)
        course = Course(
            agency=agency, course_id=f"{agency.course_id_prefix}-{number:05d}", **fields
        )
        course.full_clean()
        course.save()
        course.topics.set(topic_rows)
        after = snapshot(course) | {"topics": [t.code for t in topic_rows]}
        record_audit(
            actor=acting_user, action="course.create", obj=course, agency_id=agency.pk, after=after
        )
    return course


def schedule_session(
    *,
    acting_user: Any,
    course: Course,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    location: str,
    capacity: int | None = None,
    instructors: Iterable[Officer] = (),
) -> Session:
    """Put a delivery of a course on the calendar; audited."""
    require(acting_user, "training.manage_sessions", course)
    if course.status != CourseStatus.ACTIVE:
        raise ValidationError({"course": f"{course.course_id} is retired; it cannot be scheduled."})
    missing = course.missing_reviews()
    if missing:
        offices = " and ".join(ReviewKind(kind).label for kind in missing)
        raise ValidationError(
            {
                "course": f"{course.course_id} covers legal, liability or personnel issues and "
                f"needs the review of {offices} before it can be scheduled (policy III.G)."
            }
        )
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The session must end after it starts."})
    teachers = list(instructors)
    if any(t.agency_id != course.agency_id for t in teachers):
        raise ValidationError({"instructors": "Instructors must belong to the course's agency."})
    with transaction.atomic():
        session = Session(
            course=course,
            starts_at=starts_at,
            ends_at=ends_at,
            location=location,
            capacity=capacity,
        )
        session.full_clean(exclude=["course"], validate_constraints=False)
        session.save()
        session.instructors.set(teachers)
        after = snapshot(session) | {"instructors": [t.pk for t in teachers]}
        record_audit(
            actor=acting_user,
            action="session.schedule",
            obj=session,
            agency_id=course.agency_id,
            after=after,
        )
    return session


def update_session(
    *,
    acting_user: Any,
    session: Session,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    location: str,
    capacity: int | None,
    instructors: Iterable[Officer],
) -> Session:
    """Move a scheduled session, change its room, places or instructors; audited.

    More places move waiting members up; fewer places never take a place away from someone
    already enrolled. An instructor who has signed in as an attendee cannot be added.
    """
    require(acting_user, "training.manage_sessions", session)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The session must end after it starts."})
    teachers = list(instructors)
    if any(t.agency_id != session.course.agency_id for t in teachers):
        raise ValidationError({"instructors": "Instructors must belong to the course's agency."})
    signed = set(session.sign_ins.values_list("officer_id", flat=True))
    clash = [str(t) for t in teachers if t.pk in signed]
    if clash:
        raise ValidationError(
            {"instructors": f"{', '.join(clash)} signed in as an attendee of this session."}
        )
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.status != SessionStatus.SCHEDULED:
            raise ValidationError({"session": "Only a scheduled session can be changed."})
        before = snapshot(locked) | {
            "instructors": sorted(locked.instructors.values_list("pk", flat=True))
        }
        locked.starts_at, locked.ends_at = starts_at, ends_at
        locked.location, locked.capacity = location, capacity
        locked.full_clean(exclude=["course"], validate_constraints=False)
        locked.save(update_fields=["starts_at", "ends_at", "location", "capacity"])
        locked.instructors.set(teachers)
        record_audit(
            actor=acting_user,
            action="session.update",
            obj=locked,
            agency_id=locked.course.agency_id,
            before=before,
            after=snapshot(locked) | {"instructors": sorted(t.pk for t in teachers)},
        )
        while _promote_waiting(locked, acting_user) is not None:
            pass
    session.refresh_from_db()
    return session


def enrol_officer(*, acting_user: Any, session: Session, officer: Officer) -> Enrolment:
    """Give an officer a place in a session, or a place on its waiting list when full; audited."""
    require(acting_user, "training.manage_sessions", session)
    if officer.agency_id != session.course.agency_id:
        raise ValidationError({"officer": "The officer belongs to another agency."})
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError({"session": "Only a scheduled session takes enrolments."})
    with transaction.atomic():
        taken = session.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
        full = session.capacity is not None and taken >= session.capacity
        status = EnrolmentStatus.WAITLISTED if full else EnrolmentStatus.ENROLLED
        if (
            session.enrolments.filter(officer=officer)
            .exclude(status=EnrolmentStatus.CANCELLED)
            .exists()
        ):
            raise ValidationError({"officer": "The officer is already enrolled in this session."})
        enrolment, _ = Enrolment.objects.update_or_create(
            session=session, officer=officer, defaults={"status": status}
        )
        record_audit(
            actor=acting_user,
            action="enrolment.create",
            obj=enrolment,
            agency_id=officer.agency_id,
            after=snapshot(enrolment),
        )
    return enrolment


def _promote_waiting(session: Session, acting_user: Any) -> Enrolment | None:
    """Give a freed place to the longest-waiting officer; audited. Caller holds the transaction."""
    taken = session.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
    if session.capacity is not None and taken >= session.capacity:
        return None
    waiting = (
        session.enrolments.filter(status=EnrolmentStatus.WAITLISTED)
        .order_by("created_at", "pk")
        .first()
    )
    if waiting is None:
        return None
    before = snapshot(waiting)
    waiting.status = EnrolmentStatus.ENROLLED
    waiting.save(update_fields=["status"])
    record_audit(
        actor=acting_user,
        action="enrolment.promote",
        obj=waiting,
        agency_id=waiting.officer.agency_id,
        before=before,
        after=snapshot(waiting),
        reason="A place became free.",
    )
    return waiting


def cancel_enrolment(*, acting_user: Any, enrolment: Enrolment, reason: str = "") -> Enrolment:
    """Take an officer off a session (or its waiting list); the first waiting officer moves up."""
    require(acting_user, "training.manage_sessions", enrolment.session)
    if enrolment.status == EnrolmentStatus.CANCELLED:
        raise ValidationError({"enrolment": "This enrolment is already cancelled."})
    with transaction.atomic():
        before = snapshot(enrolment)
        enrolment.status = EnrolmentStatus.CANCELLED
        enrolment.save(update_fields=["status"])
        record_audit(
            actor=acting_user,
            action="enrolment.cancel",
            obj=enrolment,
            agency_id=enrolment.officer.agency_id,
            before=before,
            after=snapshot(enrolment),
            reason=reason,
        )
        _promote_waiting(enrolment.session, acting_user)
    return enrolment


def cancel_session(*, acting_user: Any, session: Session, reason: str) -> Session:
    """Cancel a scheduled session; its enrolments stay on record. Audited."""
    require(acting_user, "training.manage_sessions", session)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the session is cancelled."})
    with transaction.atomic():
        before = snapshot(session)
        changed = Session.objects.filter(pk=session.pk, status=SessionStatus.SCHEDULED).update(
            status=SessionStatus.CANCELLED
        )
        if not changed:
            raise ValidationError({"reason": "Only a scheduled session can be cancelled."})
        session.refresh_from_db()
        record_audit(
            actor=acting_user,
            action="session.cancel",
            obj=session,
            agency_id=session.course.agency_id,
            before=before,
            after=snapshot(session),
            reason=reason,
        )
    return session


# --- Training records ----------------------------------------------------------------------


def record_training(
    *,
    acting_user: Any,
    officer: Officer,
    completed_on: dt.date,
    source: str,
    course: Course | None = None,
    session: Session | None = None,
    kind: str | None = None,
    title: str = "",
    minutes: int | None = None,
    credit_hours: Decimal | None = None,
    semester_hours: Decimal | None = None,
    participation: str = Participation.ATTENDEE,
    delivery: str | None = None,
    category: str | None = None,
    topics: Iterable[str] | None = None,
    provider: str | None = None,
    approved_provider: bool | None = None,
    post_certified: bool | None = None,
    location: str = "",
    instructor_name: str = "",
    evidence: UploadedFile[Any] | str | None = None,
    attributed_to_period: str = "",
    supersedes: TrainingRecord | None = None,
    reason: str = "",
) -> TrainingRecord:
    """Enter one training record for an officer; audited.

    With a course, the record copies the course's title, Course ID, minutes, delivery,
    category, topics and provider unless told otherwise, so later catalog edits never change
    what was credited. Training before the officer's hire date is refused (it belongs to no
    agency record), as is training dated in the agency's future.
    """
    may_enter = acting_user is not None and acting_user.has_perm(
        "training.record_training", officer
    )
    if not may_enter and source == RecordSource.SIGN_IN and session is not None:
        # Closing a session enters its records; the session's instructor may close it
        # though they cannot enter records by hand. Only for who was there.
        require(acting_user, "training.run_session", session)
        present = session.sign_ins.filter(officer=officer).exists()
        if not present and not session.instructors.filter(pk=officer.pk).exists():
            raise ValidationError({"officer": f"{officer} neither signed in to nor taught it."})
    else:
        require(acting_user, "training.record_training", officer)
    agency = officer.agency
    if course is not None and course.agency_id != officer.agency_id:
        raise ValidationError({"course": "The course belongs to another agency's catalog."})
    if session is not None and course is not None and session.course_id != course.pk:
        raise ValidationError({"session": "The session is of another course."})
    if completed_on > agency.today():
        raise ValidationError({"completed_on": "Training cannot be recorded in the future."})
    if officer.hired_on is not None and completed_on < officer.hired_on:
        raise ValidationError(
            {"completed_on": "Training before the officer's hire date is not part of the record."}
        )
    if supersedes is not None:
        if supersedes.officer_id != officer.pk:
            raise ValidationError({"supersedes": "A correction must be for the same officer."})
        if supersedes.voided_at is None:
            raise ValidationError({"supersedes": "Void the record before correcting it."})
        if TrainingRecord.objects.filter(supersedes=supersedes).exists():
            raise ValidationError({"supersedes": "This record has already been corrected."})
    if source not in RecordSource.values:
        raise ValidationError({"source": f"Unknown source '{source}'."})

    if kind is None:
        kind = RecordKind.COURSE if course is not None else RecordKind.OUTSIDE
    if course is not None:
        title = title or course.title
        if minutes is None and credit_hours is None and semester_hours is None:
            minutes = course.credit_minutes
        delivery = delivery or course.delivery
        category = course.category if category is None else category
        topic_codes = (
            list(course.topics.values_list("code", flat=True)) if topics is None else topics
        )
        provider = course.provider if provider is None else provider
        approved_provider = (
            course.approved_provider if approved_provider is None else approved_provider
        )
        post_certified = course.post_certified if post_certified is None else post_certified
    else:
        topic_codes = topics or []
    if minutes is None and credit_hours is None and semester_hours is None:
        raise ValidationError({"minutes": "Give the minutes, the stated hours or semester hours."})
    if kind == RecordKind.COLLEGE and semester_hours is None:
        raise ValidationError({"semester_hours": "A college course needs its semester hours."})
    category = category or ""
    _check_category(agency, category)

    with transaction.atomic():
        topic_rows = _topics(topic_codes)
        record = TrainingRecord(
            officer=officer,
            kind=kind,
            completed_on=completed_on,
            course=course,
            session=session,
            course_code=course.course_id if course is not None else "",
            title=title,
            minutes=minutes,
            credit_hours=credit_hours,
            semester_hours=semester_hours,
            participation=participation,
            delivery=delivery or "",
            category=category,
            provider=provider or "",
            approved_provider=bool(approved_provider),
            post_certified=bool(post_certified),
            location=location,
            instructor_name=instructor_name,
            attributed_to_period=attributed_to_period,
            source=source,
            entered_by=acting_user if getattr(acting_user, "pk", None) else None,
            supersedes=supersedes,
        )
        if evidence is not None:
            record.evidence = evidence
        # The related rows were passed in as objects and the table constraints were checked
        # above with field-named errors, so skip Django's per-field lookups on this hot path.
        record.full_clean(
            exclude=["evidence", "officer", "course", "session", "entered_by", "supersedes"],
            validate_constraints=False,
        )
        record.save()
        record.topics.set(topic_rows)
        after = snapshot(record) | {"topics": [t.code for t in topic_rows]}
        record_audit(
            actor=acting_user,
            action="record.create",
            obj=record,
            agency_id=agency.pk,
            after=after,
            reason=reason,
        )
        refresh_compliance([officer])
    return record


_Voidable = TypeVar("_Voidable", TrainingRecord, QualificationEvent)


def _void(acting_user: Any, row: _Voidable, reason: str, what: str, action: str) -> _Voidable:
    """Void an append-only row with a reason, once; audited. Shared by records and shoots."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": f"Say why the {what} is voided."})
    with transaction.atomic():
        before = snapshot(row)
        # Compare-and-set: of two people voiding at once, exactly one succeeds.
        changed = (
            type(row)
            .objects.filter(pk=row.pk, voided_at__isnull=True)
            .update(
                voided_at=timezone.now(),
                voided_by=acting_user if getattr(acting_user, "pk", None) else None,
                void_reason=reason,
            )
        )
        if not changed:
            raise ValidationError({"reason": f"This {what} has already been voided."})
        row.refresh_from_db()
        record_audit(
            actor=acting_user,
            action=action,
            obj=row,
            agency_id=row.officer.agency_id,
            before=before,
            after=snapshot(row),
            reason=reason,
        )
        refresh_compliance([row.officer])
    return row


def void_training_record(
    *, acting_user: Any, record: TrainingRecord, reason: str
) -> TrainingRecord:
    """Void a record with a reason; it stays in history but no longer counts. Audited."""
    require(acting_user, "training.void_record", record)
    return _void(acting_user, record, reason, "record", "record.void")


_CORRECTABLE = (
    "completed_on",
    "course",
    "session",
    "kind",
    "title",
    "minutes",
    "credit_hours",
    "semester_hours",
    "participation",
    "delivery",
    "category",
    "provider",
    "approved_provider",
    "post_certified",
    "location",
    "instructor_name",
    "attributed_to_period",
)


def correct_training_record(
    *, acting_user: Any, record: TrainingRecord, reason: str, **changes: Any
) -> TrainingRecord:
    """Void a record and enter its corrected copy, which supersedes it; both audited."""
    unknown = set(changes) - set(_CORRECTABLE) - {"topics"}
    if unknown:
        raise TypeError(f"Cannot correct: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        void_training_record(acting_user=acting_user, record=record, reason=reason)
        values: dict[str, Any] = {name: getattr(record, name) for name in _CORRECTABLE}
        values["topics"] = list(record.topics.values_list("code", flat=True))
        # The certificate stays with the corrected record (a stored file's name).
        values["evidence"] = record.evidence.name or None
        values.update(changes)
        return record_training(
            acting_user=acting_user,
            officer=record.officer,
            source=record.source,
            supersedes=record,
            reason=reason,
            **values,
        )


# --- Qualifications ------------------------------------------------------------------------


def record_qualification(
    *,
    acting_user: Any,
    officer: Officer,
    qualified_on: dt.date,
    weapon_type: str,
    course_of_fire: str,
    score: Decimal,
    max_score: Decimal,
    passing_score: Decimal,
    weapon: str = "",
    instructor: Officer | None = None,
    instructor_name: str = "",
) -> QualificationEvent:
    """Record a firearms qualification shoot, passed or failed; audited."""
    require(acting_user, "training.record_qualification", officer)
    if qualified_on > officer.agency.today():
        raise ValidationError({"qualified_on": "A qualification cannot be dated in the future."})
    if instructor is not None and instructor.agency_id != officer.agency_id:
        raise ValidationError({"instructor": "The instructor belongs to another agency."})
    with transaction.atomic():
        event = QualificationEvent(
            officer=officer,
            qualified_on=qualified_on,
            weapon_type=weapon_type,
            weapon=weapon,
            course_of_fire=course_of_fire,
            score=score,
            max_score=max_score,
            passing_score=passing_score,
            instructor=instructor,
            instructor_name=instructor_name or (instructor.full_name if instructor else ""),
            entered_by=acting_user if getattr(acting_user, "pk", None) else None,
        )
        event.full_clean()
        if event.score > event.max_score:
            raise ValidationError({"score": "The score is above the course's maximum."})
        event.save()
        record_audit(
            actor=acting_user,
            action="qualification.create",
            obj=event,
            agency_id=officer.agency_id,
            after=snapshot(event),
        )
        refresh_compliance([officer])
    return event


def void_qualification(
    *, acting_user: Any, event: QualificationEvent, reason: str
) -> QualificationEvent:
    """Void a qualification with a reason; it stays in history. Audited."""
    require(acting_user, "training.record_qualification", event.officer)
    return _void(acting_user, event, reason, "qualification", "qualification.void")


# --- Calendar feeds ------------------------------------------------------------------------


def calendar_token_for(*, acting_user: Any, renew: bool = False) -> CalendarFeedToken:
    """The user's own calendar-feed secret, made on first use or renewed on request; audited.

    The audit row names the user, never the secret itself.
    """
    if getattr(acting_user, "pk", None) is None:
        raise PermissionDenied("Only a signed-in person has calendar feeds.")
    with transaction.atomic():
        current = CalendarFeedToken.objects.select_for_update().filter(user=acting_user).first()
        if current is not None and not renew:
            return current
        if current is not None:
            current.delete()
        token = CalendarFeedToken.objects.create(user=acting_user)
        record_audit(
            actor=acting_user,
            action="calendar.renew" if current is not None else "calendar.create",
            obj=token,
            after={"user": acting_user.pk},
        )
    return token
