"""The audit log: one row per change, append-only, and a hash chain that exposes tampering."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection, transaction

from muster.core.audit import GENESIS_HASH, record_audit, verify_chain
from muster.core.models import AuditEvent
from muster.core.services import SYSTEM
from muster.people.services import create_officer
from tests.factories import AgencyFactory


def _make_events(world, n: int = 3) -> list[AuditEvent]:
    for i in range(n):
        create_officer(
            acting_user=world.admin_user,
            agency=world.agency,
            first_name="Audit",
            last_name=f"Case{i}",
            serial_number=f"A{i}",
            rank="Officer",
        )
    return list(AuditEvent.objects.order_by("id"))


def test_each_change_writes_one_row_chained_to_the_one_before(world):
    events = _make_events(world)
    assert len(events) == 3
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert {e.action for e in events} == {"officer.create"}
    assert events[0].actor == world.admin_user
    assert events[0].after["last_name"] == "Case0"
    assert verify_chain() == []


def test_verify_chain_finds_a_row_edited_in_the_database(world):
    events = _make_events(world)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET action = %s WHERE id = %s", ["officer.delete", events[1].pk]
        )
    breaks = verify_chain()
    assert [b.event_id for b in breaks] == [events[1].pk]
    assert "content" in breaks[0].problem


def test_verify_chain_finds_a_row_removed_from_the_database(world):
    events = _make_events(world)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [events[1].pk])
    breaks = verify_chain()
    assert [b.event_id for b in breaks] == [events[2].pk]
    assert "removed or inserted" in breaks[0].problem


def test_audit_rows_cannot_be_changed_or_deleted_through_the_orm(world):
    event = _make_events(world, 1)[0]
    event.action = "something.else"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(action="x")


@pytest.mark.django_db(transaction=True)
def test_an_audit_row_must_share_the_transaction_of_its_change():
    with pytest.raises(RuntimeError):
        record_audit(actor=SYSTEM, action="loose.write")
    assert not AuditEvent.objects.exists()


def test_a_failed_change_leaves_no_audit_row(db):
    agency = AgencyFactory()

    def change_that_fails() -> None:
        with transaction.atomic():
            record_audit(actor=SYSTEM, action="agency.touch", obj=agency)
            raise RuntimeError("the change fails after its audit row was written")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert not AuditEvent.objects.exists()


def test_requests_stamp_their_request_id_on_the_audit_rows(client, world):
    from muster.core.context import current_request_id

    token = current_request_id.set("req-12345678")
    try:
        _make_events(world, 1)
    finally:
        current_request_id.reset(token)
    assert AuditEvent.objects.get().request_id == "req-12345678"
    response = client.get("/login/", HTTP_X_REQUEST_ID="abcdef12-3456")
    assert response["X-Request-ID"] == "abcdef12-3456"
    response = client.get("/login/", HTTP_X_REQUEST_ID="<script>")
    assert response["X-Request-ID"] != "<script>"


def test_an_agency_and_its_units_are_audited_under_that_agency(db):
    from muster.agencies.services import create_agency, create_unit

    agency = create_agency(
        acting_user=SYSTEM, name="Audit PD", state="MO", ori="MO9999999",
        time_zone="America/Chicago", rule_pack="us-mo-clee", course_id_prefix="AUD",
    )  # fmt: skip
    unit = create_unit(acting_user=SYSTEM, agency=agency, name="Patrol", kind="division")
    events = {e.action: e for e in AuditEvent.objects.all()}
    assert events["agency.create"].agency_id == agency.pk
    assert events["unit.create"].agency_id == agency.pk
    assert events["unit.create"].after["path"] == f"/{unit.pk}/" == unit.path
