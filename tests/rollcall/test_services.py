"""Roll-call reports: documenting, returning, correcting and entering them (policy IV.C)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from muster.accounts.models import Role
from muster.agencies.models import Agency
from muster.compliance.models import ComplianceSnapshot
from muster.compliance.services import refresh_compliance
from muster.core.models import AuditEvent
from muster.people.models import Officer, OfficerStatus
from muster.rollcall.demo import load_demo
from muster.rollcall.models import (
    MUST_DOCUMENT_CODES,
    ReportStatus,
    RollCallRecord,
    RollCallReport,
)
from muster.rollcall.services import (
    correct_and_forward,
    enter_roll_call,
    return_roll_call,
)
from muster.training.models import Course, Participation, RecordSource, TrainingRecord
from muster.training.vocabulary import Delivery
from tests.conftest import member
from tests.factories import CourseFactory, OfficerFactory, UserFactory
from tests.rollcall.helpers import HELD_ON, document


def _nothing_written() -> None:
    assert not RollCallReport.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="rollcall.").exists()


def test_the_policy_topics_are_the_seven_of_iv_c_2_and_exist_in_the_vocabulary(db):
    from muster.training.models import Topic

    assert {
        "driving",
        "firearms",
        "use_of_force",
        "first_aid",
        "civil_liability",
        "court_testimony",
        "civil_rights",
    } == MUST_DOCUMENT_CODES
    assert Topic.objects.filter(code__in=MUST_DOCUMENT_CODES).count() == 7


def test_a_supervisor_documents_and_forwards_roll_call_training(world, report):
    assert report.status == ReportStatus.FORWARDED
    assert report.agency == world.agency
    assert report.documented_by == world.supervisor_user
    assert set(report.attendees.all()) == {world.officer, world.colleague}
    assert sorted(report.topics.values_list("code", flat=True)) == ["driving", "policy_update"]
    # Documenting forwards; it never writes training records itself (IV.C.1).
    assert not TrainingRecord.objects.exists()
    event = AuditEvent.objects.get(action="rollcall.document")
    assert event.actor == world.supervisor_user
    assert event.object_id == str(report.pk)
    assert event.agency_id == world.agency.pk
    assert event.after["attendees"] == sorted([world.officer.pk, world.colleague.pk])
    assert event.after["topics"] == ["driving", "policy_update"]


def test_an_attendee_outside_the_supervisors_unit_is_refused_by_name(world):
    with pytest.raises(ValidationError) as err:
        document(world, attendees=[world.officer, world.traffic_officer])
    message = " ".join(err.value.message_dict["attendees"])
    assert world.traffic_officer.full_name in message
    assert world.officer.full_name not in message
    _nothing_written()


def test_an_officer_of_another_agency_is_refused(world):
    with pytest.raises(ValidationError) as err:
        document(world, attendees=[world.officer, world.outsider])
    assert world.outsider.full_name in " ".join(err.value.message_dict["attendees"])
    _nothing_written()


def test_attendees_must_be_under_the_reports_element_not_just_any_supervised_unit(world):
    sibling = OfficerFactory(agency=world.agency, unit=world.patrol, last_name="Desk")
    with pytest.raises(ValidationError) as err:
        document(world, unit=world.north, attendees=[world.officer, sibling])
    assert sibling.full_name in " ".join(err.value.message_dict["attendees"])
    _nothing_written()


@pytest.mark.parametrize("who", ["officer_user", "training_user", "custodian_user", "admin_user"])
def test_only_a_supervisor_of_the_unit_documents(world, who):
    with pytest.raises(PermissionDenied):
        document(world, acting_user=getattr(world, who))
    _nothing_written()


def test_a_supervisor_cannot_document_for_a_unit_they_do_not_supervise(world):
    north_sergeant = member(Role.SUPERVISOR, world.agency, unit=world.north)
    with pytest.raises(PermissionDenied):
        document(world, acting_user=north_sergeant, unit=world.patrol)
    with pytest.raises(PermissionDenied):
        document(world, acting_user=north_sergeant, unit=world.traffic)
    _nothing_written()
    # Their own element is fine.
    assert document(world, acting_user=north_sergeant, unit=world.north).unit == world.north


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"held_on": dt.date(2026, 11, 21)}, "held_on"),  # the agency's tomorrow
        ({"held_on": None}, "held_on"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": -5}, "minutes"),
        ({"minutes": None}, "minutes"),
        ({"title": "  "}, "title"),
        ({"topics": []}, "topics"),
        ({"topics": ["firearms", "juggling"]}, "topics"),
        ({"attendees": []}, "attendees"),
        ({"instructor_name": ""}, "instructor"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(world, changes, field):
    with pytest.raises(ValidationError) as err:
        document(world, **changes)
    assert field in err.value.message_dict
    _nothing_written()


def test_a_separated_officer_or_one_not_yet_hired_is_refused(world):
    Officer.objects.filter(pk=world.colleague.pk).update(
        status=OfficerStatus.SEPARATED, separated_on=dt.date(2026, 1, 1)
    )
    with pytest.raises(ValidationError) as err:
        document(world)
    assert "No longer serving" in err.value.message_dict["attendees"][0]
    Officer.objects.filter(pk=world.colleague.pk).update(status=OfficerStatus.ACTIVE)
    Officer.objects.filter(pk=world.officer.pk).update(hired_on=dt.date(2026, 11, 19))
    with pytest.raises(ValidationError) as err:
        document(world)
    assert world.officer.full_name in err.value.message_dict["attendees"][0]
    _nothing_written()


def test_the_instructor_is_an_officer_of_the_agency_and_not_also_an_attendee(world):
    with pytest.raises(ValidationError) as err:
        document(world, instructor=world.outsider, instructor_name="")
    assert "instructor" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        document(world, instructor=world.officer, instructor_name="")
    assert "untick" in err.value.message_dict["instructor"][0]
    _nothing_written()


# --- Entry by the Training Unit -----------------------------------------------------------


def test_a_supervisor_cannot_enter_or_return_their_own_report(world, report):
    with pytest.raises(PermissionDenied):
        enter_roll_call(acting_user=world.supervisor_user, report=report)
    with pytest.raises(PermissionDenied):
        return_roll_call(acting_user=world.supervisor_user, report=report, reason="x")
    report.refresh_from_db()
    assert report.status == ReportStatus.FORWARDED
    assert not TrainingRecord.objects.exists()
    assert not Course.objects.exists()


def test_training_staff_of_another_agency_cannot_enter(world, report):
    foreign = member(Role.TRAINING_STAFF, world.other_agency)
    with pytest.raises(PermissionDenied):
        enter_roll_call(acting_user=foreign, report=report)
    assert not TrainingRecord.objects.exists()


def test_entry_assigns_a_new_course_id_and_records_each_attendee(world, report):
    refresh_compliance([world.officer, world.colleague])
    before = {
        s.officer_id: s.credited_hours
        for s in ComplianceSnapshot.objects.filter(period_label="2026")
    }
    next_number = world.agency.next_course_number

    enter_roll_call(acting_user=world.training_user, report=report)

    report.refresh_from_db()
    course = report.course
    assert course is not None
    assert course.course_id == f"{world.agency.course_id_prefix}-{next_number:05d}"
    assert course.title == "Pursuit policy review"
    assert course.credit_minutes == 50
    assert course.delivery == Delivery.IN_PERSON
    assert course.provider == world.agency.name
    assert sorted(course.topics.values_list("code", flat=True)) == ["driving", "policy_update"]
    assert report.status == ReportStatus.ENTERED
    assert report.reviewed_by == world.training_user
    assert report.entered_at is not None

    records = TrainingRecord.objects.order_by("officer__last_name")
    assert {r.officer for r in records} == {world.officer, world.colleague}
    for record in records:
        assert record.course == course
        assert record.course_code == course.course_id
        assert record.source == RecordSource.ROLL_CALL
        assert record.minutes == 50
        assert record.completed_on == HELD_ON
        assert record.participation == Participation.ATTENDEE
        assert record.instructor_name == "Sgt. Alvarez"
        assert record.entered_by == world.training_user
        assert sorted(record.topics.values_list("code", flat=True)) == ["driving", "policy_update"]
    assert set(RollCallRecord.objects.values_list("record", flat=True)) == {r.pk for r in records}

    after = {
        s.officer_id: s.credited_hours
        for s in ComplianceSnapshot.objects.filter(period_label="2026")
    }
    for officer in (world.officer, world.colleague):
        assert after[officer.pk] == before[officer.pk] + Decimal(1)  # 50 minutes = 1 hour

    event = AuditEvent.objects.get(action="rollcall.enter")
    assert event.actor == world.training_user
    assert event.before["status"] == "forwarded"
    assert event.after["status"] == "entered"
    assert sorted(event.after["records"]) == sorted(r.pk for r in records)
    assert AuditEvent.objects.filter(action="course.create").count() == 1
    assert AuditEvent.objects.filter(action="record.create").count() == 2


def test_entry_under_an_existing_course_creates_no_course(world, report):
    course = CourseFactory(agency=world.agency, title="Roll-call: pursuits", credit_minutes=30)
    enter_roll_call(acting_user=world.training_user, report=report, course=course)
    assert Course.objects.count() == 1
    assert not AuditEvent.objects.filter(action="course.create").exists()
    record = TrainingRecord.objects.filter(officer=world.officer).get()
    assert record.course_code == course.course_id
    assert record.minutes == 50  # what was taught, not the catalog's usual length


def test_a_course_of_another_agency_or_a_retired_course_is_refused(world, report):
    foreign = CourseFactory(agency=world.other_agency, category="")
    retired = CourseFactory(agency=world.agency, status="retired")
    for course in (foreign, retired):
        with pytest.raises(ValidationError) as err:
            enter_roll_call(acting_user=world.training_user, report=report, course=course)
        assert "course" in err.value.message_dict
    report.refresh_from_db()
    assert report.status == ReportStatus.FORWARDED
    assert not TrainingRecord.objects.exists()


def test_an_officer_instructor_gets_an_instructor_record(world):
    teacher = OfficerFactory(agency=world.agency, unit=world.north, rank="Sergeant")
    report = document(world, instructor=teacher, instructor_name="", topics=["firearms"])
    enter_roll_call(acting_user=world.training_user, report=report)
    taught = TrainingRecord.objects.get(officer=teacher)
    assert taught.participation == Participation.INSTRUCTOR
    assert taught.source == RecordSource.ROLL_CALL
    assert taught.minutes == 50
    attended = TrainingRecord.objects.get(officer=world.officer)
    assert attended.instructor_name == f"Sergeant {teacher.full_name}"
    assert TrainingRecord.objects.count() == 3
    assert RollCallRecord.objects.filter(report=report).count() == 3


def test_entering_twice_is_impossible_even_from_a_stale_copy(world, report):
    stale = RollCallReport.objects.get(pk=report.pk)
    enter_roll_call(acting_user=world.training_user, report=report)
    counts = (TrainingRecord.objects.count(), Course.objects.count())
    number = Agency.objects.get(pk=world.agency.pk).next_course_number
    with pytest.raises(ValidationError) as err:
        enter_roll_call(acting_user=world.training_user, report=stale)
    assert "status" in err.value.message_dict
    assert (TrainingRecord.objects.count(), Course.objects.count()) == counts
    assert Agency.objects.get(pk=world.agency.pk).next_course_number == number
    assert AuditEvent.objects.filter(action="rollcall.enter").count() == 1
    with pytest.raises(ValidationError):
        enter_roll_call(acting_user=world.training_user, report=report)


def test_a_failed_entry_changes_nothing(world, report):
    # The officer's hire date was corrected after the roll-call was documented.
    Officer.objects.filter(pk=world.colleague.pk).update(hired_on=dt.date(2026, 11, 19))
    number = world.agency.next_course_number
    with pytest.raises(ValidationError) as err:
        enter_roll_call(acting_user=world.training_user, report=report)
    assert "completed_on" in err.value.message_dict
    report.refresh_from_db()
    assert report.status == ReportStatus.FORWARDED
    assert report.course is None
    assert not TrainingRecord.objects.exists()
    assert not Course.objects.exists()
    assert Agency.objects.get(pk=world.agency.pk).next_course_number == number
    assert not AuditEvent.objects.filter(action__in=["rollcall.enter", "course.create"]).exists()


# --- Returned and forwarded again ---------------------------------------------------------


def test_returned_corrected_forwarded_again_and_entered(world, report):
    with pytest.raises(ValidationError) as err:
        return_roll_call(acting_user=world.training_user, report=report, reason="  ")
    assert "reason" in err.value.message_dict

    return_roll_call(
        acting_user=world.training_user, report=report, reason="Dana left early; 30 minutes?"
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert report.return_reason == "Dana left early; 30 minutes?"
    returned = AuditEvent.objects.get(action="rollcall.return")
    assert returned.reason == "Dana left early; 30 minutes?"
    assert returned.before["status"] == "forwarded"
    # A returned report cannot be entered until it is forwarded again.
    with pytest.raises(ValidationError):
        enter_roll_call(acting_user=world.training_user, report=report)

    correct_and_forward(
        acting_user=world.supervisor_user,
        report=report,
        held_on=HELD_ON,
        minutes=30,
        title="Pursuit policy review",
        topics=["driving"],
        attendees=[world.colleague],
        instructor_name="Sgt. Alvarez",
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.FORWARDED
    assert report.minutes == 30
    assert list(report.attendees.all()) == [world.colleague]
    forwarded = AuditEvent.objects.get(action="rollcall.forward")
    assert forwarded.before["minutes"] == 50
    assert forwarded.after["minutes"] == 30
    assert forwarded.before["attendees"] == sorted([world.officer.pk, world.colleague.pk])

    enter_roll_call(acting_user=world.training_user, report=report)
    assert list(TrainingRecord.objects.values_list("officer", "minutes")) == [
        (world.colleague.pk, 30)
    ]


def test_only_the_documenting_supervisor_corrects_and_only_a_returned_report(world, report):
    values = {
        "held_on": HELD_ON,
        "minutes": 40,
        "title": "Changed",
        "topics": ["driving"],
        "attendees": [world.officer],
        "instructor_name": "Sgt. Alvarez",
    }
    with pytest.raises(ValidationError) as err:  # still forwarded
        correct_and_forward(acting_user=world.supervisor_user, report=report, **values)
    assert "status" in err.value.message_dict
    return_roll_call(acting_user=world.training_user, report=report, reason="Check minutes.")
    report.refresh_from_db()
    other_sergeant = member(Role.SUPERVISOR, world.agency, unit=world.patrol)
    for who in (other_sergeant, world.training_user, world.officer_user):
        with pytest.raises(PermissionDenied):
            correct_and_forward(acting_user=who, report=report, **values)
    with pytest.raises(ValidationError) as err:  # the same rules as documenting
        correct_and_forward(
            acting_user=world.supervisor_user,
            report=report,
            **(values | {"attendees": [world.traffic_officer]}),
        )
    assert world.traffic_officer.full_name in err.value.message_dict["attendees"][0]
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert report.minutes == 50
    assert not AuditEvent.objects.filter(action="rollcall.forward").exists()


def test_an_entered_report_cannot_be_returned(world, report):
    enter_roll_call(acting_user=world.training_user, report=report)
    with pytest.raises(ValidationError) as err:
        return_roll_call(acting_user=world.training_user, report=report, reason="Too late")
    assert "status" in err.value.message_dict
    report.refresh_from_db()
    assert report.status == ReportStatus.ENTERED
    assert report.return_reason == ""


# --- Who reads which reports --------------------------------------------------------------


def test_supervisors_read_their_own_reports_and_training_staff_their_agencys(world, report):
    other_sergeant = member(Role.SUPERVISOR, world.agency, unit=world.patrol)
    foreign_staff = member(Role.TRAINING_STAFF, world.other_agency)

    def visible(user):
        return list(RollCallReport.objects.visible_to(user))

    assert visible(world.supervisor_user) == [report]
    assert visible(world.training_user) == [report]
    assert visible(world.admin_user) == [report]
    assert visible(other_sergeant) == []
    assert visible(world.officer_user) == []
    assert visible(foreign_staff) == []
    assert visible(UserFactory()) == []


# --- Demo ---------------------------------------------------------------------------------


def test_the_demo_loader_makes_one_forwarded_and_one_entered_report(world):
    sergeant = OfficerFactory(agency=world.agency, unit=world.patrol, rank="Sergeant")
    world.supervisor_user.officer = sergeant
    world.supervisor_user.save()
    load_demo(
        world.agency, supervisor_user=world.supervisor_user, training_user=world.training_user
    )
    statuses = sorted(RollCallReport.objects.values_list("status", flat=True))
    assert statuses == [ReportStatus.ENTERED, ReportStatus.FORWARDED]
    entered = RollCallReport.objects.get(status=ReportStatus.ENTERED)
    assert entered.course is not None
    assert TrainingRecord.objects.filter(
        source=RecordSource.ROLL_CALL, participation=Participation.INSTRUCTOR, officer=sergeant
    ).exists()
    assert TrainingRecord.objects.filter(participation=Participation.ATTENDEE).count() == (
        entered.attendees.count()
    )
