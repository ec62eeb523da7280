"""Sign-in, the rotating code, paper sheets, closing a session and notices of absence."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from muster.accounts.models import Role
from muster.compliance.models import ComplianceSnapshot
from muster.core.models import AuditEvent
from muster.training import attendance
from muster.training.models import (
    AbsenceNotice,
    CourseReview,
    EnrolmentStatus,
    Participation,
    RecordSource,
    ReviewDecision,
    ReviewKind,
    SessionStatus,
    SignIn,
    SignInMethod,
    TrainingRecord,
)
from muster.training.services import (
    cancel_enrolment,
    enrol_officer,
    record_training,
    schedule_session,
    update_session,
)
from tests.conftest import member
from tests.factories import CourseFactory, MembershipFactory, SessionFactory, UserFactory

START = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)  # 09:00 in Missouri
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def course(world):
    return CourseFactory(
        agency=world.agency,
        title="Racial Profiling",
        credit_minutes=120,
        category="interpersonal_perspectives",
        post_certified=True,
        post_certification_number="MO-7",
    )


@pytest.fixture
def session(world, course):
    session = SessionFactory(
        course=course, starts_at=START, ends_at=START + dt.timedelta(hours=2), capacity=2
    )
    for officer in (world.officer, world.colleague):
        enrol_officer(acting_user=world.training_user, session=session, officer=officer)
    return session


def at(minutes: int) -> dt.datetime:
    return START + dt.timedelta(minutes=minutes)


# --- The rotating code ---------------------------------------------------------------------


def test_the_code_works_only_while_it_is_on_the_screen(session):
    shown = attendance.current_code(session, at(0))
    assert attendance.code_is_current(session, shown, at(0))
    # A moment later (the next code is up) the one just shown still works ...
    assert attendance.code_is_current(session, shown, at(0) + dt.timedelta(seconds=10))
    # ... but a photo of it is useless half a minute later.
    assert not attendance.code_is_current(session, shown, at(0) + dt.timedelta(seconds=30))
    assert attendance.current_code(session, at(0) + dt.timedelta(seconds=10)) != shown


def test_a_code_of_one_session_does_not_open_another(world, session, course):
    other = SessionFactory(course=course, starts_at=START, ends_at=at(120))
    code = attendance.current_code(session, at(0))
    assert not attendance.code_is_current(other, code, at(0))
    assert attendance.code_is_current(session, code.lower(), at(0))  # typed in small letters


# --- Sign-in -------------------------------------------------------------------------------


def test_a_member_signs_in_themselves_and_lateness_is_kept(world, session):
    row = attendance.sign_in(
        acting_user=world.officer_user,
        session=session,
        officer=world.officer,
        method=SignInMethod.PHONE,
        at=at(17),
    )
    assert row.late_minutes == 17
    assert row.recorded_by == world.officer_user
    assert AuditEvent.objects.filter(action="signin.create", object_id=str(row.pk)).exists()


def test_nobody_can_sign_in_another_member_and_the_attempt_is_audited(world, session):
    with pytest.raises(PermissionDenied, match="for themselves only"):
        attendance.sign_in(
            acting_user=world.officer_user,
            session=session,
            officer=world.colleague,
            method=SignInMethod.PHONE,
            at=at(0),
        )
    assert not SignIn.objects.exists()
    refusal = AuditEvent.objects.get(action="signin.refused")
    assert refusal.actor_id == world.officer_user.pk
    assert refusal.after["officer"] == world.colleague.pk


def test_training_staff_cannot_sign_in_a_member_either(world, session):
    with pytest.raises(PermissionDenied):
        attendance.sign_in(
            acting_user=world.training_user,
            session=session,
            officer=world.officer,
            method=SignInMethod.KIOSK,
            at=at(0),
        )
    assert not SignIn.objects.exists()


@pytest.mark.parametrize(
    ("minutes", "message"),
    [(-31, "Sign-in opens"), (121, "has ended")],
)
def test_sign_in_is_open_from_half_an_hour_before_until_the_end(world, session, minutes, message):
    with pytest.raises(ValidationError, match=message):
        attendance.sign_in(
            acting_user=world.officer_user,
            session=session,
            officer=world.officer,
            method=SignInMethod.PHONE,
            at=at(minutes),
        )
    assert not SignIn.objects.exists()


def test_a_member_signs_in_once(world, session):
    kwargs = {
        "acting_user": world.officer_user,
        "session": session,
        "officer": world.officer,
        "method": SignInMethod.PHONE,
    }
    attendance.sign_in(**kwargs, at=at(0))
    with pytest.raises(ValidationError, match="already"):
        attendance.sign_in(**kwargs, at=at(5))
    assert SignIn.objects.count() == 1


# --- Paper -------------------------------------------------------------------------------


def test_the_instructor_records_the_paper_sheet_with_its_scan(world, session):
    lines = [
        attendance.PaperLine(world.officer, late_minutes=10),
        attendance.PaperLine(world.colleague, early_minutes=30),
    ]
    scan = SimpleUploadedFile("sheet.pdf", PDF, content_type="application/pdf")
    rows = attendance.record_paper_sheet(
        acting_user=world.training_user, session=session, lines=lines, scan=scan
    )
    assert {(r.officer, r.method, r.late_minutes, r.early_minutes) for r in rows} == {
        (world.officer, SignInMethod.PAPER, 10, 0),
        (world.colleague, SignInMethod.PAPER, 0, 30),
    }
    session.refresh_from_db()
    assert session.paper_sheet.name
    with session.paper_sheet.open("rb") as handle:
        assert handle.read() == PDF


def test_a_paper_sheet_needs_a_real_scan_and_a_runner(world, session):
    fake = SimpleUploadedFile("sheet.pdf", b"just some text", content_type="application/pdf")
    with pytest.raises(ValidationError, match=r"sheet\.pdf is not a PDF, PNG or JPEG"):
        attendance.record_paper_sheet(
            acting_user=world.training_user,
            session=session,
            lines=[attendance.PaperLine(world.officer)],
            scan=fake,
        )
    with pytest.raises(PermissionDenied):
        attendance.record_paper_sheet(
            acting_user=world.officer_user,
            session=session,
            lines=[attendance.PaperLine(world.officer)],
            scan=SimpleUploadedFile("sheet.pdf", PDF),
        )
    assert not SignIn.objects.exists()


# --- Closing -------------------------------------------------------------------------------


def _snapshot_hours(officer):
    day = START.date()
    snap = ComplianceSnapshot.objects.filter(
        officer=officer, period_start__lte=day, period_end__gte=day
    ).first()
    return snap.credited_hours if snap else None


def test_closing_turns_sign_ins_into_records_and_changes_compliance(world, session):
    instructor = world.traffic_officer
    session.instructors.set([instructor])
    attendance.sign_in(
        acting_user=world.officer_user,
        session=session,
        officer=world.officer,
        method=SignInMethod.PHONE,
        at=at(-5),
    )
    late = attendance.sign_in(
        acting_user=UserFactory(officer=world.colleague),
        session=session,
        officer=world.colleague,
        method=SignInMethod.KIOSK,
        at=at(20),
    )
    before = _snapshot_hours(world.officer)

    with time_machine.travel(at(125), tick=False):
        closed = attendance.close_session(
            acting_user=world.training_user, session=session, departures={late.pk: (20, 10)}
        )

    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    records = {
        (r.officer_id, r.participation): r for r in TrainingRecord.objects.filter(session=session)
    }
    assert records[(world.officer.pk, Participation.ATTENDEE)].minutes == 120
    assert records[(world.colleague.pk, Participation.ATTENDEE)].minutes == 90  # 20 late, 10 early
    assert records[(instructor.pk, Participation.INSTRUCTOR)].minutes == 120
    assert all(r.source == RecordSource.SIGN_IN for r in records.values())
    assert all(r.course_code == session.course.course_id for r in records.values())
    assert len(closed.records) == 3
    # 120 minutes at 50 minutes an hour is 2.4 credit hours.
    assert _snapshot_hours(world.officer) is not None
    assert _snapshot_hours(world.officer) > (before or 0)
    assert AuditEvent.objects.filter(action="signin.adjust", object_id=str(late.pk)).exists()

    with pytest.raises(ValidationError, match="not open"):
        attendance.close_session(acting_user=world.training_user, session=session)
    assert TrainingRecord.objects.filter(session=session).count() == 3


def test_enrolled_members_who_did_not_sign_in_are_reported_not_credited(world, session):
    with time_machine.travel(at(125), tick=False):
        closed = attendance.close_session(acting_user=world.training_user, session=session)
    assert set(closed.no_shows) == {world.officer, world.colleague}
    assert not TrainingRecord.objects.filter(session=session).exists()


def test_closing_is_refused_before_the_start_and_for_bad_minutes(world, session):
    row = attendance.sign_in(
        acting_user=world.officer_user,
        session=session,
        officer=world.officer,
        method=SignInMethod.PHONE,
        at=at(0),
    )
    with time_machine.travel(at(-10), tick=False), pytest.raises(ValidationError):
        attendance.close_session(acting_user=world.training_user, session=session)
    with time_machine.travel(at(130), tick=False), pytest.raises(ValidationError, match="longer"):
        attendance.close_session(
            acting_user=world.training_user, session=session, departures={row.pk: (100, 30)}
        )
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    assert not TrainingRecord.objects.exists()


def test_the_sessions_instructor_may_close_it_but_another_officer_may_not(world, session):
    instructor_user = UserFactory(officer=world.traffic_officer)
    session.instructors.set([world.traffic_officer])
    with time_machine.travel(at(125), tick=False):
        with pytest.raises(PermissionDenied):
            attendance.close_session(acting_user=world.officer_user, session=session)
        attendance.close_session(acting_user=instructor_user, session=session)
    assert TrainingRecord.objects.get(session=session).participation == Participation.INSTRUCTOR


# --- Scheduling and enrolment --------------------------------------------------------------


def test_a_legal_course_is_scheduled_only_after_counsel_and_hr_review(world, course):
    course.needs_legal_review = True
    course.save()

    def schedule():
        return schedule_session(
            acting_user=world.training_user,
            course=course,
            starts_at=START,
            ends_at=at(60),
            location="Academy",
        )

    with pytest.raises(ValidationError, match="General Counsel and Human Resources"):
        schedule()
    counsel = member(Role.COUNSEL_HR, world.agency)
    CourseReview.objects.create(
        course=course, kind=ReviewKind.COUNSEL, decision=ReviewDecision.APPROVED, reviewer=counsel
    )
    with pytest.raises(ValidationError, match="Human Resources"):
        schedule()
    CourseReview.objects.create(
        course=course,
        kind=ReviewKind.HR,
        decision=ReviewDecision.APPROVED,
        reviewer=member(Role.COUNSEL_HR, world.agency),
    )
    assert schedule().course == course


def test_a_freed_place_goes_to_the_first_on_the_waiting_list(world, session):
    waiting = enrol_officer(
        acting_user=world.training_user, session=session, officer=world.traffic_officer
    )
    assert waiting.status == EnrolmentStatus.WAITLISTED
    first = session.enrolments.get(officer=world.officer)
    cancel_enrolment(acting_user=world.training_user, enrolment=first)
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.ENROLLED
    assert AuditEvent.objects.filter(action="enrolment.promote").count() == 1


# --- Absence (IV.A) --------------------------------------------------------------------------


def test_absence_runs_from_notice_to_a_new_date(
    world, session, course, django_capture_on_commit_callbacks
):
    world.supervisor_user.email = "sergeant@example.org"
    world.supervisor_user.save()
    waiting = enrol_officer(
        acting_user=world.training_user, session=session, officer=world.traffic_officer
    )
    with time_machine.travel(at(-24 * 60), tick=False):
        with pytest.raises(ValidationError, match="why"):
            attendance.notify_absence(acting_user=world.officer_user, session=session, reason=" ")
        with django_capture_on_commit_callbacks(execute=True):
            notice = attendance.notify_absence(
                acting_user=world.officer_user, session=session, reason="Court subpoena"
            )
    # The place is freed and the supervisor is told.
    assert session.enrolments.get(officer=world.officer).status == EnrolmentStatus.ABSENT
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.ENROLLED
    assert [m.to for m in mail.outbox] == [["sergeant@example.org"]]
    assert "Court subpoena" in mail.outbox[0].body

    with pytest.raises(PermissionDenied):  # a colleague is not the supervisor
        attendance.acknowledge_absence(acting_user=world.custodian_user, notice=notice)
    attendance.acknowledge_absence(acting_user=world.supervisor_user, notice=notice)
    with pytest.raises(PermissionDenied):  # only the member asks for their new date
        attendance.request_new_date(acting_user=world.supervisor_user, notice=notice)
    attendance.request_new_date(acting_user=world.officer_user, notice=notice, note="Days only")

    later = SessionFactory(
        course=course, starts_at=START + dt.timedelta(days=14), ends_at=at(14 * 24 * 60 + 120)
    )
    other_course = SessionFactory(
        course=CourseFactory(agency=world.agency),
        starts_at=START + dt.timedelta(days=14),
        ends_at=at(14 * 24 * 60 + 120),
    )
    with time_machine.travel(at(-24 * 60), tick=False):
        with pytest.raises(ValidationError, match="same course"):
            attendance.offer_new_session(
                acting_user=world.training_user, notice=notice, session=other_course
            )
        with pytest.raises(PermissionDenied):
            attendance.offer_new_session(
                acting_user=world.officer_user, notice=notice, session=later
            )
        world.officer_user.email = "dana@example.org"
        world.officer_user.save()
        with django_capture_on_commit_callbacks(execute=True):
            attendance.offer_new_session(
                acting_user=world.training_user, notice=notice, session=later
            )
    assert mail.outbox[-1].to == ["dana@example.org"]
    assert later.location in mail.outbox[-1].body
    notice.refresh_from_db()
    assert notice.rescheduled_to == later
    assert notice.stage == "Rescheduled"
    assert later.enrolments.get(officer=world.officer).status == EnrolmentStatus.ENROLLED
    actions = list(
        AuditEvent.objects.filter(action__startswith="absence.").values_list("action", flat=True)
    )
    assert sorted(actions) == sorted(
        ["absence.notify", "absence.seen", "absence.request_new_date", "absence.reschedule"]
    )


def test_only_an_enrolled_member_can_give_notice(world, session):
    stranger = UserFactory(officer=world.traffic_officer)
    with time_machine.travel(at(-60), tick=False), pytest.raises(ValidationError):
        attendance.notify_absence(acting_user=stranger, session=session, reason="Sick")
    assert not AbsenceNotice.objects.exists()


def test_an_instructor_does_not_sign_in_to_their_own_session(world, session):
    teacher_user = UserFactory(officer=world.traffic_officer)
    session.instructors.set([world.traffic_officer])
    with pytest.raises(ValidationError, match="teaches this session"):
        attendance.sign_in(
            acting_user=teacher_user,
            session=session,
            officer=world.traffic_officer,
            method=SignInMethod.PHONE,
            at=at(0),
        )
    with pytest.raises(ValidationError, match="teaches this session"):
        attendance.record_paper_sheet(
            acting_user=world.training_user,
            session=session,
            lines=[attendance.PaperLine(world.traffic_officer)],
            scan=SimpleUploadedFile("sheet.pdf", PDF),
        )
    assert not SignIn.objects.exists()


def test_an_instructor_added_after_signing_in_is_credited_once(world, session):
    teacher_user = UserFactory(officer=world.traffic_officer)
    attendance.sign_in(
        acting_user=teacher_user,
        session=session,
        officer=world.traffic_officer,
        method=SignInMethod.PHONE,
        at=at(0),
    )
    session.instructors.set([world.traffic_officer])
    with time_machine.travel(at(125), tick=False):
        attendance.close_session(acting_user=world.training_user, session=session)
    rows = list(
        TrainingRecord.objects.filter(officer=world.traffic_officer).values_list(
            "participation", flat=True
        )
    )
    assert rows == [Participation.INSTRUCTOR]


def test_a_second_paper_batch_cannot_replace_the_first_scan(world, session):
    attendance.record_paper_sheet(
        acting_user=world.training_user,
        session=session,
        lines=[attendance.PaperLine(world.officer)],
        scan=SimpleUploadedFile("first.pdf", PDF),
    )
    with pytest.raises(ValidationError, match="already attached"):
        attendance.record_paper_sheet(
            acting_user=world.training_user,
            session=session,
            lines=[attendance.PaperLine(world.colleague)],
            scan=SimpleUploadedFile("second.pdf", PDF),
        )
    session.refresh_from_db()
    assert session.paper_sheet.name.endswith(".pdf")
    assert "first" in session.paper_sheet.name
    assert SignIn.objects.count() == 1


def test_a_supervisor_does_not_mark_their_own_notice_seen(world, session):
    sergeant = UserFactory(officer=world.traffic_officer)
    MembershipFactory(user=sergeant, role=Role.SUPERVISOR, agency=world.agency, unit=world.traffic)
    enrol_officer(acting_user=world.training_user, session=session, officer=world.traffic_officer)
    with time_machine.travel(at(-60), tick=False):
        notice = attendance.notify_absence(acting_user=sergeant, session=session, reason="Court")
    with pytest.raises(PermissionDenied):
        attendance.acknowledge_absence(acting_user=sergeant, notice=notice)
    notice.refresh_from_db()
    assert notice.seen_at is None


def test_notice_is_given_once_and_not_after_signing_in(world, session):
    with time_machine.travel(at(-60), tick=False):
        attendance.notify_absence(acting_user=world.officer_user, session=session, reason="Sick")
        # The Training Unit puts the member back on the roster; a second notice is refused.
        enrolment = session.enrolments.get(officer=world.officer)
        cancel_enrolment(acting_user=world.training_user, enrolment=enrolment)
        enrol_officer(acting_user=world.training_user, session=session, officer=world.officer)
        with pytest.raises(ValidationError, match="already"):
            attendance.notify_absence(
                acting_user=world.officer_user, session=session, reason="Sick again"
            )
    colleague_user = UserFactory(officer=world.colleague)
    attendance.sign_in(
        acting_user=colleague_user,
        session=session,
        officer=world.colleague,
        method=SignInMethod.PHONE,
        at=at(1),
    )
    with time_machine.travel(at(2), tick=False), pytest.raises(ValidationError, match="signed in"):
        attendance.notify_absence(acting_user=colleague_user, session=session, reason="Leaving")
    assert AbsenceNotice.objects.count() == 1


def test_a_session_is_moved_and_more_places_move_the_waiting_list_up(world, session):
    waiting = enrol_officer(
        acting_user=world.training_user, session=session, officer=world.traffic_officer
    )
    assert waiting.status == EnrolmentStatus.WAITLISTED
    later = START + dt.timedelta(days=1)
    update_session(
        acting_user=world.training_user,
        session=session,
        starts_at=later,
        ends_at=later + dt.timedelta(hours=2),
        location="Range 3",
        capacity=3,
        instructors=[],
    )
    session.refresh_from_db()
    waiting.refresh_from_db()
    assert (session.starts_at, session.location) == (later, "Range 3")
    assert waiting.status == EnrolmentStatus.ENROLLED
    event = AuditEvent.objects.get(action="session.update")
    assert event.before["location"] == "Training Center"
    assert event.after["location"] == "Range 3"


def test_changing_a_session_is_for_the_training_unit_and_only_while_scheduled(world, session):
    kwargs = {
        "session": session,
        "starts_at": START,
        "ends_at": at(120),
        "location": "Elsewhere",
        "capacity": None,
        "instructors": [],
    }
    with pytest.raises(PermissionDenied):
        update_session(acting_user=world.officer_user, **kwargs)
    with pytest.raises(ValidationError, match="end after"):
        update_session(acting_user=world.training_user, **kwargs | {"ends_at": START})
    attendance.sign_in(
        acting_user=world.officer_user,
        session=session,
        officer=world.officer,
        method=SignInMethod.PHONE,
        at=at(0),
    )
    with pytest.raises(ValidationError, match="signed in as an attendee"):
        update_session(acting_user=world.training_user, **kwargs | {"instructors": [world.officer]})
    with time_machine.travel(at(125), tick=False):
        attendance.close_session(acting_user=world.training_user, session=session)
    with pytest.raises(ValidationError, match="Only a scheduled session"):
        update_session(acting_user=world.training_user, **kwargs)
    session.refresh_from_db()
    assert session.location == "Training Center"


def test_running_a_session_credits_only_who_was_there(world, session):
    teacher_user = UserFactory(officer=world.traffic_officer)
    session.instructors.set([world.traffic_officer])
    with pytest.raises(ValidationError, match="neither signed in to nor taught it"):
        record_training(
            acting_user=teacher_user,
            officer=world.officer,
            completed_on=START.date(),
            source=RecordSource.SIGN_IN,
            course=session.course,
            session=session,
        )
    with pytest.raises(PermissionDenied):  # nor anything by hand
        record_training(
            acting_user=teacher_user,
            officer=world.officer,
            completed_on=START.date(),
            source=RecordSource.MANUAL,
            course=session.course,
        )
    assert not TrainingRecord.objects.exists()
