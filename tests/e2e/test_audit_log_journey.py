"""The audit log in a real browser: the records custodian follows an officer's "Audit trail"
link, opens a voided record's row to read its before and after, and downloads the filtered
rows as CSV; an officer has no menu entry for it and is refused at /audit/."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from muster.core.models import AuditEvent
from muster.training.models import RecordSource
from muster.training.services import record_training, void_training_record
from tests.conftest import World
from tests.e2e.helpers import OpenPage, sign_in
from tests.factories import CourseFactory

PASSWORD = "correct horse battery"  # every factory-made user's password
VOID_REASON = "Entered for the wrong officer."


@pytest.fixture
def shots(pytestconfig: pytest.Config) -> Path:
    folder = pytestconfig.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_custodian_reads_and_exports_an_officer_s_audit_trail_and_an_officer_may_not(
    world: World, open_page: OpenPage, shots: Path, tmp_path: Path
) -> None:
    day = world.agency.today() - dt.timedelta(days=3)
    course = CourseFactory(agency=world.agency, course_id="OF-00042", title="Use of Force Law")
    other = CourseFactory(agency=world.agency, course_id="OF-00099", title="Colleague Only Course")
    record = record_training(
        acting_user=world.training_user,
        officer=world.officer,
        course=course,
        completed_on=day,
        source=RecordSource.MANUAL,
    )
    void_training_record(acting_user=world.training_user, record=record, reason=VOID_REASON)
    record_training(
        acting_user=world.training_user,
        officer=world.colleague,
        course=other,
        completed_on=day,
        source=RecordSource.MANUAL,
    )
    custodian = open_page()
    officer = open_page()

    def shot(page: Page, step: str) -> None:
        page.screenshot(path=shots / f"audit-log-journey-{step}.png", full_page=True)

    # 1. From the officer's page to their audit trail: their rows only.
    custodian.goto("/login/")
    sign_in(custodian, world.custodian_user.username, PASSWORD)
    expect(custodian).to_have_url("/")
    custodian.goto(f"/officers/{world.officer.pk}/")
    custodian.get_by_role("link", name="Audit trail of this officer's file").click()
    expect(custodian.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    expect(custodian.get_by_role("spinbutton", name=re.compile("^Officer"))).to_have_value(
        str(world.officer.pk)
    )
    actions = custodian.locator("table tbody tr td:nth-child(4)")
    # Newest first: the custodian opening the page, the void, the entry.
    expect(actions).to_have_text(["officer.read", "record.void", "record.create"])
    expect(custodian.get_by_role("table")).not_to_contain_text("Colleague Only Course")
    shot(custodian, "1-officer-trail")

    # 2. One row: the void, with what changed.
    void_row = custodian.get_by_role("row").filter(has_text="record.void")
    expect(void_row).to_contain_text(world.training_user.username)
    expect(void_row).to_contain_text(VOID_REASON)
    void_row.get_by_role("link").click()
    expect(custodian.get_by_role("heading", level=1)).to_contain_text("record.void")
    expect(custodian.get_by_text("Holds", exact=True)).to_be_visible()
    changed = custodian.get_by_role("row").filter(has=custodian.get_by_text("changed"))
    reason_row = changed.filter(has=custodian.get_by_role("rowheader", name="void_reason changed"))
    expect(reason_row.get_by_role("cell").nth(1)).to_contain_text(VOID_REASON)
    expect(changed.filter(has_text="voided_at")).to_have_count(1)
    expect(
        custodian.get_by_role("rowheader", name="title", exact=True)
    ).to_be_visible()  # unchanged
    shot(custodian, "2-before-and-after")

    # 3. Back on the filtered list, the CSV holds the same rows, and the export is logged.
    custodian.go_back()
    with custodian.expect_download() as download_info:
        custodian.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.startswith("audit-")
    assert download.suggested_filename.endswith(".csv")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][:4] == ["id", "occurred_at", "actor", "action"]
    assert [row[3] for row in rows[1:]] == ["officer.read", "record.void", "record.create"]
    assert "Colleague Only Course" not in path.read_text(encoding="utf-8-sig")
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor_label == world.custodian_user.username
    assert export.after == {
        "format": "csv",
        "rows": 3,
        "filters": {"officer": str(world.officer.pk)},
    }
    shot(custodian, "3-after-download")

    # 4. An officer has no menu entry for the audit log and is refused at its address.
    officer.goto("/login/")
    sign_in(officer, world.officer_user.username, PASSWORD)
    menu = officer.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="My training")).to_be_visible()
    expect(menu.get_by_role("link", name="Audit log")).to_have_count(0)
    response = officer.goto("/audit/")
    assert response is not None
    assert response.status == 403
    expect(officer.get_by_role("table")).to_have_count(0)
    shot(officer, "4-officer-refused")
