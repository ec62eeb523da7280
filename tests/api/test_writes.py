"""Changes through the API go through the service functions: permission-checked, audited,
validated with errors naming the field, and a refused or bad request changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from muster.core.models import AuditEvent
from muster.people.models import Officer
from muster.training.models import QualificationEvent, RecordSource, TrainingRecord
from tests.api.conftest import ApiWorld, token_client
from tests.conftest import World

RECORDS = "/api/v1/training-records/"
QUALIFICATIONS = "/api/v1/qualifications/"


def new_record(w: World, **changes: Any) -> dict[str, Any]:
    """A valid outside-training record for the officer, with `changes`."""
    return {
        "officer": w.officer.pk,
        "completed_on": (w.agency.today() - dt.timedelta(days=2)).isoformat(),
        "title": "Crisis intervention",
        "minutes": 240,
        "delivery": "in_person",
    } | changes


def test_training_staff_enter_a_record_from_the_api_audited(api_world: ApiWorld) -> None:
    w = api_world.w
    response = token_client(w.training_user).post(RECORDS, new_record(w), format="json")
    assert response.status_code == 201, response.content
    record = TrainingRecord.objects.get(pk=response.json()["id"])
    assert record.source == RecordSource.API
    assert record.entered_by == w.training_user
    assert response.json()["title"] == "Crisis intervention"
    event = AuditEvent.objects.get(action="record.create", object_id=str(record.pk))
    assert event.actor == w.training_user


def test_a_record_of_a_course_copies_the_course(api_world: ApiWorld) -> None:
    w = api_world.w
    body = {
        "officer": w.officer.pk,
        "completed_on": w.agency.today().isoformat(),
        "session": api_world.session.pk,
    }
    response = token_client(w.training_user).post(RECORDS, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["course"] == api_world.course.pk
    assert response.json()["title"] == "Use of force update"


def test_bad_input_is_400_naming_each_field_and_enters_nothing(api_world: ApiWorld) -> None:
    w = api_world.w
    client = token_client(w.training_user)
    before = TrainingRecord.objects.count()
    missing = client.post(RECORDS, {"minutes": -5}, format="json")
    assert missing.status_code == 400
    assert {"officer", "completed_on", "minutes"} <= set(missing.json())
    no_title = client.post(RECORDS, new_record(w, title=""), format="json")
    assert "title" in no_title.json()
    # Rules the service keeps come back under the field they are about, too.
    future = client.post(
        RECORDS,
        new_record(w, completed_on=(w.agency.today() + dt.timedelta(days=3)).isoformat()),
        format="json",
    )
    assert future.status_code == 400
    assert "completed_on" in future.json()
    topic = client.post(RECORDS, new_record(w, topics=["no-such-topic"]), format="json")
    assert topic.status_code == 400
    assert "topics" in topic.json()
    not_json = client.generic("POST", RECORDS, "{", content_type="application/json")
    assert not_json.status_code == 400
    assert TrainingRecord.objects.count() == before


def test_an_officer_may_not_enter_records_and_another_agency_cannot_name_ours(
    api_world: ApiWorld,
) -> None:
    w = api_world.w
    before = TrainingRecord.objects.count()
    mine = token_client(w.officer_user).post(RECORDS, new_record(w), format="json")
    assert mine.status_code == 403
    from tests.conftest import member

    foreign = token_client(member("training_staff", w.other_agency))
    theirs = foreign.post(RECORDS, new_record(w), format="json")
    assert theirs.status_code == 400
    assert "officer" in theirs.json()
    assert TrainingRecord.objects.count() == before
    assert AuditEvent.objects.filter(action="permission.refused", actor=w.officer_user).exists()


def test_voiding_a_record_needs_a_reason_is_audited_and_happens_once(
    api_world: ApiWorld,
) -> None:
    w = api_world.w
    client = token_client(w.training_user)
    url = f"{RECORDS}{api_world.record.pk}/void/"
    assert "reason" in client.post(url, {}, format="json").json()
    response = client.post(url, {"reason": "Entered twice"}, format="json")
    assert response.status_code == 200
    assert response.json()["is_void"] is True
    assert AuditEvent.objects.filter(
        action="record.void", object_id=str(api_world.record.pk)
    ).exists()
    again = client.post(url, {"reason": "Again"}, format="json")
    assert again.status_code == 400
    assert "reason" in again.json()


def test_a_supervisor_may_read_but_not_void_a_record(api_world: ApiWorld) -> None:
    w = api_world.w
    url = f"{RECORDS}{api_world.record.pk}/void/"
    assert token_client(w.supervisor_user).post(url, {"reason": "x"}).status_code == 403
    assert TrainingRecord.objects.get(pk=api_world.record.pk).voided_at is None


def test_qualifications_are_recorded_and_voided_through_the_service(
    api_world: ApiWorld,
) -> None:
    w = api_world.w
    client = token_client(w.training_user)
    body = {
        "officer": w.officer.pk,
        "qualified_on": w.agency.today().isoformat(),
        "weapon_type": "rifle",
        "course_of_fire": "Patrol rifle",
        "score": "45",
        "max_score": "50",
        "passing_score": "40",
    }
    response = client.post(QUALIFICATIONS, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["passed"] is True
    event = QualificationEvent.objects.get(pk=response.json()["id"])
    assert AuditEvent.objects.filter(
        action="qualification.create", object_id=str(event.pk)
    ).exists()
    too_high = client.post(QUALIFICATIONS, body | {"score": "60"}, format="json")
    assert too_high.status_code == 400
    assert "score" in too_high.json()
    voided = client.post(f"{QUALIFICATIONS}{event.pk}/void/", {"reason": "Wrong rifle"})
    assert voided.status_code == 200
    assert voided.json()["is_void"] is True


def test_the_agency_administrator_adds_and_changes_officers(api_world: ApiWorld) -> None:
    w = api_world.w
    client = token_client(w.admin_user)
    body = {
        "agency": w.agency.pk,
        "unit": w.traffic.pk,
        "first_name": "Sam",
        "last_name": "Okafor",
        "serial_number": "7781",
        "rank": "Officer",
    }
    created = client.post("/api/v1/officers/", body, format="json")
    assert created.status_code == 201, created.content
    officer = Officer.objects.get(pk=created.json()["id"])
    assert officer.unit == w.traffic
    assert AuditEvent.objects.filter(action="officer.create", object_id=str(officer.pk)).exists()
    duplicate = client.post("/api/v1/officers/", body, format="json")
    assert duplicate.status_code == 400
    changed = client.patch(f"/api/v1/officers/{officer.pk}/", {"rank": "Sergeant"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["rank"] == "Sergeant"
    assert AuditEvent.objects.filter(action="officer.update", object_id=str(officer.pk)).exists()
    separated = client.patch(
        f"/api/v1/officers/{officer.pk}/", {"status": "separated"}, format="json"
    )
    assert separated.status_code == 400
    assert "separated_on" in separated.json()
    assert Officer.objects.get(pk=officer.pk).status == "active"


def test_training_staff_may_not_change_the_roster(api_world: ApiWorld) -> None:
    w = api_world.w
    client = token_client(w.training_user)
    response = client.patch(f"/api/v1/officers/{w.officer.pk}/", {"rank": "Chief"}, format="json")
    assert response.status_code == 403
    assert Officer.objects.get(pk=w.officer.pk).rank != "Chief"
    other_unit = token_client(w.admin_user).patch(
        f"/api/v1/officers/{w.officer.pk}/", {"unit": 10**12}, format="json"
    )
    assert other_unit.status_code == 400
    assert "unit" in other_unit.json()
