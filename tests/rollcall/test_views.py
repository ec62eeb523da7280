"""Roll-call pages: the supervisor's form and list, the Training Unit's queue and entry."""

from __future__ import annotations

import pytest
from django.urls import reverse

from muster.accounts.models import Role
from muster.core.models import AuditEvent
from muster.rollcall.models import ReportStatus, RollCallReport
from muster.rollcall.services import return_roll_call
from muster.training.models import Course, RecordSource, TrainingRecord
from tests.conftest import member
from tests.factories import CourseFactory
from tests.rollcall.helpers import HELD_ON


def _form_data(world, **changes):
    data = {
        "unit": world.patrol.pk,
        "held_on": HELD_ON.isoformat(),
        "start_time": "06:45",
        "minutes": "45",
        "title": "Baton refresher",
        "topics": ["use_of_force", "first_aid"],
        "attendees": [world.officer.pk, world.colleague.pk],
        "instructor": "",
        "instructor_name": "Sgt. Alvarez",
        "notes": "",
    }
    data.update(changes)
    return data


def test_the_form_lists_the_policy_topics_and_only_the_supervisors_officers(client, world):
    client.force_login(world.supervisor_user)
    response = client.get(reverse("rollcall-new"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "must <strong>always</strong>" in page
    for label in (
        "Police vehicle operation",
        "Firearms or the use of firearms",
        "Response to resistance",
        "Medical treatment or first aid",
        "Civil liability and risk management",
        "Court proceedings and testimony",
        "Civil rights laws",
    ):
        assert label in page
    assert 'value="legal_update"' in page  # any other topic of the vocabulary too
    assert f"#{world.officer.serial_number} (North Section)" in page
    assert f"#{world.colleague.serial_number} (North Section)" in page
    assert world.traffic_officer.serial_number not in page
    assert world.outsider.serial_number not in page


@pytest.mark.parametrize("who", ["officer_user", "training_user"])
def test_only_supervisors_get_the_form(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("rollcall-new")).status_code == 403
    assert client.post(reverse("rollcall-new"), _form_data(world)).status_code == 403
    assert not RollCallReport.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(reverse("rollcall-list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_supervisor_documents_and_sees_the_report_in_their_list(client, world):
    client.force_login(world.supervisor_user)
    response = client.post(reverse("rollcall-new"), _form_data(world))
    report = RollCallReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("rollcall-detail", args=[report.pk])
    assert report.status == ReportStatus.FORWARDED
    assert report.minutes == 45
    assert str(report.start_time) == "06:45:00"
    assert AuditEvent.objects.filter(action="rollcall.document").count() == 1
    page = client.get(reverse("rollcall-list")).content.decode()
    assert "Baton refresher" in page
    assert "Forwarded" in page
    detail = client.get(reverse("rollcall-detail", args=[report.pk])).content.decode()
    assert world.officer.last_name in detail
    assert "Assign Course ID" not in detail  # the supervisor cannot enter


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"held_on": "2026-11-25"}, "held_on", "future"),
        ({"minutes": "0"}, "minutes", "greater than or equal to 1"),
        ({"topics": []}, "topics", "Choose at least one topic"),
        ({"instructor_name": ""}, "instructor", "Name the instructor"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_saves_nothing(
    client, world, changes, field, message
):
    client.force_login(world.supervisor_user)
    response = client.post(reverse("rollcall-new"), _form_data(world, **changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not RollCallReport.objects.exists()


def test_an_attendee_outside_the_unit_is_not_accepted(client, world):
    client.force_login(world.supervisor_user)
    data = _form_data(world, attendees=[world.officer.pk, world.traffic_officer.pk])
    response = client.post(reverse("rollcall-new"), data)
    assert response.status_code == 200
    assert "attendees" in response.context["form"].errors
    assert not RollCallReport.objects.exists()


def _forwarded(client, world):
    client.force_login(world.supervisor_user)
    client.post(reverse("rollcall-new"), _form_data(world))
    client.logout()
    return RollCallReport.objects.get()


def test_training_staff_see_the_queue_and_enter_the_report(client, world):
    report = _forwarded(client, world)
    client.force_login(world.training_user)
    queue = client.get(reverse("rollcall-list")).content.decode()
    assert "Forwarded to the Training Unit" in queue
    assert reverse("rollcall-detail", args=[report.pk]) in queue
    detail = client.get(reverse("rollcall-detail", args=[report.pk])).content.decode()
    assert "Create a new course from this report" in detail

    response = client.post(reverse("rollcall-enter", args=[report.pk]), {"course": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.ENTERED
    course = Course.objects.get()
    records = TrainingRecord.objects.all()
    assert {r.officer for r in records} == {world.officer, world.colleague}
    assert {(r.course_code, r.source) for r in records} == {
        (course.course_id, RecordSource.ROLL_CALL)
    }
    page = client.get(response["Location"]).content.decode()
    assert f"Entered under Course ID {course.course_id}: 2 training records." in page
    assert "Assign Course ID" not in page

    # Sending the form again changes nothing.
    again = client.post(reverse("rollcall-enter", args=[report.pk]), {"course": ""}, follow=True)
    assert "already been entered" in again.content.decode()
    assert TrainingRecord.objects.count() == 2
    assert Course.objects.count() == 1


def test_entry_under_a_chosen_course(client, world):
    report = _forwarded(client, world)
    course = CourseFactory(agency=world.agency)
    client.force_login(world.training_user)
    client.post(reverse("rollcall-enter", args=[report.pk]), {"course": course.pk})
    assert set(TrainingRecord.objects.values_list("course", flat=True)) == {course.pk}


def test_a_course_of_another_agency_is_not_offered_or_accepted(client, world):
    report = _forwarded(client, world)
    foreign = CourseFactory(agency=world.other_agency, category="")
    client.force_login(world.training_user)
    assert (
        foreign.course_id
        not in client.get(reverse("rollcall-detail", args=[report.pk])).content.decode()
    )
    response = client.post(reverse("rollcall-enter", args=[report.pk]), {"course": foreign.pk})
    assert response.status_code == 400
    assert "course" in response.context["enter_form"].errors
    assert not TrainingRecord.objects.exists()


def test_the_supervisor_cannot_enter_or_return_through_the_pages(client, world):
    report = _forwarded(client, world)
    client.force_login(world.supervisor_user)
    assert client.post(reverse("rollcall-enter", args=[report.pk])).status_code == 403
    response = client.post(reverse("rollcall-return", args=[report.pk]), {"reason": "x"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.FORWARDED
    assert not TrainingRecord.objects.exists()


def test_returned_then_corrected_and_forwarded_again(client, world):
    report = _forwarded(client, world)
    client.force_login(world.training_user)
    empty = client.post(reverse("rollcall-return", args=[report.pk]), {"reason": ""})
    assert empty.status_code == 400
    assert "reason" in empty.context["return_form"].errors
    client.post(reverse("rollcall-return", args=[report.pk]), {"reason": "Only 30 minutes?"})
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED

    client.force_login(world.supervisor_user)
    listing = client.get(reverse("rollcall-list")).content.decode()
    assert "Returned" in listing
    assert "Only 30 minutes?" in listing
    edit = client.get(reverse("rollcall-edit", args=[report.pk]))
    assert edit.status_code == 200
    assert "Only 30 minutes?" in edit.content.decode()
    assert 'value="Baton refresher"' in edit.content.decode()
    data = _form_data(world, minutes="30", attendees=[world.colleague.pk])
    response = client.post(reverse("rollcall-edit", args=[report.pk]), data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.FORWARDED
    assert report.minutes == 30
    assert list(report.attendees.all()) == [world.colleague]
    assert AuditEvent.objects.filter(action="rollcall.forward").count() == 1


def test_only_a_returned_report_is_corrected(client, world):
    report = _forwarded(client, world)
    client.force_login(world.supervisor_user)
    response = client.post(
        reverse("rollcall-edit", args=[report.pk]), _form_data(world, minutes="5")
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.minutes == 45


@pytest.mark.parametrize("name", ["rollcall-detail", "rollcall-edit"])
def test_others_reports_answer_404(client, world, name):
    report = _forwarded(client, world)
    return_roll_call(acting_user=world.training_user, report=report, reason="Check.")
    strangers = [
        member(Role.SUPERVISOR, world.agency, unit=world.patrol),  # another sergeant
        member(Role.TRAINING_STAFF, world.other_agency),
        world.officer_user,  # an attendee does not read the supervisor's report
    ]
    for user in strangers:
        client.force_login(user)
        assert client.get(reverse(name, args=[report.pk])).status_code == 404
        assert reverse("rollcall-detail", args=[report.pk]) not in (
            client.get(reverse("rollcall-list")).content.decode()
        )


def test_entering_or_returning_anothers_agency_report_answers_404(client, world):
    report = _forwarded(client, world)
    client.force_login(member(Role.TRAINING_STAFF, world.other_agency))
    assert client.post(reverse("rollcall-enter", args=[report.pk])).status_code == 404
    response = client.post(reverse("rollcall-return", args=[report.pk]), {"reason": "x"})
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.FORWARDED
    assert not TrainingRecord.objects.exists()


def test_entering_by_get_is_not_allowed(client, world):
    report = _forwarded(client, world)
    client.force_login(world.training_user)
    assert client.get(reverse("rollcall-enter", args=[report.pk])).status_code == 405
    assert not TrainingRecord.objects.exists()
