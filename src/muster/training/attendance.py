"""Attendance: the rotating sign-in code, sign-ins (phone, kiosk, paper), closing a session,
and notices of absence (policy IV.A and IV.D).

Each member signs in for themselves only (IV.D.2). On a phone that means their own login plus a
code that the session's screen shows and changes every few seconds, so a code photographed
earlier or passed on to someone elsewhere no longer works; at a kiosk it means their own
username and password. Any attempt to sign in someone else is refused and audited.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from muster.compliance.services import deferred_refresh
from muster.core.audit import record_audit, snapshot
from muster.core.services import require
from muster.core.uploads import check_upload
from muster.people.models import Officer
from muster.training.models import (
    AbsenceNotice,
    Enrolment,
    EnrolmentStatus,
    Participation,
    RecordSource,
    Session,
    SessionStatus,
    SignIn,
    SignInMethod,
    TrainingRecord,
)
from muster.training.services import _promote_waiting, enrol_officer, record_training

# The code on the screen changes every CODE_STEP seconds; a scan is accepted with the current
# code or the one just before it, so a code works for at most two steps (20 seconds).
CODE_STEP = 10
CODE_STEPS_ACCEPTED = 2
# After a good scan the member has this long to finish signing in (their login may take a
# moment on a phone); the scan itself already proved they were in front of the screen.
TICKET_LIFETIME = dt.timedelta(minutes=5)
# Sign-in opens this long before the start, and stays open until the session ends.
SIGN_IN_OPENS_BEFORE = dt.timedelta(minutes=30)


# --- The rotating code ------------------------------------------------------------------------


def _step(at: dt.datetime) -> int:
    return int(at.timestamp()) // CODE_STEP


def _code_at_step(session: Session, step: int) -> str:
    key = f"{settings.SECRET_KEY}:{session.sign_in_key}".encode()
    digest = hmac.new(key, f"{session.pk}:{step}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:5]).decode()  # 8 characters, A-Z and 2-7


def current_code(session: Session, at: dt.datetime | None = None) -> str:
    """The code the session's screen shows now."""
    return _code_at_step(session, _step(at or timezone.now()))


def seconds_until_next_code(at: dt.datetime | None = None) -> int:
    """How long the code on the screen stays the same."""
    now = at or timezone.now()
    return CODE_STEP - int(now.timestamp()) % CODE_STEP


def code_is_current(session: Session, code: str, at: dt.datetime | None = None) -> bool:
    """Whether `code` is the code on the screen now or a moment ago."""
    step = _step(at or timezone.now())
    given = code.strip().upper().encode()
    return any(
        hmac.compare_digest(given, _code_at_step(session, step - back).encode())
        for back in range(CODE_STEPS_ACCEPTED)
    )


# --- Sign-in ----------------------------------------------------------------------------------


def _refuse(acting_user: Any, session: Session, officer: Officer | None, why: str) -> None:
    """Audit a refused sign-in in its own transaction (it must outlive the refusal)."""
    with transaction.atomic():
        record_audit(
            actor=acting_user,
            action="signin.refused",
            obj=session,
            agency_id=session.course.agency_id,
            after={"officer": officer.pk if officer else None, "session": session.pk},
            reason=why,
        )


