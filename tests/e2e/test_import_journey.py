"""Importing training records in a real browser: the Training Unit finds Imports in the menu,
takes the empty records file, uploads one with two bad rows and reads the problems by line and
column, uploads the corrected file and imports it, and finds the records on the officer's
page. Then a large file: the page shows the background worker's progress and reloads itself
when each step is done. No page raises a Content-Security-Policy violation."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from muster.core.worker import WorkerThread, start_worker_thread
from muster.imports.models import ImportBatch, ImportStatus
from muster.training.models import TrainingRecord
from tests.conftest import World
from tests.e2e.helpers import OpenPage, sign_in
from tests.e2e.test_csp import Watch

PASSWORD = "correct horse battery"  # every factory-made user's password
HEADER = ["serial_number", "date", "title", "minutes", "hours", "record_id"]
LARGE_ROWS = 3000


@pytest.fixture
def shots(pytestconfig: pytest.Config) -> Path:
    folder = pytestconfig.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def worker(transactional_db: None) -> Iterator[list[WorkerThread]]:
    """Background workers started by the test, each stopped (and its connections closed)
    before the database is emptied, so none takes another test's jobs."""
    threads: list[WorkerThread] = []
    yield threads
    for thread in threads:
        thread.stop()
        assert not thread.is_alive(), "the worker thread did not stop"


def csv_file(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """A CSV file as Playwright's set_input_files takes one."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return {"name": name, "mimeType": "text/csv", "buffer": out.getvalue().encode()}


def upload(page: Page, file: dict[str, Any]) -> None:
    """Fill in the new import form for training records and send it."""
    page.goto("/imports/new/")
    page.get_by_label("Training records").check()
    page.get_by_label("CSV or XLSX file").set_input_files(files=[file])
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Import #\d+"), level=1)).to_be_visible()


def test_training_staff_correct_a_file_import_it_and_follow_a_large_one(
    world: World, open_page: OpenPage, shots: Path, settings: Any, worker: list[WorkerThread]
) -> None:
    watch = Watch(open_page())
    page = watch.page
    serial = world.officer.serial_number

    def shot(step: str) -> None:
        page.screenshot(path=shots / f"import-journey-{step}.png", full_page=True)

    # 1. The Training Unit opens Imports from the menu.
    watch.visit("/login/")
    sign_in(page, world.training_user.username, PASSWORD)
    expect(page).to_have_url("/")
    page.get_by_role("navigation").get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", name="Imports", level=1)).to_be_visible()
    page.get_by_role("button", name="New import").click()  # a link styled as one
    expect(page.get_by_role("heading", name="New import", level=1)).to_be_visible()
    shot("1-new")

    # 2. The empty records file names every column.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="records.csv").click()
    template = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    columns = next(csv.reader(io.StringIO(template)))
    assert {"serial_number", "date", "title", "minutes", "record_id"} <= set(columns)

    # 3. A file with two bad rows: every problem by line and column, and no Import button.
    good = [
        [serial, "2025-02-11", "Legal update", "240", "", "LMS-1"],
        [serial, "2025-03-01", "Fair policing", "", "2.5", "LMS-2"],
    ]
    bad = [
        good[0],
        ["NOPE-1", "2025-03-01", "Fair policing", "", "2.5", "LMS-2"],
        [serial, "2025-04-01", "Defensive tactics", "lots", "", "LMS-3"],
    ]
    upload(page, csv_file("records.csv", HEADER, bad))
    expect(page.get_by_text("Rows with problems")).to_be_visible()
    problems = page.locator("#problem-table")
    expect(problems.get_by_role("row")).to_have_count(3)  # the header and two problems
    line3 = problems.get_by_role("row").filter(has_text="serial_number")
    expect(line3.get_by_role("cell").first).to_have_text("3")
    expect(line3).to_contain_text("no officer with serial number 'NOPE-1'")
    line4 = problems.get_by_role("row").filter(has_text="minutes")
    expect(line4.get_by_role("cell").first).to_have_text("4")
    expect(page.get_by_role("button", name=re.compile(r"^Import"))).to_have_count(0)
    assert TrainingRecord.objects.count() == 0
    shot("2-problems")

    # 4. The corrected file is imported.
    corrected = [*good, [serial, "2025-04-01", "Defensive tactics", "480", "", "LMS-3"]]
    upload(page, csv_file("records-corrected.csv", HEADER, corrected))
    expect(page.get_by_text("Ready to import")).to_be_visible()
    expect(page.locator("#to-create")).to_have_text("3")
    expect(page.locator("#sample-table")).to_contain_text("Defensive tactics")
    shot("3-ready")
    page.get_by_role("button", name="Import 3 new rows").click()
    expect(page.get_by_text("Imported: 3 created.")).to_be_visible()
    expect(page.locator("#to-create")).to_have_text("3")
    shot("4-imported")
    assert TrainingRecord.objects.filter(officer=world.officer).count() == 3

    # 5. The officer's page shows the records and their hours.
    page.goto(f"/officers/{world.officer.pk}/")
    records = page.get_by_role("region", name="Training records")
    expect(records.get_by_role("row").filter(has_text="Legal update")).to_contain_text("4 h")
    expect(records.get_by_role("row").filter(has_text="Fair policing")).to_contain_text(
        "2.5 h (stated)"
    )
    expect(records.get_by_role("row").filter(has_text="Defensive tactics")).to_contain_text("8 h")
    shot("5-officer")

    # 6. A large file goes to the background worker; the page follows it.
    settings.MUSTER_IMPORT_INLINE_BYTES = 1000
    large = [
        [world.colleague.serial_number, "2025-01-02", f"E-learning module {n}", "30", "", f"EL-{n}"]
        for n in range(LARGE_ROWS)
    ]
    upload(page, csv_file("e-learning.csv", HEADER, large))
    batch = ImportBatch.objects.latest("pk")
    assert batch.status == ImportStatus.QUEUED
    expect(page.locator("#import-progress progress")).to_be_visible()
    expect(page.locator("#import-progress")).to_contain_text("Waiting to be checked")
    shot("6-queued")
    url = page.url
    worker.append(_started())
    # htmx polls the progress panel; when the check ends it reloads the page by itself.
    expect(page.get_by_text("Ready to import")).to_be_visible(timeout=60_000)
    expect(page.locator("#to-create")).to_have_text(str(LARGE_ROWS))
    assert page.url == url
    shot("7-checked")

    # The worker is stopped while the import is asked for, so the queued state can be seen.
    worker.pop().stop()
    page.get_by_role("button", name=f"Import {LARGE_ROWS} new rows").click()
    expect(page.locator("#import-progress")).to_contain_text("Waiting to be imported")
    expect(page.locator("#import-progress progress")).to_be_visible()
    shot("8-import-queued")
    worker.append(_started())
    expect(page.get_by_text("Imported", exact=True)).to_be_visible(timeout=60_000)
    expect(page.locator("#import-progress progress")).to_have_count(0)
    expect(page.locator("#to-create")).to_have_text(str(LARGE_ROWS))
    expect(page.get_by_role("row").filter(has_text="Created")).to_be_visible()
    shot("9-imported")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert TrainingRecord.objects.filter(officer=world.colleague).count() == LARGE_ROWS

    watch.assert_clean("training staff")


def _started() -> WorkerThread:
    """A background worker in this process, polling often so the test does not wait long."""
    thread = start_worker_thread(interval=0.2)
    assert thread is not None, "jobs do not go to the database in the test settings"
    return thread
