"""Stored compliance stays current with every change, in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction

from muster.compliance.models import ComplianceSnapshot
from muster.compliance.services import grant_waiver, recompute_all, set_agency_overlay
from muster.core.models import AuditEvent
from muster.people.services import add_leave_period
from muster.training.models import RecordSource
from muster.training.services import record_training, void_training_record
from tests.factories import AgencyFactory, OfficerFactory

NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def current(officer) -> ComplianceSnapshot:
    return ComplianceSnapshot.objects.get(officer=officer, period_label="2026")


def add_hours(world, officer, hours: int, **kw):
    return record_training(
        acting_user=world.training_user,
        officer=officer,
        title="Seminar",
        credit_hours=Decimal(hours),
        delivery="in_person",
        completed_on=dt.date(2026, 3, 1),
        source=RecordSource.CERTIFICATE,
        **kw,
    )


def test_a_new_record_updates_the_officers_snapshot_at_once(world):
    add_hours(world, world.officer, 6, category="legal_studies")
    snap = current(world.officer)
    assert snap.status == "deficient"
    assert snap.credited_hours == Decimal("6.00")
    assert snap.required_hours == Decimal("24.00")
    assert snap.pack_version == "2021"
    legal = next(r for r in snap.result["requirements"] if r["id"] == "legal_studies")
    assert legal["met"] is True
    previous = ComplianceSnapshot.objects.get(officer=world.officer, period_label="2025")
    assert previous.credited_hours == 0


def test_voiding_a_record_lowers_the_snapshot_in_the_same_transaction(world):
    record = add_hours(world, world.officer, 6)
    void_training_record(acting_user=world.training_user, record=record, reason="Not attended")
    assert current(world.officer).credited_hours == 0


def test_a_failed_change_leaves_the_snapshot_as_it_was(world):
    add_hours(world, world.officer, 6)
    seen_inside: list[Decimal] = []

    def failing_request() -> None:
        with transaction.atomic():
            add_hours(world, world.officer, 10)
            seen_inside.append(current(world.officer).credited_hours)
            raise RuntimeError("the surrounding request fails")

    with pytest.raises(RuntimeError):
        failing_request()
    assert seen_inside == [Decimal("16.00")]
    assert current(world.officer).credited_hours == Decimal("6.00")


def test_whole_year_military_leave_waives_the_period(world):
    add_leave_period(
        acting_user=world.training_user,
        officer=world.officer,
        kind="military",
        starts_on=dt.date(2025, 12, 1),
    )
    snap = current(world.officer)
    assert snap.status == "waived"
    assert "military leave" in snap.reason


def test_a_granted_waiver_is_audited_and_changes_the_status(world):
    waiver = grant_waiver(
        acting_user=world.admin_user,
        officer=world.officer,
        period_label="2026",
        reason="medical_leave",
        note="Surgery and recovery",
    )
    assert current(world.officer).status == "waived"
    assert AuditEvent.objects.filter(action="waiver.grant", object_id=str(waiver.pk)).exists()


def test_a_waiver_needs_a_reason_the_pack_allows_and_the_right_role(world):
    with pytest.raises(ValidationError) as err:
        grant_waiver(
            acting_user=world.admin_user, officer=world.officer, period_label="2026", reason="busy"
        )
    assert "military_leave" in str(err.value)
    with pytest.raises(PermissionDenied):
        grant_waiver(
            acting_user=world.training_user,
            officer=world.officer,
            period_label="2026",
            reason="medical_leave",
        )


def test_commission_staff_of_the_state_may_grant_waivers(world, commission_user):
    grant_waiver(
        acting_user=commission_user,
        officer=world.officer,
        period_label="2026",
        reason="military_leave",
    )
    assert current(world.officer).status == "waived"


def test_an_overlay_is_validated_audited_and_applied_to_the_agency(world):
    kansas = AgencyFactory(state="KS", rule_pack="us-ks-cpost", course_id_prefix="KS1")
    from tests.conftest import member

    admin = member("agency_admin", kansas)
    deputy = OfficerFactory(agency=kansas, employment="part_time", hired_on=dt.date(2010, 1, 1),
                            first_licensed_on=dt.date(2010, 1, 1))  # fmt: skip
    text = (
        "pack: us-ks-cpost\n"
        "overrides:\n"
        "  - {path: requirements.total.hours_by_employment.part_time, value: 20,"
        " reason: confirmed with KS-CPOST by phone}\n"
    )
    set_agency_overlay(acting_user=admin, agency=kansas, text=text)
    snap = ComplianceSnapshot.objects.get(officer=deputy, period_label="2027")
    assert snap.required_hours == Decimal("20.00")
    event = AuditEvent.objects.get(action="overlay.set")
    assert event.after == {"text": text.strip()}
    with pytest.raises(ValidationError) as err:
        set_agency_overlay(
            acting_user=admin,
            agency=kansas,
            text=(
                "pack: us-ks-cpost\noverrides:\n"
                "  - {path: requirements.total.hours, value: 1, reason: x}\n"
            ),
        )
    assert "confirmed state value" in str(err.value)
    with pytest.raises(PermissionDenied):
        set_agency_overlay(acting_user=world.admin_user, agency=kansas, text="")


def test_recompute_reports_whose_status_changed(world):
    add_hours(world, world.officer, 30)
    assert current(world.officer).status == "deficient"  # core areas still missing
    ComplianceSnapshot.objects.filter(officer=world.officer, period_label="2026").update(
        status="compliant"
    )
    changes = recompute_all(agency=world.agency)
    assert [
        (c.officer_id, c.period, c.before, c.after)
        for c in changes
        if c.officer_id == world.officer.pk
    ] == [(world.officer.pk, "2026", "compliant", "deficient")]


def test_the_recompute_command_prints_the_changes(world, capsys):
    add_hours(world, world.officer, 30)
    ComplianceSnapshot.objects.filter(officer=world.officer).update(status="exempt")
    call_command("recompute_compliance")
    out = capsys.readouterr().out
    assert "exempt -> deficient" in out
    assert "status changes." in out


def test_refreshing_one_officer_takes_a_fixed_number_of_queries(
    world, django_assert_max_num_queries
):
    from muster.compliance.services import refresh_compliance

    for _ in range(15):
        add_hours(world, world.officer, 1, topics=["legal_update"])
    with django_assert_max_num_queries(9):
        refresh_compliance([world.officer])


def test_changing_roster_facts_refreshes_the_snapshot(world):
    from muster.people.services import update_officer

    add_hours(world, world.officer, 30)
    assert current(world.officer).status == "deficient"
    update_officer(
        acting_user=world.admin_user, officer=world.officer, first_licensed_on=dt.date(2026, 2, 1)
    )
    assert current(world.officer).status == "exempt"


def test_lists_read_only_the_snapshot_of_the_agencys_current_pack(world):
    from muster.compliance.services import current_snapshots

    add_hours(world, world.officer, 6)
    stale = current(world.officer)
    ComplianceSnapshot.objects.create(
        officer=world.officer, pack_id="us-ks-cpost", pack_version="x", rules_digest="x",
        period_label="2027", period_start=dt.date(2026, 7, 1), period_end=dt.date(2027, 6, 30),
        status="compliant", credited_hours=0, required_hours=0, result={},
        computed_at=NOW,
    )  # fmt: skip
    rows = current_snapshots(world.training_user, [world.officer.pk], dt.date(2026, 11, 20))
    assert rows[world.officer.pk].pk == stale.pk
    assert current_snapshots(world.officer_user, [world.colleague.pk], dt.date(2026, 11, 20)) == {}