def _late_minutes(session: Session, at: dt.datetime) -> int:
    return max(0, int((at - session.starts_at).total_seconds()) // 60)


def _check_open(session: Session, at: dt.datetime) -> None:
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(
            {"session": f"This session is {session.get_status_display().lower()}."}
        )
    if at < session.starts_at - SIGN_IN_OPENS_BEFORE:
        opens = timezone.localtime(session.starts_at - SIGN_IN_OPENS_BEFORE)
        raise ValidationError({"session": f"Sign-in opens at {opens:%H:%M} on {opens:%Y-%m-%d}."})
    if at > session.ends_at:
        raise ValidationError({"session": "The session has ended; sign-in is closed."})


def sign_in(
    *,
    acting_user: Any,
    session: Session,
    officer: Officer,
    method: str,
    at: dt.datetime | None = None,
) -> SignIn:
    """Sign a member in to a session, by the member themselves; audited.

    The acting user must be the officer: a member cannot sign for another (policy IV.D.2).
    Such an attempt is refused with PermissionDenied and leaves an audit row behind.
    """
    if method not in (SignInMethod.PHONE, SignInMethod.KIOSK):
        raise ValidationError({"method": "Paper sheets are recorded with record_paper_sheet."})
    if not getattr(acting_user, "is_authenticated", False):
        raise PermissionDenied("Sign in first.")
    if getattr(acting_user, "officer_id", None) != officer.pk:
        _refuse(acting_user, session, officer, "Tried to sign in another member.")
        raise PermissionDenied("Members sign in for themselves only; nobody may sign for another.")
    if officer.agency_id != session.course.agency_id:
        raise ValidationError({"officer": "This session is another agency's."})
    _refuse_instructors(session, [officer])
    now = at or timezone.now()
    _check_open(session, now)
    with transaction.atomic():
        existing = SignIn.objects.filter(session=session, officer=officer).first()
        if existing is not None:
            when = timezone.localtime(existing.signed_in_at)
            raise ValidationError({"officer": f"You signed in already, at {when:%H:%M}."})
        row = SignIn.objects.create(
            session=session,
            officer=officer,
            method=method,
            signed_in_at=now,
            recorded_by=acting_user,
            late_minutes=_late_minutes(session, now),
        )
        record_audit(
            actor=acting_user,
            action="signin.create",
            obj=row,
            agency_id=officer.agency_id,
            after=snapshot(row),
        )
    return row


def _refuse_instructors(session: Session, officers: Iterable[Officer]) -> None:
    """Instructors get instructor credit at closing; signing in as well would count twice."""
    teaching = set(session.instructors.values_list("pk", flat=True))
    names = [str(o) for o in officers if o.pk in teaching]
    if names:
        raise ValidationError(
            {
                "officer": f"{', '.join(names)} teaches this session; instructor credit is "
                "recorded when it closes, so there is no sign-in to make."
            }
        )


# After this many wrong passwords for one username at one session's kiosk within the window,
# the kiosk stops checking that username for the rest of the window.
KIOSK_MAX_FAILURES = 5
KIOSK_FAILURE_WINDOW = dt.timedelta(minutes=15)


def kiosk_locked(session: Session, username: str) -> bool:
    """Whether the kiosk has seen too many wrong passwords for `username` lately."""
    from muster.core.models import AuditEvent

    return (
        AuditEvent.objects.filter(
            action="signin.refused",
            object_type=session._meta.label_lower,
            object_id=str(session.pk),
            reason=_kiosk_reason(username),
            occurred_at__gte=timezone.now() - KIOSK_FAILURE_WINDOW,
        ).count()
        >= KIOSK_MAX_FAILURES
    )


def _kiosk_reason(username: str) -> str:
    return f"Kiosk sign-in with wrong credentials for '{username[:150]}'."


def refuse_unknown_officer(*, acting_user: Any, session: Session) -> NoReturn:
    """Audit and refuse a phone sign-in that names no existing officer."""
    _refuse(acting_user, session, None, "Tried to sign in an officer id that does not exist.")
    raise PermissionDenied("Members sign in for themselves only; nobody may sign for another.")


def refuse_kiosk_login(*, acting_user: Any, session: Session, username: str) -> None:
    """Audit a kiosk sign-in whose username and password did not match (the actor is the
    person running the kiosk)."""
    _refuse(acting_user, session, None, _kiosk_reason(username))


@dataclass(frozen=True)
class PaperLine:
    """One member's line on a paper sign-in sheet, as the instructor read it."""

    officer: Officer
    late_minutes: int = 0
    early_minutes: int = 0


def record_paper_sheet(
    *,
    acting_user: Any,
    session: Session,
    lines: Iterable[PaperLine],
    scan: Any,
) -> list[SignIn]:
    """Record who signed a session's paper sheet, with the sheet's scan attached; audited.

    For sessions held without devices. The members signed the paper themselves; the instructor
    (or Training Unit) transcribes it and the scan is kept as the evidence.
    """
    require(acting_user, "training.run_session", session)
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError({"session": "Only an open session takes sign-ins."})
    if session.paper_sheet:
        # One scan per session: a second would replace the evidence of the first batch.
        raise ValidationError(
            {
                "scan": "A scanned sheet is already attached to this session; members missing "
                "from it sign in at the kiosk or are entered by the Training Unit."
            }
        )
    check_upload(scan, field="scan")
    wanted = list(lines)
    if not wanted:
        raise ValidationError({"officers": "Tick the members who signed the sheet."})
    _refuse_instructors(session, [line.officer for line in wanted])
    duration = _duration_minutes(session)
    for line in wanted:
        if line.officer.agency_id != session.course.agency_id:
            raise ValidationError({"officers": f"{line.officer} is in another agency."})
        if line.late_minutes < 0 or line.early_minutes < 0:
            raise ValidationError({"officers": "Late and early minutes cannot be negative."})
        if line.late_minutes + line.early_minutes > duration:
            raise ValidationError(
                {"officers": f"{line.officer}: late plus early is longer than the session."}
            )
    already = SignIn.objects.filter(session=session, officer__in=[x.officer for x in wanted])
    if already.exists():
        names = ", ".join(str(s.officer) for s in already.select_related("officer"))
        raise ValidationError({"officers": f"Already signed in: {names}."})
    with transaction.atomic():
        # Re-read under a lock: a close or cancel that happened meanwhile must not be undone.
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.status != SessionStatus.SCHEDULED or locked.paper_sheet:
            raise ValidationError({"session": "The session changed meanwhile; reload the page."})
        before = snapshot(session)
        session.paper_sheet.save(getattr(scan, "name", "sheet"), scan, save=False)
        session.save(update_fields=["paper_sheet"])
        rows = []
        for line in wanted:
            row = SignIn.objects.create(
                session=session,
                officer=line.officer,
                method=SignInMethod.PAPER,
                signed_in_at=session.starts_at + dt.timedelta(minutes=line.late_minutes),
                recorded_by=acting_user,
                late_minutes=line.late_minutes,
                early_minutes=line.early_minutes,
            )
            record_audit(
                actor=acting_user,
                action="signin.paper",
                obj=row,
                agency_id=line.officer.agency_id,
                after=snapshot(row),
            )
            rows.append(row)
        record_audit(
            actor=acting_user,
            action="session.paper_sheet",
            obj=session,
            agency_id=session.course.agency_id,
            before=before,
            after=snapshot(session),
        )
    return rows


# --- Closing a session ------------------------------------------------------------------------


def _duration_minutes(session: Session) -> int:
    return int((session.ends_at - session.starts_at).total_seconds()) // 60


def credited_minutes(session: Session, late: int, early: int) -> int:
    """The course's minutes less the minutes missed by arriving late or leaving early."""
    return max(0, session.course.credit_minutes - late - early)


@dataclass(frozen=True)
class ClosedSession:
    """What closing a session produced."""

    session: Session
    records: list[TrainingRecord]
    no_shows: list[Officer]


def close_session(
    *,
    acting_user: Any,
    session: Session,
    departures: dict[int, tuple[int, int]] | None = None,
    at: dt.datetime | None = None,
) -> ClosedSession:
    """Close a session: every sign-in becomes a training record with the minutes attended,
    each instructor gets instructor credit, and the officers' compliance changes; audited.

    `departures` maps a sign-in's id to its (late, early) minutes as corrected at closing.
    """
    require(acting_user, "training.run_session", session)
    now = at or timezone.now()
    if now < session.starts_at:
        raise ValidationError({"session": "A session cannot be closed before it starts."})
    departures = departures or {}
    duration = _duration_minutes(session)
    for late, early in departures.values():
        if late < 0 or early < 0:
            raise ValidationError({"departures": "Late and early minutes cannot be negative."})
        if late + early > duration:
            raise ValidationError({"departures": "Late plus early is longer than the session."})
    course = session.course
    completed_on = session.ends_at.astimezone(course.agency.zone).date()
    with transaction.atomic(), deferred_refresh():
        before = snapshot(session)
        changed = Session.objects.filter(pk=session.pk, status=SessionStatus.SCHEDULED).update(
            status=SessionStatus.CLOSED, closed_at=now, closed_by=acting_user
        )
        if not changed:
            raise ValidationError({"session": "This session is not open; it cannot be closed."})
        session.refresh_from_db()
        records = []
        teaching = set(session.instructors.values_list("pk", flat=True))
        sign_ins = list(session.sign_ins.select_related("officer__agency").order_by("pk"))
        for row in sign_ins:
            if row.pk in departures:
                late, early = departures[row.pk]
                if (late, early) != (row.late_minutes, row.early_minutes):
                    row_before = snapshot(row)
                    row.late_minutes, row.early_minutes = late, early
                    row.save(update_fields=["late_minutes", "early_minutes"])
                    record_audit(
                        actor=acting_user,
                        action="signin.adjust",
                        obj=row,
                        agency_id=row.officer.agency_id,
                        before=row_before,
                        after=snapshot(row),
                    )
            minutes = credited_minutes(session, row.late_minutes, row.early_minutes)
            if minutes == 0 or row.officer_id in teaching:
                continue  # instructors are credited below, once
            records.append(
                record_training(
                    acting_user=acting_user,
                    officer=row.officer,
                    completed_on=completed_on,
                    source=RecordSource.SIGN_IN,
                    course=course,
                    session=session,
                    minutes=minutes,
                    location=session.location,
                    instructor_name=", ".join(i.full_name for i in session.instructors.all()),
                    reason=_attendance_note(row),
                )
            )
        for teacher in session.instructors.all():
            records.append(
                record_training(
                    acting_user=acting_user,
                    officer=teacher,
                    completed_on=completed_on,
                    source=RecordSource.SIGN_IN,
                    course=course,
                    session=session,
                    participation=Participation.INSTRUCTOR,
                    minutes=course.credit_minutes,
                    location=session.location,
                    instructor_name=teacher.full_name,
                    reason="Instructor credit recorded when the session closed.",
                )
            )
        signed = {row.officer_id for row in sign_ins}
        no_shows = [
            e.officer
            for e in session.enrolments.filter(status=EnrolmentStatus.ENROLLED)
            .select_related("officer")
            .order_by("officer__last_name")
            if e.officer_id not in signed
        ]
        record_audit(
            actor=acting_user,
            action="session.close",
            obj=session,
            agency_id=course.agency_id,
            before=before,
            after=snapshot(session) | {"records": [r.pk for r in records]},
        )
    return ClosedSession(session=session, records=records, no_shows=no_shows)


def _attendance_note(row: SignIn) -> str:
    parts = [f"Signed in by {row.get_method_display().lower()}"]
    if row.late_minutes:
        parts.append(f"arrived {row.late_minutes} min late")
    if row.early_minutes:
        parts.append(f"left {row.early_minutes} min early")
    return "; ".join(parts) + "."


# --- Absence (policy IV.A) --------------------------------------------------------------------


def notify_absence(*, acting_user: Any, session: Session, reason: str) -> AbsenceNotice:
    """A member tells their supervisor they cannot attend a session; their place is freed."""
    officer = getattr(acting_user, "officer", None)
    if officer is None:
        raise PermissionDenied("Only a member enrolled in the session can give notice.")
    enrolment = (
        Enrolment.objects.filter(
            session=session,
            officer=officer,
            status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED],
        )
        .select_related("officer")
        .first()
    )
    if enrolment is None:
        raise ValidationError({"session": "You are not enrolled in this session."})
    if session.status != SessionStatus.SCHEDULED or session.ends_at <= timezone.now():
        raise ValidationError({"session": "This session is no longer open."})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say briefly why you cannot attend."})
    if SignIn.objects.filter(session=session, officer=officer).exists():
        raise ValidationError({"session": "You have signed in to this session already."})
    if AbsenceNotice.objects.filter(session=session, officer=officer).exists():
        raise ValidationError({"session": "You have given notice for this session already."})
    with transaction.atomic():
        notice = AbsenceNotice.objects.create(session=session, officer=officer, reason=reason)
        before = snapshot(enrolment)
        enrolment.status = EnrolmentStatus.ABSENT
        enrolment.save(update_fields=["status"])
        record_audit(
            actor=acting_user,
            action="absence.notify",
            obj=notice,
            agency_id=officer.agency_id,
            after=snapshot(notice),
        )
        record_audit(
            actor=acting_user,
            action="enrolment.absent",
            obj=enrolment,
            agency_id=officer.agency_id,
            before=before,
            after=snapshot(enrolment),
        )
        _promote_waiting(session, acting_user)
        transaction.on_commit(lambda: _mail_supervisors(notice))
    return notice


