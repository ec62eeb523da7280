"""Record entry and inquiry pages: enter, void, correct, qualifications, certificate downloads."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from muster.accounts.models import Role
from muster.compliance.models import ComplianceSnapshot
from muster.core.models import AuditEvent
from muster.training.models import QualificationEvent, RecordSource, TrainingRecord
from muster.training.services import record_qualification, record_training
from tests.conftest import member
from tests.factories import CourseFactory, MembershipFactory, TopicFactory, UserFactory

NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


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
    )
    course.topics.set([TopicFactory(code="racial_profiling")])
    return course


def _free_entry(**overrides):
    data = {
        "completed_on": "2026-03-04",
        "title": "Crisis Intervention Seminar",
        "minutes": "240",
        "participation": "attendee",
        "delivery": "in_person",
        "category": "interpersonal_perspectives",
        "topics": ["mental_health"],
        "provider": "State Academy",
        "location": "Jefferson City",
        "instructor_name": "Dr. Ames",
    }
    data.update(overrides)
    return data


def _credited(officer) -> object:
    snap = ComplianceSnapshot.objects.filter(officer=officer).order_by("-period_start").first()
    return snap.credited_hours if snap else None


def _record(world, **kw):
    fields = {
        "acting_user": world.training_user,
        "officer": world.officer,
        "completed_on": dt.date(2026, 3, 4),
        "source": RecordSource.MANUAL,
        "title": "Seminar",
        "minutes": 100,
        "delivery": "in_person",
        "category": "legal_studies",
    }
    fields.update(kw)
    return record_training(**fields)


def test_training_staff_see_the_entry_links_and_officers_do_not(client, world):
    client.force_login(world.training_user)
    body = client.get(reverse("officer-detail", args=[world.officer.pk])).content.decode()
    assert reverse("record-new", args=[world.officer.pk]) in body
    assert reverse("qualification-new", args=[world.officer.pk]) in body
    client.force_login(world.officer_user)
    body = client.get(reverse("officer-detail", args=[world.officer.pk])).content.decode()
    assert reverse("record-new", args=[world.officer.pk]) not in body


def test_free_entry_creates_a_record_and_changes_compliance(client, world):
    before = _credited(world.officer)
    client.force_login(world.training_user)
    response = client.post(reverse("record-new", args=[world.officer.pk]), _free_entry())
    assert response.status_code == 302
    assert response["Location"] == reverse("officer-detail", args=[world.officer.pk])
    record = TrainingRecord.objects.get(officer=world.officer)
    assert (record.title, record.minutes, record.source) == (
        "Crisis Intervention Seminar",
        240,
        RecordSource.MANUAL,
    )
    assert list(record.topics.values_list("code", flat=True)) == ["mental_health"]
    assert record.entered_by == world.training_user
    assert _credited(world.officer) != before
    assert AuditEvent.objects.filter(action="record.create", object_id=str(record.pk)).exists()


def test_entry_from_a_course_copies_its_fields(client, world, course):
    client.force_login(world.training_user)
    response = client.post(
        reverse("record-new", args=[world.officer.pk]),
        {"course": course.pk, "completed_on": "2026-03-04", "participation": "attendee"},
    )
    assert response.status_code == 302
    record = TrainingRecord.objects.get()
    assert record.course == course
    assert record.course_code == course.course_id
    assert (record.title, record.minutes) == ("Racial Profiling", 60)
    assert record.category == "interpersonal_perspectives"
    assert list(record.topics.values_list("code", flat=True)) == ["racial_profiling"]


def test_another_agencys_course_is_not_offered(client, world):
    foreign = CourseFactory(agency=world.other_agency)
    client.force_login(world.training_user)
    response = client.post(
        reverse("record-new", args=[world.officer.pk]),
        {"course": foreign.pk, "completed_on": "2026-03-04", "participation": "attendee"},
    )
    assert "course" in response.context["form"].errors
    assert not TrainingRecord.objects.exists()


@pytest.mark.parametrize("minutes", ["0", "-5", "ninety", ""])
def test_bad_minutes_show_a_field_error_and_create_nothing(client, world, minutes):
    client.force_login(world.training_user)
    response = client.post(
        reverse("record-new", args=[world.officer.pk]), _free_entry(minutes=minutes)
    )
    assert response.status_code == 200
    assert "minutes" in response.context["form"].errors
    assert 'aria-invalid="true"' in response.content.decode()
    assert not TrainingRecord.objects.exists()


def test_stated_hours_instead_of_minutes(client, world):
    client.force_login(world.training_user)
    response = client.post(
        reverse("record-new", args=[world.officer.pk]),
        _free_entry(minutes="", credit_hours="7.5"),
    )
    assert response.status_code == 302
    assert str(TrainingRecord.objects.get().credit_hours) == "7.50"


def test_a_future_date_is_refused_on_its_field(client, world):
    client.force_login(world.training_user)
    response = client.post(
        reverse("record-new", args=[world.officer.pk]), _free_entry(completed_on="2027-01-01")
    )
    assert "completed_on" in response.context["form"].errors
    assert not TrainingRecord.objects.exists()


def test_an_officer_cannot_enter_a_record(client, world):
    client.force_login(world.officer_user)
    url = reverse("record-new", args=[world.officer.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _free_entry()).status_code == 403
    assert not TrainingRecord.objects.exists()


def test_another_agencys_officer_answers_404(client, world):
    client.force_login(world.training_user)
    assert client.get(reverse("record-new", args=[world.outsider.pk])).status_code == 404
    assert (
        client.post(reverse("record-new", args=[world.outsider.pk]), _free_entry()).status_code
        == 404
    )
    assert client.get(reverse("qualification-new", args=[world.outsider.pk])).status_code == 404
    foreign = _record(
        world,
        officer=world.outsider,
        acting_user=member(Role.TRAINING_STAFF, world.other_agency),
        category="",
    )
    assert client.get(reverse("record-void", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("record-correct", args=[foreign.pk])).status_code == 404
    assert TrainingRecord.objects.get(pk=foreign.pk).voided_at is None


def test_a_certificate_upload_is_checked_and_stored(client, world):
    client.force_login(world.training_user)
    upload = SimpleUploadedFile("cert.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("record-new", args=[world.officer.pk]), _free_entry(evidence=upload)
    )
    assert response.status_code == 302
    record = TrainingRecord.objects.get()
    assert record.source == RecordSource.CERTIFICATE
    assert record.evidence.name


def test_a_fake_certificate_is_refused(client, world):
    client.force_login(world.training_user)
    upload = SimpleUploadedFile("cert.pdf", b"MZ not a pdf at all", content_type="application/pdf")
    response = client.post(
        reverse("record-new", args=[world.officer.pk]), _free_entry(evidence=upload)
    )
    assert "evidence" in response.context["form"].errors
    assert "not a PDF" in str(response.context["form"].errors["evidence"])
    assert not TrainingRecord.objects.exists()


def test_void_needs_a_reason_and_changes_compliance(client, world):
    record = _record(world)
    before = _credited(world.officer)
    client.force_login(world.training_user)
    url = reverse("record-void", args=[record.pk])
    response = client.post(url, {"reason": "  "})
    assert "reason" in response.context["form"].errors
    assert TrainingRecord.objects.get(pk=record.pk).voided_at is None
    response = client.post(url, {"reason": "Entered for the wrong officer"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.void_reason == "Entered for the wrong officer"
    assert _credited(world.officer) != before


def test_an_officer_cannot_void_their_own_record(client, world):
    record = _record(world)
    client.force_login(world.officer_user)
    response = client.post(reverse("record-void", args=[record.pk]), {"reason": "I dislike it"})
    assert response.status_code == 403
    assert TrainingRecord.objects.get(pk=record.pk).voided_at is None


def test_correct_prefills_and_supersedes(client, world):
    record = _record(world, title="Seminar", minutes=100)
    client.force_login(world.training_user)
    url = reverse("record-correct", args=[record.pk])
    form = client.get(url).context["form"]
    assert form.initial["title"] == "Seminar"
    assert form.initial["minutes"] == 100
    data = {
        "completed_on": "2026-03-04",
        "kind": "outside",
        "title": "Seminar",
        "minutes": "150",
        "participation": "attendee",
        "delivery": "in_person",
        "category": "legal_studies",
        "reason": "Certificate says 150 minutes",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.is_void
    new = TrainingRecord.objects.get(supersedes=record)
    assert new.minutes == 150
    assert new.voided_at is None


def test_correct_needs_a_reason_and_bad_input_changes_nothing(client, world):
    record = _record(world)
    client.force_login(world.training_user)
    url = reverse("record-correct", args=[record.pk])
    response = client.post(url, {"completed_on": "2026-03-04", "title": "X", "minutes": "0"})
    errors = response.context["form"].errors
    assert "reason" in errors
    assert "minutes" in errors
    assert TrainingRecord.objects.count() == 1
    assert TrainingRecord.objects.get().voided_at is None


def test_qualification_entry_and_void(client, world):
    client.force_login(world.training_user)
    url = reverse("qualification-new", args=[world.officer.pk])
    data = {
        "qualified_on": "2026-04-01",
        "weapon_type": "handgun",
        "course_of_fire": "State course",
        "score": "110",
        "max_score": "100",
        "passing_score": "70",
    }
    response = client.post(url, data)
    assert "score" in response.context["form"].errors
    assert not QualificationEvent.objects.exists()
    response = client.post(url, data | {"score": "88"})
    assert response.status_code == 302
    event = QualificationEvent.objects.get()
    assert event.passed
    response = client.post(reverse("qualification-void", args=[event.pk]), {"reason": "Wrong day"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.is_void


def test_an_officer_cannot_record_or_void_a_qualification(client, world):
    event = record_qualification(
        acting_user=world.training_user,
        officer=world.officer,
        qualified_on=dt.date(2026, 4, 1),
        weapon_type="handgun",
        course_of_fire="State",
        score=90,
        max_score=100,
        passing_score=70,
    )
    client.force_login(world.officer_user)
    assert client.get(reverse("qualification-new", args=[world.officer.pk])).status_code == 403
    response = client.post(reverse("qualification-void", args=[event.pk]), {"reason": "no"})
    assert response.status_code == 403
    assert QualificationEvent.objects.get().voided_at is None


@pytest.fixture
def certified_record(world):
    upload = SimpleUploadedFile("cert.pdf", PDF, content_type="application/pdf")
    return _record(world, evidence=upload, source=RecordSource.CERTIFICATE)


@pytest.mark.parametrize("who", ["officer_user", "training_user", "custodian_user"])
def test_the_officer_and_agency_wide_readers_download_the_certificate(
    client, world, certified_record, who
):
    client.force_login(getattr(world, who))
    response = client.get(reverse("record-evidence", args=[certified_record.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_certificate_link_shows_only_to_those_who_may_download(client, world, certified_record):
    link = reverse("record-evidence", args=[certified_record.pk])
    client.force_login(world.officer_user)
    assert link in client.get(reverse("officer-detail", args=[world.officer.pk])).content.decode()
    client.force_login(world.supervisor_user)
    assert (
        link not in client.get(reverse("officer-detail", args=[world.officer.pk])).content.decode()
    )


def test_others_get_404_for_the_certificate(client, world, certified_record):
    url = reverse("record-evidence", args=[certified_record.pk])
    colleague_user = UserFactory(officer=world.colleague)
    MembershipFactory(user=colleague_user, role=Role.OFFICER, agency=world.agency)
    others = [
        world.supervisor_user,  # reads the record through the unit, but not the certificate
        colleague_user,
        member(Role.TRAINING_STAFF, world.other_agency),
    ]
    for user in others:
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_a_record_without_a_certificate_answers_404(client, world):
    record = _record(world)
    client.force_login(world.training_user)
    assert client.get(reverse("record-evidence", args=[record.pk])).status_code == 404
