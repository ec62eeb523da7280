"""Officers and leave: roster changes are validated, scoped and audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from muster.core.models import AuditEvent
from muster.people.models import Officer, OfficerStatus
from muster.people.services import (
    add_leave_period,
    create_officer,
    end_leave_period,
    update_officer,
)


def _new(world, **overrides):
    values = {
        "first_name": "Casey",
        "last_name": "New",
        "serial_number": "9001",
        "rank": "Officer",
        "unit": world.north,
    } | overrides
    return create_officer(acting_user=world.admin_user, agency=world.agency, **values)


def test_an_administrator_adds_an_officer_and_the_audit_row_has_the_values(world):
    officer = _new(world)
    event = AuditEvent.objects.get(action="officer.create")
    assert event.object_id == str(officer.pk)
    assert event.after["serial_number"] == "9001"
    assert event.agency_id == world.agency.pk


def test_a_serial_number_is_unique_in_the_agency_but_not_across_agencies(world):
    _new(world)
    with pytest.raises(ValidationError) as err:
        _new(world, first_name="Other")
    assert "__all__" in err.value.message_dict or "serial_number" in err.value.message_dict
    create_officer(
        acting_user=world.admin_user.__class__.objects.create_superuser("root", "", "x"),
        agency=world.other_agency,
        first_name="Same",
        last_name="Serial",
        serial_number="9001",
        rank="Deputy",
    )
    assert Officer.objects.filter(serial_number="9001").count() == 2


def test_a_unit_of_another_agency_is_refused(world):
    from tests.factories import UnitFactory

    foreign = UnitFactory(agency=world.other_agency)
    with pytest.raises(ValidationError) as err:
        _new(world, unit=foreign)
    assert "unit" in err.value.message_dict


@pytest.mark.parametrize("who", ["training_user", "supervisor_user", "officer_user"])
def test_only_the_agency_administrator_changes_the_roster(world, who):
    with pytest.raises(PermissionDenied):
        create_officer(
            acting_user=getattr(world, who),
            agency=world.agency,
            first_name="No",
            last_name="Way",
            serial_number="1",
            rank="Officer",
        )


def test_an_update_records_before_and_after(world):
    update_officer(acting_user=world.admin_user, officer=world.officer, rank="Corporal")
    event = AuditEvent.objects.get(action="officer.update")
    assert event.before["rank"] == "Officer"
    assert event.after["rank"] == "Corporal"


def test_separating_an_officer_needs_a_date(world):
    with pytest.raises(ValidationError):
        update_officer(
            acting_user=world.admin_user, officer=world.officer, status=OfficerStatus.SEPARATED
        )


def test_an_open_leave_puts_the_officer_on_leave_and_ending_it_returns_them(world):
    leave = add_leave_period(
        acting_user=world.training_user,
        officer=world.officer,
        kind="military",
        starts_on=dt.date(2026, 2, 1),
    )
    world.officer.refresh_from_db()
    assert world.officer.status == OfficerStatus.ON_LEAVE
    end_leave_period(acting_user=world.training_user, leave=leave, ends_on=dt.date(2026, 6, 30))
    world.officer.refresh_from_db()
    assert world.officer.status == OfficerStatus.ACTIVE
    assert list(
        AuditEvent.objects.filter(object_type="people.leaveperiod").values_list("action", flat=True)
    ) == ["leave.create", "leave.end"]


def test_overlapping_leave_is_refused(world):
    add_leave_period(
        acting_user=world.training_user,
        officer=world.officer,
        kind="medical",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 3, 1),
    )
    with pytest.raises(ValidationError) as err:
        add_leave_period(
            acting_user=world.training_user,
            officer=world.officer,
            kind="other",
            starts_on=dt.date(2026, 2, 15),
        )
    assert "starts_on" in err.value.message_dict


def test_a_leave_cannot_end_before_it_starts(world):
    with pytest.raises(ValidationError):
        add_leave_period(
            acting_user=world.training_user,
            officer=world.officer,
            kind="medical",
            starts_on=dt.date(2026, 2, 1),
            ends_on=dt.date(2026, 1, 1),
        )


def test_a_leave_that_starts_later_does_not_put_the_officer_on_leave_yet(world):
    today = world.agency.today()
    add_leave_period(
        acting_user=world.training_user,
        officer=world.officer,
        kind="medical",
        starts_on=today + dt.timedelta(days=10),
    )
    world.officer.refresh_from_db()
    assert world.officer.status == OfficerStatus.ACTIVE


def test_an_officer_cannot_be_put_in_another_agencys_unit(world):
    from tests.factories import UnitFactory

    with pytest.raises(ValidationError) as err:
        update_officer(
            acting_user=world.admin_user,
            officer=world.officer,
            unit=UnitFactory(agency=world.other_agency),
        )
    assert "unit" in err.value.message_dict