def _mail_supervisors(notice: AbsenceNotice) -> None:
    from muster.training.notifications import absence_notified

    absence_notified(notice)


def acknowledge_absence(*, acting_user: Any, notice: AbsenceNotice) -> AbsenceNotice:
    """The member's supervisor marks the notice as seen; audited."""
    require(acting_user, "training.acknowledge_absence", notice.officer)
    if getattr(acting_user, "officer_id", None) == notice.officer_id:
        raise PermissionDenied("A notice of absence is seen by someone other than its author.")
    with transaction.atomic():
        before = snapshot(notice)
        changed = AbsenceNotice.objects.filter(pk=notice.pk, seen_at__isnull=True).update(
            seen_by=acting_user, seen_at=timezone.now()
        )
        if not changed:
            raise ValidationError({"notice": "This notice has already been seen."})
        notice.refresh_from_db()
        record_audit(
            actor=acting_user,
            action="absence.seen",
            obj=notice,
            agency_id=notice.officer.agency_id,
            before=before,
            after=snapshot(notice),
        )
    return notice


def request_new_date(*, acting_user: Any, notice: AbsenceNotice, note: str = "") -> AbsenceNotice:
    """The member asks the Training Unit for a new date (policy IV.A.1); audited."""
    if getattr(acting_user, "officer_id", None) != notice.officer_id:
        raise PermissionDenied("Only the member can ask for their own new date.")
    if notice.rescheduled_to_id is not None:
        raise ValidationError({"notice": "A new date has already been given."})
    with transaction.atomic():
        before = snapshot(notice)
        notice.new_date_requested_at = timezone.now()
        notice.new_date_note = note.strip()
        notice.save(update_fields=["new_date_requested_at", "new_date_note"])
        record_audit(
            actor=acting_user,
            action="absence.request_new_date",
            obj=notice,
            agency_id=notice.officer.agency_id,
            before=before,
            after=snapshot(notice),
        )
    return notice


