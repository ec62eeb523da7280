"""The session pages: scheduling, the sign-in code, phone and kiosk sign-in, paper, closing,
absence and the calendar feeds, each for the roles that use them and refused to the rest."""

from __future__ import annotations

import datetime as dt
import io

import pypdfium2
import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from muster.core.models import AuditEvent
from muster.training import attendance
from muster.training.models import (
    AbsenceNotice,
    CalendarFeedToken,
    EnrolmentStatus,
    Session,
    SessionStatus,
    SignIn,
    SignInMethod,
    TrainingRecord,
)
from muster.training.services import enrol_officer
from tests.factories import CourseFactory, MembershipFactory, SessionFactory, UserFactory

START = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)  # 09:00 in Missouri
PASSWORD = "correct horse battery"


@pytest.fixture
def session(world):
    course = CourseFactory(agency=world.agency, title="Use of Force Update", credit_minutes=120)
    session = SessionFactory(course=course, starts_at=START, ends_at=START + dt.timedelta(hours=2))
    for officer in (world.officer, world.colleague):
        enrol_officer(acting_user=world.training_user, session=session, officer=officer)
    return session


@pytest.fixture
def in_session():
    with time_machine.travel(START + dt.timedelta(minutes=3), tick=False):
        yield


def test_training_staff_schedule_a_session_in_local_time(client, world):
    course = CourseFactory(agency=world.agency)
    client.force_login(world.training_user)
    response = client.post(
        reverse("session-new"),
        {
            "course": course.pk,
            "day": "2026-12-03",
            "starts": "08:00",
            "ends": "12:00",
            "location": "Range 2",
            "capacity": "12",
            "instructors": [world.traffic_officer.pk],
        },
    )
    session = Session.objects.get(course=course)
    assert response.status_code == 302
    assert response["Location"] == reverse("session-detail", args=[session.pk])
    # 08:00 in America/Chicago is 14:00 UTC in December.
    assert session.starts_at == dt.datetime(2026, 12, 3, 14, 0, tzinfo=dt.UTC)
    assert list(session.instructors.all()) == [world.traffic_officer]


def test_scheduling_errors_name_the_field_and_create_nothing(client, world):
    course = CourseFactory(agency=world.agency, needs_legal_review=True)
    client.force_login(world.training_user)
    data = {"course": course.pk, "day": "2026-12-03", "starts": "12:00", "ends": "08:00"}
    response = client.post(reverse("session-new"), data | {"location": "Range"})
    assert response.status_code == 200
    assert "The session must end after it starts." in response.content.decode()
    response = client.post(reverse("session-new"), data | {"ends": "13:00", "location": "R"})
    assert "needs the review of General Counsel and Human Resources" in response.content.decode()
    assert not Session.objects.exists()


def test_officers_cannot_schedule_or_run_sessions(client, world, session):
    client.force_login(world.officer_user)
    assert client.get(reverse("session-new")).status_code == 403
    for name in ("session-code", "session-kiosk", "session-close", "session-paper"):
        assert client.get(reverse(name, args=[session.pk])).status_code == 403, name
    # The officer sees the session and their own place, not the roster.
    page = client.get(reverse("session-detail", args=[session.pk])).content.decode()
    assert "Enrolled" in page
    assert world.colleague.full_name not in page


