"""The Training Unit's integration pages, by role, and the endpoint's matching rules."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client

from muster.accounts.models import Role
from muster.core.models import AuditEvent
from muster.training.models import TrainingRecord
from muster.xapi.models import ActivityMapping, Integration, Statement
from muster.xapi.services import add_mapping, create_integration
from tests.conftest import World, member
from tests.factories import CourseFactory

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_training_staff_create_an_integration_and_see_the_secret_once(world: World) -> None:
    client = _client(world.training_user)
    response = client.post(
        "/xapi/integrations/new/", {"agency": world.agency.pk, "name": "Example LMS"}
    )
    assert response.status_code == 200
    integration = Integration.objects.get()
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert secret not in integration.secret_hash
    assert check_password(secret, integration.secret_hash)
    assert not integration.service_user.has_usable_password()
    assert AuditEvent.objects.filter(action="xapi.integration_created").exists()
    # The secret is never shown again.
    page = client.get(f"/xapi/integrations/{integration.pk}/")
    assert secret not in page.content.decode()
    assert "Example LMS" in client.get("/xapi/integrations/").content.decode()


def test_a_blank_name_is_a_field_error(world: World) -> None:
    client = _client(world.training_user)
    response = client.post("/xapi/integrations/new/", {"agency": world.agency.pk, "name": " "})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not Integration.objects.exists()


def test_other_roles_may_not_manage_integrations(world: World) -> None:
    integration, _ = create_integration(
        acting_user=world.training_user, agency=world.agency, name="Example LMS"
    )
    for user in (world.officer_user, world.supervisor_user, world.custodian_user):
        client = _client(user)
        assert client.get("/xapi/integrations/").status_code == 403
        assert client.get(f"/xapi/integrations/{integration.pk}/").status_code == 404
        assert client.post(f"/xapi/integrations/{integration.pk}/deactivate/").status_code == 404
    foreign = _client(member(Role.TRAINING_STAFF, world.other_agency))
    assert foreign.get(f"/xapi/integrations/{integration.pk}/").status_code == 404
    assert "Example LMS" not in foreign.get("/xapi/integrations/").content.decode()
    integration.refresh_from_db()
    assert integration.active


def test_mapping_and_deactivating(world: World) -> None:
    integration, _ = create_integration(
        acting_user=world.training_user, agency=world.agency, name="Example LMS"
    )
    course = CourseFactory(agency=world.agency)
    foreign_course = CourseFactory(agency=world.other_agency)
    client = _client(world.admin_user)
    url = f"/xapi/integrations/{integration.pk}/mappings/"
    refused = client.post(url, {"activity_id": "https://x/a", "course": foreign_course.pk})
    assert refused.status_code == 200
    assert refused.context["form"].errors["course"]
    assert client.post(url, {"activity_id": "https://x/a", "course": course.pk}).status_code == 302
    again = client.post(url, {"activity_id": "https://x/a", "course": course.pk})
    assert again.context["form"].errors["activity_id"]
    assert ActivityMapping.objects.get().course == course
    client.post(f"/xapi/integrations/{integration.pk}/deactivate/")
    integration.refresh_from_db()
    assert not integration.active
    assert not integration.service_user.is_active


def _send(integration: Integration, secret: str, body: Any) -> Any:
    auth = base64.b64encode(f"{integration.key}:{secret}".encode()).decode()
    return Client().post(
        "/xapi/statements",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
    )


def test_actors_match_by_login_email_and_only_in_the_agency(world: World) -> None:
    integration, secret = create_integration(
        acting_user=world.training_user, agency=world.agency, name="Example LMS"
    )
    course = CourseFactory(agency=world.agency)
    add_mapping(
        acting_user=world.training_user,
        integration=integration,
        activity_id="https://x/a",
        course=course,
    )
    world.officer_user.email = "Dana.Reyes@example.com"
    world.officer_user.save()

    def statement(actor: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "actor": actor,
            "verb": {"id": COMPLETED},
            "object": {"id": "https://x/a"},
        }

    by_email = statement({"mbox": "mailto:dana.reyes@example.com"})
    outsider = statement(
        {"account": {"homePage": "https://x", "name": world.outsider.serial_number}}
    )
    response = _send(integration, secret, [by_email, outsider])
    assert response.status_code == 200
    assert response.json() == [by_email["id"], outsider["id"]]
    assert Statement.objects.get(statement_id=by_email["id"]).record.officer == world.officer
    refused = Statement.objects.get(statement_id=outsider["id"])
    assert not refused.credited
    assert "no officer" in refused.reason
    assert TrainingRecord.objects.count() == 1
    # A bad statement in a batch stores none of it.
    bad = statement({"mbox": "mailto:x@example.com"})
    del bad["verb"]
    response = _send(integration, secret, [statement({"mbox": "mailto:y@example.com"}), bad])
    assert response.status_code == 400
    assert "verb.id" in response.json()["error"]
    assert Statement.objects.count() == 2
    # The statement log shows the outcome.
    page = _client(world.training_user).get(f"/xapi/integrations/{integration.pk}/")
    assert "matches no officer" in page.content.decode()


def test_a_race_on_one_statement_id_stores_it_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests with one new id: the one that loses the insert answers as for a repeat."""
    from muster.xapi import services

    integration, _ = create_integration(
        acting_user=world.training_user, agency=world.agency, name="Example LMS"
    )
    data: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:nobody@example.com"},
        "verb": {"id": COMPLETED},
        "object": {"id": "https://x/a"},
    }
    first, created = services.receive_statement(
        integration=integration, data=data, parsed=services.parse_statement(data)
    )
    assert created
    real = services._already_stored
    calls: list[int] = []

    def not_yet_seen(*args: Any) -> Any:
        # The first look happens before the other request's row is committed.
        calls.append(1)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(services, "_already_stored", not_yet_seen)
    again, created = services.receive_statement(
        integration=integration, data=data, parsed=services.parse_statement(data)
    )
    assert not created
    assert again.pk == first.pk
    assert Statement.objects.count() == 1