def offer_new_session(
    *, acting_user: Any, notice: AbsenceNotice, session: Session
) -> AbsenceNotice:
    """The Training Unit enrols the member in another session of the course (IV.A.2)."""
    require(acting_user, "training.manage_sessions", session)
    if notice.rescheduled_to_id is not None:
        raise ValidationError({"session": "This member already has a new date."})
    if session.course_id != notice.session.course_id:
        raise ValidationError({"session": "Offer a session of the same course."})
    if session.pk == notice.session_id:
        raise ValidationError({"session": "Offer a different session from the one missed."})
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= timezone.now():
        raise ValidationError({"session": "Offer a scheduled session that has not started."})
    with transaction.atomic():
        enrol_officer(acting_user=acting_user, session=session, officer=notice.officer)
        before = snapshot(notice)
        notice.rescheduled_to = session
        notice.rescheduled_by = acting_user
        notice.rescheduled_at = timezone.now()
        notice.save(update_fields=["rescheduled_to", "rescheduled_by", "rescheduled_at"])
        record_audit(
            actor=acting_user,
            action="absence.reschedule",
            obj=notice,
            agency_id=notice.officer.agency_id,
            before=before,
            after=snapshot(notice),
        )
        transaction.on_commit(lambda: _mail_new_date(notice))
    return notice


def _mail_new_date(notice: AbsenceNotice) -> None:
    from muster.training.notifications import new_date_offered

    new_date_offered(notice)
