"""Real statements sent by the tincan client library to the endpoint on a live server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer
from tincan import (  # type: ignore[import-untyped]
    Activity,
    Agent,
    AgentAccount,
    RemoteLRS,
    Result,
    Verb,
)
from tincan import (
    Statement as TinCanStatement,
)

from muster.core.models import AuditEvent
from muster.training.models import RecordSource, TrainingRecord
from muster.xapi.models import Statement
from muster.xapi.services import add_mapping, create_integration
from tests.conftest import World
from tests.factories import CourseFactory

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
ACTIVITY = "https://lms.example.com/courses/use-of-force-2026"


@pytest.fixture
def setup(world: World) -> dict[str, Any]:
    integration, secret = create_integration(
        acting_user=world.training_user, agency=world.agency, name="Example LMS"
    )
    course = CourseFactory(agency=world.agency, credit_minutes=120)
    add_mapping(
        acting_user=world.training_user,
        integration=integration,
        activity_id=ACTIVITY,
        course=course,
    )
    return {"integration": integration, "secret": secret, "course": course}


def _lrs(live_server: LiveServer, key: str, secret: str) -> RemoteLRS:
    return RemoteLRS(endpoint=live_server.url + "/xapi/", username=key, password=secret)


def _statement(world: World, verb: str, *, duration: str | None = None) -> TinCanStatement:
    return TinCanStatement(
        id=str(uuid.uuid4()),
        actor=Agent(
            name="Learner",
            account=AgentAccount(
                name=world.officer.serial_number, home_page="https://lms.example.com"
            ),
        ),
        verb=Verb(id=verb),
        object=Activity(id=ACTIVITY),
        result=Result(duration=duration, completion=True) if duration else None,
    )


def test_completed_statement_becomes_a_training_record(
    world: World, setup: dict[str, Any], live_server: LiveServer
) -> None:
    lrs = _lrs(live_server, setup["integration"].key, setup["secret"])
    sent = _statement(world, COMPLETED, duration="PT1H30M")
    response = lrs.save_statement(sent)
    assert response.success, response.data
    stored = Statement.objects.get(statement_id=sent.id)
    assert stored.credited
    assert stored.record is not None
    record = TrainingRecord.objects.get(pk=stored.record.pk)
    assert record.officer == world.officer
    assert record.course == setup["course"]
    assert record.minutes == 90  # from the statement's duration, not the course's 120
    assert record.source == RecordSource.API
    # The record was entered by the integration's service login, and the audit says so.
    service_user = setup["integration"].service_user
    for action in ("record.create", "xapi.statement_received"):
        event = AuditEvent.objects.filter(action=action).latest("pk")
        assert event.actor == service_user
        assert event.actor_label == service_user.username
    fetched = lrs.retrieve_statement(str(sent.id))
    assert fetched.success
    assert str(fetched.content.id) == str(sent.id)


def test_completed_without_duration_takes_the_course_minutes(
    world: World, setup: dict[str, Any], live_server: LiveServer
) -> None:
    lrs = _lrs(live_server, setup["integration"].key, setup["secret"])
    # No id: a POST, and the endpoint answers with the id it assigned.
    sent = _statement(world, COMPLETED)
    sent.id = None
    response = lrs.save_statement(sent)
    assert response.success, response.data
    stored = Statement.objects.get(statement_id=response.content.id)
    assert stored.record is not None
    assert stored.record.minutes == 120


def test_other_verbs_are_stored_but_not_credited(
    world: World, setup: dict[str, Any], live_server: LiveServer
) -> None:
    lrs = _lrs(live_server, setup["integration"].key, setup["secret"])
    response = lrs.save_statement(_statement(world, EXPERIENCED))
    assert response.success, response.data
    stored = Statement.objects.get()
    assert not stored.credited
    assert stored.record is None
    assert "verb" in stored.reason
    assert not TrainingRecord.objects.filter(officer=world.officer).exists()


def test_the_same_statement_twice_is_stored_once(
    world: World, setup: dict[str, Any], live_server: LiveServer
) -> None:
    lrs = _lrs(live_server, setup["integration"].key, setup["secret"])
    sent = _statement(world, COMPLETED, duration="PT45M")
    assert lrs.save_statement(sent).success
    again = lrs.save_statement(sent)
    assert again.success, again.data
    assert Statement.objects.count() == 1
    assert TrainingRecord.objects.filter(officer=world.officer).count() == 1
    # A different statement under the used id is a conflict.
    other = _statement(world, EXPERIENCED)
    other.id = sent.id
    conflict = lrs.save_statement(other)
    assert not conflict.success
    assert conflict.response.status == 409
    assert Statement.objects.count() == 1


def test_a_wrong_password_is_refused(
    world: World, setup: dict[str, Any], live_server: LiveServer
) -> None:
    lrs = _lrs(live_server, setup["integration"].key, "not-the-secret")
    response = lrs.save_statement(_statement(world, COMPLETED))
    assert not response.success
    assert response.response.status == 401
    assert response.response.getheader("WWW-Authenticate", "").startswith("Basic")
    assert not Statement.objects.exists()


def test_a_deactivated_integration_is_refused(
    world: World, setup: dict[str, Any], live_server: LiveServer
) -> None:
    from muster.xapi.services import deactivate_integration

    deactivate_integration(acting_user=world.training_user, integration=setup["integration"])
    lrs = _lrs(live_server, setup["integration"].key, setup["secret"])
    response = lrs.save_statement(_statement(world, COMPLETED))
    assert response.response.status == 401
    assert not Statement.objects.exists()


def _raw(live_server: LiveServer, headers: dict[str, str], body: Any) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310 (the live test server, over http)
        live_server.url + "/xapi/statements",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310 (the test server)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_missing_version_header_is_a_clear_400(
    world: World, setup: dict[str, Any], live_server: LiveServer
) -> None:
    import base64

    auth = base64.b64encode(f"{setup['integration'].key}:{setup['secret']}".encode()).decode()
    body = _statement(world, COMPLETED).as_version("1.0.3")
    status, text = _raw(live_server, {"Authorization": f"Basic {auth}"}, body)
    assert status == 400
    assert "X-Experience-API-Version" in text
    status, text = _raw(
        live_server,
        {"Authorization": f"Basic {auth}", "X-Experience-API-Version": "0.95"},
        body,
    )
    assert status == 400
    assert "not supported" in text
    assert not Statement.objects.exists()
    # 2.0 is accepted.
    status, text = _raw(
        live_server,
        {"Authorization": f"Basic {auth}", "X-Experience-API-Version": "2.0.0"},
        body,
    )
    assert status == 200
    assert json.loads(text) == [body["id"]]
    assert Statement.objects.count() == 1
