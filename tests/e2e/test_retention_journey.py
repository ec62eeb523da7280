"""Records retention from schedule to tombstone, in a real browser: the records custodian adds
the starting schedules; a separated officer's records past five years from separation appear
on the disposition report; a legal hold on another separated officer keeps theirs off it; the
custodian proposes, approves and executes a batch; the Training Unit finds the records gone
from the officer's page; the officer's audit trail holds one "record.disposed" tombstone per
record; and the audit chain still verifies."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from muster.core.audit import verify_chain
from muster.core.models import AuditEvent
from muster.retention.models import BatchStatus, DispositionBatch, LegalHold
from muster.training.models import QualificationEvent, TrainingRecord
from tests.conftest import World
from tests.e2e.helpers import OpenPage, sign_in
from tests.factories import QualificationFactory, TrainingRecordFactory
from tests.retention.helpers import separate

PASSWORD = "correct horse battery"  # every factory-made user's password
MATTER = "Wrongful-termination claim, case 24-CV-0815"


@pytest.fixture
def shots(pytestconfig: pytest.Config) -> Path:
    folder = pytestconfig.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def years_ago(today: dt.date, years: int) -> dt.date:
    """The same day `years` years before (Feb 28 for a Feb 29)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def test_a_separated_officer_s_records_are_disposed_of_but_held_records_stay(
    world: World, open_page: OpenPage, shots: Path
) -> None:
    today = world.agency.today()
    # Separated six years ago: past the starting schedule of five years from separation.
    gone = separate(world.traffic_officer, years_ago(today, 6))
    gone_records = [
        TrainingRecordFactory(
            officer=gone, completed_on=years_ago(today, 8), title="Radar Operator Refresher"
        ),
        TrainingRecordFactory(
            officer=gone, completed_on=years_ago(today, 7), title="Crash Scene Diagramming"
        ),
    ]
    gone_qualification = QualificationFactory(officer=gone, qualified_on=years_ago(today, 7))
    # Also separated long enough, but a legal hold is about to be placed on their records.
    held = separate(world.colleague, years_ago(today, 7))
    held_record = TrainingRecordFactory(
        officer=held, completed_on=years_ago(today, 9), title="Defensive Tactics Basics"
    )
    # Still serving: an old record is never due under a schedule counted from separation.
    serving_record = TrainingRecordFactory(
        officer=world.officer, completed_on=years_ago(today, 10), title="Academy Firearms"
    )
    custodian = open_page()
    training = open_page()

    def shot(page: Page, step: str) -> None:
        page.screenshot(path=shots / f"retention-journey-{step}.png", full_page=True)

    # 1. The custodian adds Muster's starting schedules.
    custodian.goto("/login/")
    sign_in(custodian, world.custodian_user.username, PASSWORD)
    expect(custodian).to_have_url("/")
    custodian.get_by_role("navigation", name="Main").get_by_role("link", name="Retention").click()
    expect(custodian.get_by_role("heading", name="Records due for disposition")).to_be_visible()
    due = custodian.get_by_role("region", name="Every record due")
    expect(due).to_contain_text("Nothing is due for disposition.")
    custodian.get_by_role("navigation", name="Retention").get_by_role(
        "link", name="Schedules"
    ).click()
    custodian.get_by_role("button", name="Add the starting schedules").click()
    expect(custodian.get_by_text("7 starting schedules added")).to_be_visible()
    training_row = custodian.get_by_role("row").filter(has_text="Training records")
    expect(training_row).to_contain_text("5 years from the officer's separation")
    shot(custodian, "1-schedules")

    # 2. Both separated officers' records are due; the serving officer's are not.
    custodian.get_by_role("navigation", name="Retention").get_by_role(
        "link", name="Due for disposition"
    ).click()
    expect(due.get_by_role("row").filter(has_text="Radar Operator Refresher")).to_be_visible()
    expect(due.get_by_role("row").filter(has_text="Crash Scene Diagramming")).to_be_visible()
    expect(due.get_by_role("row").filter(has_text="Defensive Tactics Basics")).to_be_visible()
    expect(due).not_to_contain_text("Academy Firearms")
    expect(due).to_contain_text("4 rows")  # three training records and one qualification
    shot(custodian, "2-due-before-the-hold")

    # 3. A legal hold on the colleague, placed from their page, takes their record off the report.
    held_row = due.get_by_role("row").filter(has_text="Defensive Tactics Basics")
    held_row.get_by_role("link", name=re.compile(held.last_name)).click()
    expect(custodian.get_by_role("heading", level=1)).to_contain_text(held.full_name)
    custodian.get_by_role("link", name="Place a legal hold on this officer's records").click()
    expect(custodian.get_by_label("Officer")).to_have_value(str(held.pk))
    custodian.get_by_label("Matter").fill(MATTER)
    custodian.get_by_role("button", name="Place the hold").click()
    expect(
        custodian.get_by_text("The legal hold is in place; its records are not disposed.")
    ).to_be_visible()
    assert LegalHold.objects.get().officer == held
    custodian.get_by_role("navigation", name="Retention").get_by_role(
        "link", name="Due for disposition"
    ).click()
    expect(due).to_contain_text("3 rows")
    expect(due).not_to_contain_text("Defensive Tactics Basics")
    summary = custodian.get_by_role("table").filter(has_text="By series")
    # Series, schedule, due, in a batch, held, kept for a related record.
    expect(
        summary.get_by_role("row").filter(has_text="Training records").get_by_role("cell")
    ).to_have_text(["Training records", re.compile("5 years"), "2", "0", "1", "0"])
    shot(custodian, "3-due-after-the-hold")

    # 4. The custodian proposes, approves and executes a batch of everything due.
    custodian.get_by_label("Records").select_option(label="Every series")
    custodian.get_by_label("Note").fill("Separated in the traffic division; schedule confirmed.")
    custodian.get_by_role("button", name="Propose for disposition").click()
    batch = DispositionBatch.objects.get()
    expect(custodian.get_by_text(f"Batch {batch.pk} proposed: 3 records wait")).to_be_visible()
    custodian.get_by_role("button", name="Approve for disposition").click()
    expect(custodian.get_by_text(f"Batch {batch.pk} approved")).to_be_visible()
    shot(custodian, "4-approved")
    custodian.get_by_role("button", name="Dispose of the records").click()
    expect(
        custodian.get_by_text(f"Batch {batch.pk} executed: 3 records disposed of, 0 kept.")
    ).to_be_visible()
    expect(
        custodian.get_by_text('left a tombstone in the audit log ("record.disposed")')
    ).to_be_visible()
    shot(custodian, "5-executed")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EXECUTED
    assert batch.approved_by == world.custodian_user
    assert batch.executed_by == world.custodian_user
    assert not TrainingRecord._base_manager.filter(pk__in=[r.pk for r in gone_records]).exists()
    assert not QualificationEvent._base_manager.filter(pk=gone_qualification.pk).exists()
    assert TrainingRecord.objects.filter(pk__in=[held_record.pk, serving_record.pk]).count() == 2

    # 5. The Training Unit finds the separated officer's records gone, the held ones still there.
    training.goto("/login/")
    sign_in(training, world.training_user.username, PASSWORD)
    training.goto(f"/officers/{gone.pk}/")
    records = training.get_by_role("region", name="Training records")
    expect(records).to_contain_text("No training has been recorded.")
    expect(records).not_to_contain_text("Radar Operator Refresher")
    qualifications = training.get_by_role("region", name="Firearms qualifications")
    expect(qualifications).to_contain_text("No qualification on record.")
    shot(training, "6-records-gone")
    training.goto(f"/officers/{held.pk}/")
    expect(training.get_by_role("region", name="Training records")).to_contain_text(
        "Defensive Tactics Basics"
    )
    expect(training.get_by_role("note")).to_contain_text("under a legal hold")

    # 6. The officer's audit trail shows one tombstone per disposed record, without content.
    custodian.goto(f"/officers/{gone.pk}/")
    custodian.get_by_role("link", name="Audit trail of this officer's file").click()
    tombstones = custodian.get_by_role("row").filter(has_text="record.disposed")
    expect(tombstones).to_have_count(3)
    expect(custodian.get_by_role("table")).not_to_contain_text("Radar Operator Refresher")
    shot(custodian, "7-tombstones")
    tombstones.first.get_by_role("link").click()
    expect(custodian.get_by_role("heading", level=1)).to_contain_text("record.disposed")
    expect(custodian.get_by_role("row").filter(has_text="batch")).to_contain_text(str(batch.pk))
    stored = AuditEvent.objects.filter(action="record.disposed")
    assert {(e.object_type, e.object_id) for e in stored} == {
        ("training.trainingrecord", str(gone_records[0].pk)),
        ("training.trainingrecord", str(gone_records[1].pk)),
        ("training.qualificationevent", str(gone_qualification.pk)),
    }
    assert all(e.after["officer"] == gone.pk for e in stored)

    # 7. The audit chain still holds after the disposition.
    assert verify_chain() == []