def test_get_reads_only_the_integrations_own_statements(world: World) -> None:
    mine, my_secret = create_integration(
        acting_user=world.training_user, agency=world.agency, name="Mine"
    )
    other, other_secret = create_integration(
        acting_user=world.training_user, agency=world.agency, name="Other"
    )
    body = {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:nobody@example.com"},
        "verb": {"id": COMPLETED},
        "object": {"id": "https://x/a"},
    }
    assert _send(mine, my_secret, body).status_code == 200

    def get(integration: Integration, secret: str) -> Any:
        auth = base64.b64encode(f"{integration.key}:{secret}".encode()).decode()
        return Client().get(
            "/xapi/statements",
            {"statementId": body["id"]},
            HTTP_AUTHORIZATION=f"Basic {auth}",
            HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
        )

    found = get(mine, my_secret)
    assert found.status_code == 200
    assert found.json()["verb"]["id"] == COMPLETED
    assert found["X-Experience-API-Version"] == "1.0.3"
    assert get(other, other_secret).status_code == 404
    # A PUT needs the statementId parameter.
    auth = base64.b64encode(f"{mine.key}:{my_secret}".encode()).decode()
    put = Client().put(
        "/xapi/statements",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
    )
    assert put.status_code == 400
    assert "statementId" in put.json()["error"]


def test_the_menu_offers_e_learning_to_the_training_unit_only(world: World) -> None:
    from django.test import Client

    staff, officer = Client(), Client()
    staff.force_login(world.training_user)
    officer.force_login(world.officer_user)
    assert 'href="/xapi/integrations/"' in staff.get("/").content.decode()
    assert 'href="/xapi/integrations/"' not in officer.get("/").content.decode()