def test_another_agencys_session_is_not_found(client, world):
    theirs = SessionFactory(course=CourseFactory(agency=world.other_agency))
    client.force_login(world.training_user)
    for name in ("session-detail", "session-code", "session-close", "session-sheet"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404, name


def test_the_code_screen_shows_a_qr_code_of_the_current_code(client, world, session, in_session):
    client.force_login(world.training_user)
    page = client.get(reverse("session-code", args=[session.pk])).content.decode()
    code = attendance.current_code(session)
    assert "<svg" in page
    assert code in page
    fragment = client.get(reverse("session-code-current", args=[session.pk])).content.decode()
    assert code in fragment
    assert "<html" not in fragment


def test_a_member_signs_in_from_their_phone_by_scanning_the_code(client, world, session):
    url = reverse("session-sign-in", args=[session.pk])
    with time_machine.travel(START + dt.timedelta(minutes=12), tick=False):
        code = attendance.current_code(session)
        # Scanned before signing in to Muster on the phone: the scan is remembered ...
        response = client.get(url, {"code": code})
        assert response.status_code == 302
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    # ... for a few minutes, while the member logs in.
    with time_machine.travel(START + dt.timedelta(minutes=14), tick=False):
        client.force_login(world.officer_user)
        page = client.get(url).content.decode()
        assert "You are signing in as <strong>Dana Reyes</strong>" in page
        response = client.post(url, {"officer": world.officer.pk})
    assert response.status_code == 200
    row = SignIn.objects.get()
    assert (row.officer, row.method, row.late_minutes) == (world.officer, SignInMethod.PHONE, 14)


def test_an_old_code_is_refused(client, world, session):
    with time_machine.travel(START, tick=False):
        code = attendance.current_code(session)
    client.force_login(world.officer_user)
    url = reverse("session-sign-in", args=[session.pk])
    with time_machine.travel(START + dt.timedelta(seconds=45), tick=False):
        response = client.get(url, {"code": code})
        assert response.status_code == 400
        assert "expired" in response.content.decode()
        # Without a good scan there is no sign-in form at all.
        assert client.post(url, {"officer": world.officer.pk}).status_code == 400
    assert not SignIn.objects.exists()


def test_signing_in_someone_else_from_a_phone_is_refused_and_audited(client, world, session):
    url = reverse("session-sign-in", args=[session.pk])
    client.force_login(world.officer_user)
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        client.get(url, {"code": attendance.current_code(session)})
        response = client.post(url, {"officer": world.colleague.pk})
    assert response.status_code == 403
    assert "nobody may sign for another" in response.content.decode()
    assert not SignIn.objects.exists()
    assert AuditEvent.objects.filter(action="signin.refused", actor=world.officer_user).exists()


def test_the_kiosk_takes_each_members_own_credentials(client, world, session, in_session):
    client.force_login(world.training_user)
    url = reverse("session-kiosk", args=[session.pk])
    response = client.post(url, {"username": "dana", "password": "wrong"})
    assert response.status_code == 403
    assert not SignIn.objects.exists()
    assert AuditEvent.objects.filter(action="signin.refused").count() == 1

    response = client.post(url, {"username": "dana", "password": PASSWORD})
    assert response.status_code == 302
    row = SignIn.objects.get()
    assert (row.officer, row.method, row.recorded_by) == (
        world.officer,
        SignInMethod.KIOSK,
        world.officer_user,
    )
    # The kiosk never logs the member in: the browser still belongs to the training user.
    assert client.get(reverse("home")).context["user"] == world.training_user


def test_the_paper_sheet_prints_the_roster(client, world, session):
    client.force_login(world.training_user)
    response = client.get(reverse("session-sheet", args=[session.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    document = pypdfium2.PdfDocument(io.BytesIO(response.content))
    text = document[0].get_textpage().get_text_range()
    assert "Dana" in text
    assert world.colleague.last_name in text
    assert session.course.course_id in text
    assert "will not sign or initial for other members" in text


def test_recording_the_paper_sheet_and_closing_the_session(client, world, session):
    client.force_login(world.training_user)
    paper_url = reverse("session-paper", args=[session.pk])
    with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
        fake = io.BytesIO(b"not a scan")
        fake.name = "sheet.pdf"
        response = client.post(paper_url, {"officer": [world.officer.pk], "scan": fake})
        assert response.status_code == 400
        assert "sheet.pdf is not a PDF, PNG or JPEG" in response.content.decode()
        assert not SignIn.objects.exists()

        scan = io.BytesIO(b"%PDF-1.4\n%%EOF\n")
        scan.name = "sheet.pdf"
        response = client.post(
            paper_url,
            {
                "officer": [world.officer.pk, world.colleague.pk],
                f"late-{world.colleague.pk}": "15",
                "scan": scan,
            },
        )
        assert response.status_code == 302
        # Within the same sitting: a login ends after a spell of inactivity.
        assert client.get(reverse("session-paper-scan", args=[session.pk])).status_code == 200
    assert SignIn.objects.get(officer=world.colleague).late_minutes == 15

    with time_machine.travel(START + dt.timedelta(hours=3), tick=False):
        client.force_login(world.training_user)  # back after the session, signed in anew
        response = client.post(reverse("session-close", args=[session.pk]), {})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    minutes = dict(TrainingRecord.objects.values_list("officer_id", "minutes"))
    assert minutes == {world.officer.pk: 120, world.colleague.pk: 105}


def test_absence_notice_from_the_session_page_to_the_new_date(client, world, session):
    later = SessionFactory(
        course=session.course,
        starts_at=START + dt.timedelta(days=7),
        ends_at=START + dt.timedelta(days=7, hours=2),
        location="North station",
    )
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        client.force_login(world.officer_user)
        client.post(reverse("session-absence", args=[session.pk]), {"reason": "Court"})
        notice = AbsenceNotice.objects.get()
        client.post(reverse("absence-new-date", args=[notice.pk]), {"note": ""})

        client.force_login(world.supervisor_user)
        page = client.get(reverse("absence-list")).content.decode()
        assert "Dana Reyes" in page
        assert "Court" in page
        client.post(reverse("absence-seen", args=[notice.pk]))

        client.force_login(world.training_user)
        page = client.get(reverse("absence-list")).content.decode()
        assert "Give this date" in page
        client.post(reverse("absence-reschedule", args=[notice.pk]), {"session": later.pk})

        client.force_login(world.officer_user)
        page = client.get(reverse("session-detail", args=[session.pk])).content.decode()
    notice.refresh_from_db()
    assert notice.seen_by == world.supervisor_user
    assert notice.rescheduled_to == later
    assert "Your new date" in page
    assert "North station" in page
    assert later.enrolments.get(officer=world.officer).status == EnrolmentStatus.ENROLLED


def test_another_units_supervisor_does_not_see_the_notice(client, world, session):
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        client.force_login(world.officer_user)
        client.post(reverse("session-absence", args=[session.pk]), {"reason": "Court"})
    from muster.accounts.models import Role
    from tests.conftest import member

    traffic_sergeant = member(Role.SUPERVISOR, world.agency, unit=world.traffic)
    client.force_login(traffic_sergeant)
    assert "Dana Reyes" not in client.get(reverse("absence-list")).content.decode()
    notice = AbsenceNotice.objects.get()
    assert client.post(reverse("absence-seen", args=[notice.pk])).status_code == 404


def test_calendar_feeds_by_secret_address(client, world, session):
    mine_elsewhere = SessionFactory(course=CourseFactory(agency=world.agency), location="Elsewhere")
    client.force_login(world.officer_user)
    page = client.get(reverse("calendar")).content.decode()
    token = CalendarFeedToken.objects.get(user=world.officer_user).token
    assert token in page
    client.logout()

    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        body = client.get(reverse("calendar-mine", args=[token])).content
        agency_feed = client.get(reverse("calendar-agency", args=[token, world.agency.pk]))
        other = client.get(reverse("calendar-agency", args=[token, world.other_agency.pk]))
    events = Calendar.from_ical(body).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [
        f"{session.course.course_id} {session.course.title}"
    ]
    agency_events = Calendar.from_ical(agency_feed.content).walk("VEVENT")
    assert {str(e["location"]) for e in agency_events} == {"Training Center", "Elsewhere"}
    assert mine_elsewhere.location == "Elsewhere"
    assert other.status_code == 404
    assert client.get(reverse("calendar-mine", args=["nope"])).status_code == 404

    # Making new addresses retires the old one.
    client.force_login(world.officer_user)
    client.post(reverse("calendar"))
    assert client.get(reverse("calendar-mine", args=[token])).status_code == 404


def test_a_member_without_a_login_of_their_own_cannot_use_the_kiosk_for_others(
    client, world, session, in_session
):
    """A staff login that is not an officer cannot sign anyone in at the kiosk."""
    staff = UserFactory(username="clerk")
    client.force_login(world.training_user)
    response = client.post(
        reverse("session-kiosk", args=[session.pk]),
        {"username": staff.username, "password": PASSWORD},
    )
    assert response.status_code == 403
    assert not SignIn.objects.exists()


def test_a_made_up_officer_id_is_refused_and_audited(client, world, session):
    url = reverse("session-sign-in", args=[session.pk])
    client.force_login(world.officer_user)
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        client.get(url, {"code": attendance.current_code(session)})
        for bogus in ("999999", "x", "²"):
            response = client.post(url, {"officer": bogus})
            assert response.status_code == 403, bogus
    assert not SignIn.objects.exists()
    assert AuditEvent.objects.filter(action="signin.refused").count() == 3


def test_odd_form_values_get_an_answer_not_a_server_error(client, world, session):
    client.force_login(world.training_user)
    with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
        response = client.post(
            reverse("session-paper", args=[session.pk]),
            {"officer": ["²", str(world.officer.pk)], f"late-{world.officer.pk}": "٣"},
        )
        assert response.status_code == 400
        assert "is not a whole number of minutes" in response.content.decode()
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        client.force_login(world.officer_user)
        client.post(reverse("session-absence", args=[session.pk]), {"reason": "Court"})
        notice = AbsenceNotice.objects.get()
        client.force_login(world.training_user)
        response = client.post(reverse("absence-reschedule", args=[notice.pk]), {"session": "x"})
    assert response.status_code == 302
    assert not SignIn.objects.exists()


def test_the_kiosk_stops_checking_a_username_after_repeated_wrong_passwords(
    client, world, session, in_session
):
    client.force_login(world.training_user)
    url = reverse("session-kiosk", args=[session.pk])
    for _ in range(attendance.KIOSK_MAX_FAILURES):
        assert client.post(url, {"username": "dana", "password": "guess"}).status_code == 403
    # Even the right password is not checked now.
    response = client.post(url, {"username": "dana", "password": PASSWORD})
    assert response.status_code == 429
    assert not SignIn.objects.exists()


def test_an_instructor_runs_their_session_with_its_roster(client, world, session):
    teacher = UserFactory(officer=world.traffic_officer)
    MembershipFactory(user=teacher, role="officer", agency=world.agency)
    session.instructors.set([world.traffic_officer])
    client.force_login(teacher)
    page = client.get(reverse("session-detail", args=[session.pk])).content.decode()
    assert "Dana Reyes" in page
    assert world.colleague.full_name in page
    response = client.get(reverse("session-sheet", args=[session.pk]))
    text = pypdfium2.PdfDocument(io.BytesIO(response.content))[0].get_textpage().get_text_range()
    assert "Reyes" in text
    # ... but nothing else about those officers.
    assert client.get(reverse("officer-detail", args=[world.officer.pk])).status_code == 404


def test_calendar_addresses_are_made_and_renewed_with_an_audit_row(client, world):
    client.force_login(world.officer_user)
    client.get(reverse("calendar"))
    client.post(reverse("calendar"))
    actions = list(
        AuditEvent.objects.filter(action__startswith="calendar.").values_list("action", "after")
    )
    assert actions == [
        ("calendar.create", {"user": world.officer_user.pk}),
        ("calendar.renew", {"user": world.officer_user.pk}),
    ]


def test_training_staff_change_a_session_from_its_page(client, world, session):
    client.force_login(world.officer_user)
    assert client.get(reverse("session-edit", args=[session.pk])).status_code == 403
    client.force_login(world.training_user)
    page = client.get(reverse("session-edit", args=[session.pk])).content.decode()
    assert 'value="09:00"' in page  # shown in the agency's time
    response = client.post(
        reverse("session-edit", args=[session.pk]),
        {"day": "2026-11-20", "starts": "10:00", "ends": "12:00", "location": "Gym"},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.starts_at == START + dt.timedelta(hours=1)
    assert session.location == "Gym"
