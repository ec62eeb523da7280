"""Training records, corrections, the catalog, sessions and qualifications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from muster.core.models import AuditEvent
from muster.training.models import (
    EnrolmentStatus,
    QualificationEvent,
    RecordSource,
    TrainingRecord,
)
from muster.training.services import (
    correct_training_record,
    create_course,
    enrol_officer,
    record_qualification,
    record_training,
    schedule_session,
    void_qualification,
    void_training_record,
)
from tests.factories import (
    CourseFactory,
    TopicFactory,
    TrainingRecordFactory,
)

NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def course(world):
    course = CourseFactory(
        agency=world.agency,
        title="Racial Profiling",
        credit_minutes=60,
        category="interpersonal_perspectives",
        provider="Training Unit",
        approved_provider=True,
        post_certified=True,
        post_certification_number="MO-1",
    )
    course.topics.set([TopicFactory(code="racial_profiling"), TopicFactory(code="ethics")])
    return course


def test_a_record_copies_the_course_so_later_catalog_edits_do_not_rewrite_it(world, course):
    record = record_training(
        acting_user=world.training_user,
        officer=world.officer,
        course=course,
        completed_on=dt.date(2026, 3, 4),
        source=RecordSource.SIGN_IN,
    )
    course.title = "Renamed later"
    course.save()
    record.refresh_from_db()
    assert record.title == "Racial Profiling"
    assert record.course_code == course.course_id
    assert record.minutes == 60
    assert record.category == "interpersonal_perspectives"
    assert record.approved_provider is True
    assert sorted(record.topics.values_list("code", flat=True)) == ["ethics", "racial_profiling"]
    assert record.entered_by == world.training_user
    event = AuditEvent.objects.get(action="record.create")
    assert event.object_id == str(record.pk)
    assert event.after["topics"] == ["ethics", "racial_profiling"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"completed_on": dt.date(2026, 11, 22)}, "completed_on"),  # the agency's tomorrow
        ({"completed_on": dt.date(2014, 1, 1)}, "completed_on"),  # before the hire date
        ({"category": "cooking"}, "category"),
        ({"topics": ["no_such_topic"]}, "topics"),
    ],
)
def test_bad_record_input_names_the_field_and_saves_nothing(world, course, changes, field):
    values = {"completed_on": dt.date(2026, 3, 4)} | changes
    with pytest.raises(ValidationError) as err:
        record_training(
            acting_user=world.training_user,
            officer=world.officer,
            course=course,
            source=RecordSource.MANUAL,
            **values,
        )
    assert field in err.value.message_dict
    assert not TrainingRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="record.create").exists()


def test_the_agency_local_date_decides_what_is_in_the_future(world, course):
    # 03:00 UTC on Nov 21 is still the evening of Nov 20 in Chicago.
    with time_machine.travel(dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC), tick=False):
        record_training(
            acting_user=world.training_user,
            officer=world.officer,
            course=course,
            completed_on=dt.date(2026, 11, 20),
            source=RecordSource.MANUAL,
        )
        with pytest.raises(ValidationError) as err:
            record_training(
                acting_user=world.training_user,
                officer=world.officer,
                course=course,
                completed_on=dt.date(2026, 11, 21),  # already today in UTC
                source=RecordSource.MANUAL,
            )
    assert "completed_on" in err.value.message_dict
    assert TrainingRecord.objects.count() == 1


def test_a_course_from_another_agency_is_refused(world):
    foreign = CourseFactory(agency=world.other_agency, category="")
    with pytest.raises(ValidationError) as err:
        record_training(
            acting_user=world.training_user,
            officer=world.officer,
            course=foreign,
            completed_on=dt.date(2026, 3, 4),
            source=RecordSource.MANUAL,
        )
    assert "course" in err.value.message_dict


@pytest.mark.parametrize("who", ["officer_user", "supervisor_user", "custodian_user"])
def test_only_training_staff_and_administrators_enter_records(world, course, who):
    with pytest.raises(PermissionDenied):
        record_training(
            acting_user=getattr(world, who),
            officer=world.officer,
            course=course,
            completed_on=dt.date(2026, 3, 4),
            source=RecordSource.MANUAL,
        )
    assert not TrainingRecord.objects.exists()


def test_training_staff_cannot_enter_records_for_another_agency(world, course):
    with pytest.raises(PermissionDenied):
        record_training(
            acting_user=world.training_user,
            officer=world.outsider,
            title="Seminar",
            minutes=60,
            completed_on=dt.date(2026, 3, 4),
            source=RecordSource.MANUAL,
        )


def test_outside_and_college_training_need_an_amount(world):
    with pytest.raises(ValidationError) as err:
        record_training(
            acting_user=world.training_user,
            officer=world.officer,
            title="Seminar",
            completed_on=dt.date(2026, 3, 4),
            source=RecordSource.CERTIFICATE,
        )
    assert "minutes" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        record_training(
            acting_user=world.training_user,
            officer=world.officer,
            kind="college",
            title="CJ 101",
            credit_hours=Decimal(3),
            completed_on=dt.date(2026, 3, 4),
            source=RecordSource.CERTIFICATE,
        )
    assert "semester_hours" in err.value.message_dict
    college = record_training(
        acting_user=world.training_user,
        officer=world.officer,
        kind="college",
        title="CJ 101",
        semester_hours=Decimal(3),
        delivery="in_person",
        completed_on=dt.date(2026, 3, 4),
        source=RecordSource.CERTIFICATE,
    )
    assert college.amount_label == "3 semester h"
    college.refresh_from_db()
    assert college.amount_label == "3 semester h"


def test_records_are_never_edited_or_deleted_in_place(world):
    record = TrainingRecordFactory(officer=world.officer)
    record.minutes = 999
    with pytest.raises(TypeError):
        record.save()
    with pytest.raises(TypeError):
        record.delete()
    with pytest.raises(TypeError):
        TrainingRecord.objects.filter(pk=record.pk).delete()
    with pytest.raises(TypeError):
        TrainingRecord.objects.filter(pk=record.pk).update(minutes=1)
    record.refresh_from_db()
    assert record.minutes == 120


def test_voiding_keeps_the_record_with_its_reason_and_only_once(world):
    record = TrainingRecordFactory(officer=world.officer)
    void_training_record(acting_user=world.training_user, record=record, reason="Duplicate entry")
    record.refresh_from_db()
    assert record.is_void
    assert record.void_reason == "Duplicate entry"
    assert record.voided_by == world.training_user
    assert TrainingRecord.objects.current().count() == 0
    assert TrainingRecord.objects.count() == 1
    event = AuditEvent.objects.get(action="record.void")
    assert event.before["voided_at"] is None
    assert event.after["void_reason"] == "Duplicate entry"
    with pytest.raises(ValidationError):
        void_training_record(acting_user=world.training_user, record=record, reason="Again")


def test_a_void_needs_a_reason(world):
    record = TrainingRecordFactory(officer=world.officer)
    with pytest.raises(ValidationError) as err:
        void_training_record(acting_user=world.training_user, record=record, reason="  ")
    assert "reason" in err.value.message_dict
    record.refresh_from_db()
    assert not record.is_void


def test_a_correction_voids_the_old_record_and_supersedes_it(world, course):
    old = record_training(
        acting_user=world.training_user,
        officer=world.officer,
        course=course,
        completed_on=dt.date(2026, 3, 4),
        source=RecordSource.SIGN_IN,
    )
    new = correct_training_record(
        acting_user=world.training_user, record=old, reason="Left 20 minutes early", minutes=40
    )
    old.refresh_from_db()
    assert old.is_void
    assert old.void_reason == "Left 20 minutes early"
    assert new.supersedes == old
    assert new.minutes == 40
    assert new.title == old.title
    assert new.course_code == old.course_code
    assert sorted(new.topics.values_list("code", flat=True)) == ["ethics", "racial_profiling"]
    assert list(TrainingRecord.objects.current()) == [new]
    with pytest.raises(ValidationError):
        correct_training_record(acting_user=world.training_user, record=old, reason="x")


def test_an_officer_cannot_void_their_own_record(world):
    record = TrainingRecordFactory(officer=world.officer)
    with pytest.raises(PermissionDenied):
        void_training_record(acting_user=world.officer_user, record=record, reason="I want to")


def test_course_ids_are_assigned_in_order_and_never_reused(world):
    first = create_course(
        acting_user=world.training_user,
        agency=world.agency,
        title="Legal Update",
        credit_minutes=100,
        delivery="in_person",
        category="legal_studies",
        provider="Training Unit",
        topics=["legal_update"],
    )
    second = create_course(
        acting_user=world.training_user,
        agency=world.agency,
        title="Legal Update",
        credit_minutes=100,
        delivery="in_person",
        provider="Training Unit",
    )
    assert list(first.topics.values_list("code", flat=True)) == ["legal_update"]
    prefix = world.agency.course_id_prefix
    assert first.course_id == f"{prefix}-00001"
    assert second.course_id == f"{prefix}-00002"
    world.agency.refresh_from_db()
    assert world.agency.next_course_number == 3


def test_a_course_with_a_bad_category_is_refused_and_uses_no_number(world):
    with pytest.raises(ValidationError) as err:
        create_course(
            acting_user=world.training_user,
            agency=world.agency,
            title="X",
            credit_minutes=50,
            delivery="in_person",
            category="perishable",
            provider="Training Unit",
        )
    assert "category" in err.value.message_dict
    world.agency.refresh_from_db()
    assert world.agency.next_course_number == 1


def test_a_session_fills_to_capacity_then_enrolments_wait(world, course):
    session = schedule_session(
        acting_user=world.training_user,
        course=course,
        starts_at=NOW + dt.timedelta(days=3),
        ends_at=NOW + dt.timedelta(days=3, hours=1),
        location="Room A",
        capacity=1,
    )
    first = enrol_officer(acting_user=world.training_user, session=session, officer=world.officer)
    second = enrol_officer(
        acting_user=world.training_user, session=session, officer=world.colleague
    )
    assert first.status == EnrolmentStatus.ENROLLED
    assert second.status == EnrolmentStatus.WAITLISTED
    with pytest.raises(ValidationError):
        enrol_officer(acting_user=world.training_user, session=session, officer=world.officer)
    with pytest.raises(ValidationError):
        enrol_officer(acting_user=world.training_user, session=session, officer=world.outsider)


def test_a_session_must_end_after_it_starts(world, course):
    with pytest.raises(ValidationError) as err:
        schedule_session(
            acting_user=world.training_user,
            course=course,
            starts_at=NOW,
            ends_at=NOW,
            location="Room A",
        )
    assert "ends_at" in err.value.message_dict


def test_instructors_come_from_the_courses_agency(world, course):
    with pytest.raises(ValidationError):
        schedule_session(
            acting_user=world.training_user,
            course=course,
            starts_at=NOW,
            ends_at=NOW + dt.timedelta(hours=1),
            location="Room A",
            instructors=[world.outsider],
        )
    session = schedule_session(
        acting_user=world.training_user,
        course=course,
        starts_at=NOW,
        ends_at=NOW + dt.timedelta(hours=1),
        location="Room A",
        instructors=[world.colleague],
    )
    assert list(session.instructors.all()) == [world.colleague]


def _qualify(world, score: int) -> QualificationEvent:
    return record_qualification(
        acting_user=world.training_user,
        officer=world.officer,
        qualified_on=dt.date(2026, 4, 1),
        weapon_type="handgun",
        course_of_fire="State course of fire",
        score=Decimal(score),
        max_score=Decimal(100),
        passing_score=Decimal(70),
        instructor=world.colleague,
    )


def test_a_qualification_passes_at_the_pass_mark_and_fails_below_it(world):
    assert _qualify(world, 70).passed
    assert not _qualify(world, 69).passed
    assert QualificationEvent.objects.passed().count() == 1
    assert QualificationEvent.objects.get(score=70).instructor_name == world.colleague.full_name


def test_a_qualification_score_above_the_maximum_is_refused(world):
    with pytest.raises(ValidationError):
        _qualify(world, 101)
    assert not QualificationEvent.objects.exists()


def test_a_voided_qualification_stays_in_history(world):
    event = _qualify(world, 90)
    void_qualification(acting_user=world.training_user, event=event, reason="Wrong officer")
    assert QualificationEvent.objects.current().count() == 0
    assert QualificationEvent.objects.count() == 1


def test_a_correction_keeps_the_certificate(world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    old = record_training(
        acting_user=world.training_user,
        officer=world.officer,
        title="Seminar",
        credit_hours=Decimal(4),
        delivery="in_person",
        completed_on=dt.date(2026, 3, 4),
        source=RecordSource.CERTIFICATE,
        evidence=SimpleUploadedFile("cert.pdf", b"%PDF-1.4 certificate"),
    )
    new = correct_training_record(
        acting_user=world.training_user, record=old, reason="Hours misread", credit_hours=Decimal(3)
    )
    assert new.evidence.name == old.evidence.name
    assert new.evidence.read() == b"%PDF-1.4 certificate"
