"""Reading through the API: every list and object scoped as the pages are, reads of an
officer's file audited as the officer's page audits them, filters and pages."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from muster.accounts.models import Role
from muster.compliance.models import ComplianceSnapshot
from muster.core.models import AuditEvent
from tests.api.conftest import ApiWorld, token_client
from tests.conftest import World, member
from tests.factories import OfficerFactory


def ids(client: APIClient, url: str, **query: Any) -> set[int]:
    """The ids on the first page of a list."""
    response = client.get(url, query)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_an_officer_sees_only_themselves_and_their_own_file(api_world: ApiWorld) -> None:
    w = api_world.w
    client = token_client(w.officer_user)
    assert ids(client, "/api/v1/officers/") == {w.officer.pk}
    assert ids(client, "/api/v1/training-records/") == {api_world.record.pk}
    assert ids(client, "/api/v1/qualifications/") == {api_world.qualification.pk}
    assert {s["officer"] for s in client.get("/api/v1/compliance/").json()["results"]} == {
        w.officer.pk
    }
    assert client.get(f"/api/v1/officers/{w.colleague.pk}/").status_code == 404
    assert client.get(f"/api/v1/training-records/{api_world.colleague_record.pk}/").status_code == (
        404
    )


def test_a_supervisor_sees_their_unit_and_its_sub_units(api_world: ApiWorld) -> None:
    w = api_world.w
    client = token_client(w.supervisor_user)
    assert ids(client, "/api/v1/officers/") == {w.officer.pk, w.colleague.pk}
    assert ids(client, "/api/v1/training-records/") == {
        api_world.record.pk,
        api_world.colleague_record.pk,
    }


def test_training_staff_see_their_agency_and_nothing_of_another(api_world: ApiWorld) -> None:
    w = api_world.w
    client = token_client(w.training_user)
    officers = ids(client, "/api/v1/officers/")
    assert officers == {w.officer.pk, w.colleague.pk, w.traffic_officer.pk}
    assert api_world.outsider_record.pk not in ids(client, "/api/v1/training-records/")
    assert ids(client, "/api/v1/agencies/") == {w.agency.pk}
    assert client.get(f"/api/v1/officers/{w.outsider.pk}/").status_code == 404
    assert client.get(f"/api/v1/agencies/{w.other_agency.pk}/").status_code == 404


def test_another_agency_sees_nothing_of_this_one(api_world: ApiWorld) -> None:
    w = api_world.w
    client = token_client(member(Role.TRAINING_STAFF, w.other_agency))
    assert ids(client, "/api/v1/officers/") == {w.outsider.pk}
    assert ids(client, "/api/v1/courses/") == set()
    assert ids(client, "/api/v1/sessions/") == set()
    assert ids(client, "/api/v1/units/") == set()
    assert client.get(f"/api/v1/officers/{w.officer.pk}/compliance/").status_code == 404


def test_the_officer_carries_their_unit(api_world: ApiWorld) -> None:
    w = api_world.w
    data = token_client(w.training_user).get(f"/api/v1/officers/{w.officer.pk}/").json()
    assert data["unit"] == {"id": w.north.pk, "name": "North Section", "kind": "section"}
    assert data["last_name"] == "Reyes"


def test_reading_records_is_audited_per_officer_but_not_ones_own(api_world: ApiWorld) -> None:
    w = api_world.w
    token_client(w.supervisor_user).get("/api/v1/training-records/")
    read = AuditEvent.objects.filter(action="officer.read", actor=w.supervisor_user)
    assert sorted(int(e.object_id) for e in read) == sorted([w.officer.pk, w.colleague.pk])
    token_client(w.officer_user).get("/api/v1/training-records/")
    token_client(w.officer_user).get(f"/api/v1/officers/{w.officer.pk}/compliance/")
    assert not AuditEvent.objects.filter(action="officer.read", actor=w.officer_user).exists()


def test_an_officers_compliance_is_their_stored_verdicts_with_explanations(
    api_world: ApiWorld,
) -> None:
    w = api_world.w
    client = token_client(w.supervisor_user)
    response = client.get(f"/api/v1/officers/{w.officer.pk}/compliance/")
    assert response.status_code == 200
    stored = ComplianceSnapshot.objects.filter(
        officer=w.officer, pack_id=w.agency.rule_pack
    ).order_by("-period_start")
    assert [s["period_label"] for s in response.json()] == [s.period_label for s in stored]
    assert response.json()[0]["result"] == stored[0].result
    assert "requirements" in response.json()[0]["result"]
    assert AuditEvent.objects.filter(
        action="officer.read", actor=w.supervisor_user, object_id=str(w.officer.pk)
    ).exists()


def test_agency_compliance_counts_serving_officers_by_verdict(api_world: ApiWorld) -> None:
    w = api_world.w
    response = token_client(w.training_user).get(f"/api/v1/agencies/{w.agency.pk}/compliance/")
    assert response.status_code == 200
    data = response.json()
    assert data["officers"] == 3 == sum(data["counts"].values())
    current = ComplianceSnapshot.objects.filter(
        officer__agency=w.agency, period_label=data["period_label"]
    )
    assert data["counts"]["deficient"] == current.filter(status="deficient").count()
    assert data["counts"]["not_computed"] == 3 - current.count()
    # Another period by its label; an unknown label names the parameter.
    older = ComplianceSnapshot.objects.exclude(period_label=data["period_label"]).first()
    if older is not None:
        other = token_client(w.training_user).get(
            f"/api/v1/agencies/{w.agency.pk}/compliance/", {"period": older.period_label}
        )
        assert other.json()["period_label"] == older.period_label
    bad = token_client(w.training_user).get(
        f"/api/v1/agencies/{w.agency.pk}/compliance/", {"period": "1066"}
    )
    assert bad.status_code == 400
    assert "period" in bad.json()


def test_agency_compliance_is_for_the_dashboards_readers(api_world: ApiWorld) -> None:
    w = api_world.w
    url = f"/api/v1/agencies/{w.agency.pk}/compliance/"
    assert token_client(w.supervisor_user).get(url).status_code == 403
    assert token_client(w.officer_user).get(url).status_code == 403
    assert token_client(member(Role.TRAINING_STAFF, w.other_agency)).get(url).status_code == 404


def test_filters_narrow_the_lists(api_world: ApiWorld) -> None:
    w = api_world.w
    client = token_client(w.training_user)
    assert ids(client, "/api/v1/officers/", unit=w.patrol.pk) == {w.officer.pk, w.colleague.pk}
    assert ids(client, "/api/v1/officers/", q="reyes") == {w.officer.pk}
    assert ids(client, "/api/v1/training-records/", officer=w.colleague.pk) == {
        api_world.colleague_record.pk
    }
    since = api_world.colleague_record.completed_on.isoformat()
    assert ids(client, "/api/v1/training-records/", completed_from=since) == {
        api_world.record.pk,
        api_world.colleague_record.pk,
    }
    assert ids(client, "/api/v1/training-records/", voided="true") == set()
    assert ids(client, "/api/v1/sessions/", course=api_world.course.pk) == {api_world.session.pk}


def test_a_filter_naming_what_the_user_may_not_read_is_refused(api_world: ApiWorld) -> None:
    w = api_world.w
    client = token_client(w.officer_user)
    response = client.get("/api/v1/training-records/", {"officer": w.colleague.pk})
    assert response.status_code == 400
    assert "officer" in response.json()
    assert client.get("/api/v1/officers/", {"status": "bogus"}).status_code == 400


def test_lists_come_in_pages_of_at_most_200(world: World) -> None:
    for n in range(5):
        OfficerFactory(agency=world.agency, last_name=f"Zed{n}")
    client = token_client(world.training_user)
    first = client.get("/api/v1/officers/", {"page_size": 3}).json()
    assert first["count"] == 8
    assert len(first["results"]) == 3
    assert first["next"]
    second = client.get(first["next"]).json()
    assert not {o["id"] for o in first["results"]} & {o["id"] for o in second["results"]}
    assert len(client.get("/api/v1/officers/", {"page_size": 10_000}).json()["results"]) == 8
    assert client.get("/api/v1/officers/", {"page": 99}).status_code == 404


def test_a_path_id_too_large_for_the_database_is_not_found(world: World) -> None:
    client = token_client(world.training_user)
    assert client.get("/api/v1/officers/9999999999999999999999/").status_code == 404
    assert client.get("/api/v1/officers/999999999999999999/").status_code == 404
