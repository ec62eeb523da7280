"""The import pages: upload, the check's preview, import, cancel, and the worker's path."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from muster.accounts.models import Role
from muster.agencies.models import Agency
from muster.core.models import AuditEvent
from muster.imports.batches import cancel_batch, request_commit, run_step
from muster.imports.models import ImportBatch, ImportStatus
from muster.people.models import Officer
from muster.training.models import TrainingRecord
from tests.conftest import World, member

HEADER = ["serial_number", "date", "title", "minutes", "hours", "record_id"]


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """A CSV file's bytes: the header, then the rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def good_rows(world: World) -> list[list[str]]:
    """Three records for two officers of the world's agency, each with its own record id."""
    serial, colleague = world.officer.serial_number, world.colleague.serial_number
    return [
        [serial, "2025-02-11", "Legal update", "240", "", "LMS-1"],
        [serial, "2025-03-01", "Fair policing", "", "2.5", "LMS-2"],
        [colleague, "2025-04-01", "Defensive tactics", "480", "", "LMS-3"],
    ]


def signed_in(user: Any) -> Client:
    """A client signed in as the user (both steps of signing in)."""
    client = Client()
    client.force_login(user)
    return client


def upload(
    client: Client, agency: Agency, content: bytes, *, kind: str = "records", name: str = "r.csv"
) -> Any:
    """POST the upload form with one file for the agency."""
    data = {
        "agency": agency.pk,
        "kind": kind,
        "file": SimpleUploadedFile(name, content, content_type="text/csv"),
    }
    return client.post(reverse("imports:new"), data)


def uploaded(client: Client, agency: Agency, content: bytes, **kwargs: Any) -> ImportBatch:
    """Upload a file, check the redirect to its batch page, and return the batch."""
    response = upload(client, agency, content, **kwargs)
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.latest("pk")
    assert response["Location"] == reverse("imports:detail", args=[batch.pk])
    return batch


# --- Checking and importing in the request -------------------------------------------------


@pytest.mark.django_db
def test_a_file_with_bad_rows_lists_every_problem_and_writes_nothing(world: World) -> None:
    client = signed_in(world.training_user)
    rows = [
        *good_rows(world)[:1],
        ["NOPE-1", "2025-02-12", "Legal update", "60", "", "LMS-9"],
        [world.officer.serial_number, "2025-13-40", "Legal update", "abc", "", "LMS-10"],
    ]
    batch = uploaded(client, world.agency, csv_bytes(HEADER, rows))
    assert batch.status == ImportStatus.CHECKED
    assert (batch.rows_total, batch.to_create, batch.rejected) == (3, 1, 2)

    page = client.get(reverse("imports:detail", args=[batch.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    cells = {(p["line"], p["column"]) for p in batch.problems}
    assert cells == {(3, "serial_number"), (4, "date"), (4, "minutes")}
    for problem in batch.problems:
        row = f'<tr><td class="num">{problem["line"]}</td><td>{problem["column"]}</td>'
        assert row in html
    assert "no officer with serial number &#x27;NOPE-1&#x27;" in html
    assert f"Problems ({batch.problem_count})" in html
    assert '<td class="num" id="rejected">2</td>' in html
    assert "Rows with problems" in html
    assert reverse("imports:commit", args=[batch.pk]) not in html
    assert "Nothing can be imported until every row is right" in html
    # Nothing written: no record, no import.commit audit row.
    assert TrainingRecord.objects.count() == 0
    assert not AuditEvent.objects.filter(action="import.commit").exists()
    # Asking to import anyway is refused with the reason, and still writes nothing.
    refused = client.post(reverse("imports:commit", args=[batch.pk]), follow=True)
    assert "nothing is imported until every row is right" in refused.content.decode()
    assert TrainingRecord.objects.count() == 0

    download = client.get(reverse("imports:problems", args=[batch.pk]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    body = b"".join(download.streaming_content if download.streaming else [download.content])
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert lines[0] == ["line", "column", "message"]
    assert {(int(r[0]), r[1]) for r in lines[1:]} == cells
    export = AuditEvent.objects.get(action="import.export")
    assert export.actor == world.training_user
    assert export.object_id == str(batch.pk)


@pytest.mark.django_db
def test_a_good_file_is_previewed_imported_and_recognised_the_next_time(world: World) -> None:
    client = signed_in(world.training_user)
    content = csv_bytes(HEADER, good_rows(world))
    batch = uploaded(client, world.agency, content)
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "To be created" in page
    assert '<td class="num" id="to-create">3</td>' in page
    assert 'id="sample-table"' in page
    assert "Defensive tactics" in page  # the sample
    assert "Import 3 new rows" in page
    assert TrainingRecord.objects.count() == 0

    response = client.post(reverse("imports:commit", args=[batch.pk]), follow=True)
    html = response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert batch.committed_by == world.training_user
    assert "Imported: 3 created." in html
    assert '<th scope="row">Created</th><td class="num" id="to-create">3</td>' in html
    assert 'id="sample-table"' not in html
    assert reverse("imports:commit", args=[batch.pk]) not in html
    assert TrainingRecord.objects.filter(officer=world.officer).count() == 2
    assert TrainingRecord.objects.filter(officer=world.colleague).count() == 1
    assert AuditEvent.objects.filter(action="import.commit").count() == 1

    # The same file again, as a new upload: every row is already there.
    again = uploaded(client, world.agency, content)
    assert again.pk != batch.pk
    assert (again.to_create, again.unchanged, again.problem_count) == (0, 3, 0)
    page = client.get(reverse("imports:detail", args=[again.pk])).content.decode()
    assert '<td class="num" id="unchanged">3</td>' in page
    assert "there is nothing new to import" in page
    client.post(reverse("imports:commit", args=[again.pk]))
    again.refresh_from_db()
    assert again.status == ImportStatus.COMMITTED
    assert (again.to_create, again.unchanged) == (0, 3)
    assert TrainingRecord.objects.count() == 3


# --- Refused uploads -------------------------------------------------------------------------


@pytest.mark.django_db
def test_training_staff_may_not_import_a_roster_but_an_agency_admin_may(world: World) -> None:
    roster = csv_bytes(["serial_number", "first_name", "last_name"], [["N-1", "Ann", "New"]])
    response = upload(signed_in(world.training_user), world.agency, roster, kind="officers")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["kind"]
    assert "agency administrator" in errors["kind"][0]
    assert "agency administrator" in response.content.decode()
    assert not ImportBatch.objects.exists()

    batch = uploaded(signed_in(world.admin_user), world.agency, roster, kind="officers")
    assert batch.status == ImportStatus.CHECKED
    assert batch.to_create == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("roster.txt", b"serial_number\n1\n", "roster.txt is not a .csv or .xlsx file."),
        ("empty.csv", b"", "empty.csv is empty."),
        ("big.csv", b"serial_number,date\n" + b"x,2025-01-01\n" * 20, "big.csv is larger than"),
    ],
)
def test_a_wrong_empty_or_too_large_file_is_refused_by_name(
    world: World, settings: Any, name: str, content: bytes, expected: str
) -> None:
    settings.MUSTER_IMPORT_MAX_BYTES = 100
    response = upload(signed_in(world.training_user), world.agency, content, name=name)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["file"]
    assert expected in errors["file"][0]
    assert expected in response.content.decode()
    assert not ImportBatch.objects.exists()


# --- Cancelling ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_checked_batch_can_be_cancelled_and_its_file_goes(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(world.training_user)
    batch = uploaded(client, world.agency, csv_bytes(HEADER, good_rows(world)))
    storage, name = batch.file.storage, batch.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:cancel", args=[batch.pk]), follow=True)
    assert "The import was cancelled and its file removed." in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CANCELLED
    assert not storage.exists(name)
    assert AuditEvent.objects.filter(action="import.cancel", object_id=str(batch.pk)).exists()
    # A cancelled batch cannot be imported.
    client.post(reverse("imports:commit", args=[batch.pk]))
    assert TrainingRecord.objects.count() == 0


@pytest.mark.django_db
def test_an_imported_batch_cannot_be_cancelled(world: World) -> None:
    client = signed_in(world.training_user)
    batch = uploaded(client, world.agency, csv_bytes(HEADER, good_rows(world)))
    client.post(reverse("imports:commit", args=[batch.pk]))
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert reverse("imports:cancel", args=[batch.pk]) not in page
    response = client.post(reverse("imports:cancel", args=[batch.pk]), follow=True)
    assert "This import is imported; it cannot be cancelled." in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert batch.file.storage.exists(batch.file.name)
    assert TrainingRecord.objects.count() == 3
    assert not AuditEvent.objects.filter(action="import.cancel").exists()


# --- Another agency --------------------------------------------------------------------------


@pytest.mark.django_db
def test_another_agency_s_training_staff_see_neither_the_batch_nor_it_in_their_list(
    world: World,
) -> None:
    batch = uploaded(
        signed_in(world.training_user), world.agency, csv_bytes(HEADER, good_rows(world))
    )
    foreign = signed_in(member(Role.TRAINING_STAFF, world.other_agency))
    for route in ("imports:detail", "imports:progress", "imports:problems"):
        assert foreign.get(reverse(route, args=[batch.pk])).status_code == 404
    for route in ("imports:commit", "imports:cancel"):
        assert foreign.post(reverse(route, args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKED

    own = uploaded(
        foreign,
        world.other_agency,
        csv_bytes(HEADER, [[world.outsider.serial_number, "2025-02-01", "Range", "60", "", ""]]),
        name="elsewhere.csv",
    )
    listing = foreign.get(reverse("imports:list")).content.decode()
    assert reverse("imports:detail", args=[own.pk]) in listing
    assert reverse("imports:detail", args=[batch.pk]) not in listing
    assert "elsewhere.csv" in listing
    home_listing = signed_in(world.training_user).get(reverse("imports:list")).content.decode()
    assert reverse("imports:detail", args=[batch.pk]) in home_listing
    assert reverse("imports:detail", args=[own.pk]) not in home_listing


# --- The roster round trip -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_roster_creates_a_new_officer_and_moves_one_to_another_unit(world: World) -> None:
    client = signed_in(world.admin_user)
    header = ["serial_number", "first_name", "last_name", "rank", "unit"]
    rows = [
        ["NEW-77", "Avery", "Stone", "Officer", "Traffic Division"],
        [world.officer.serial_number, "Dana", "Reyes", world.officer.rank, "Traffic Division"],
    ]
    batch = uploaded(
        client, world.agency, csv_bytes(header, rows), kind="officers", name="roster.csv"
    )
    assert (batch.to_create, batch.to_update, batch.problem_count) == (1, 1, 0)
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert '<td class="num" id="to-update">1</td>' in page
    assert "Import 1 new and 1 changed rows" in page

    client.post(reverse("imports:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    new = Officer.objects.get(serial_number="NEW-77")
    assert (new.agency, new.unit, new.last_name) == (world.agency, world.traffic, "Stone")
    world.officer.refresh_from_db()
    assert world.officer.unit == world.traffic
    created = AuditEvent.objects.get(action="officer.create", object_id=str(new.pk))
    assert created.actor == world.admin_user
    updated = AuditEvent.objects.get(action="officer.update", object_id=str(world.officer.pk))
    assert updated.actor == world.admin_user


# --- Large files: the worker ----------------------------------------------------------------


def run_worker() -> None:
    """Run every queued job once, as `muster manage db_worker --batch` does."""
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_checked_and_imported_by_the_worker(world: World, settings: Any) -> None:
    settings.MUSTER_IMPORT_INLINE_BYTES = 10
    client = signed_in(world.training_user)
    batch = uploaded(client, world.agency, csv_bytes(HEADER, good_rows(world)))
    assert batch.status == ImportStatus.QUEUED
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    detail = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "<progress" in detail
    assert reverse("imports:progress", args=[batch.pk]) in detail
    progress = client.get(reverse("imports:progress", args=[batch.pk]))
    assert progress.status_code == 200
    assert "HX-Refresh" not in progress
    assert "Waiting to be checked" in progress.content.decode()

    run_worker()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKED
    assert batch.to_create == 3
    done = client.get(reverse("imports:progress", args=[batch.pk]))
    assert done["HX-Refresh"] == "true"
    assert "<progress" not in done.content.decode()

    client.post(reverse("imports:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMIT_QUEUED
    assert TrainingRecord.objects.count() == 0
    assert (
        "Waiting to be imported"
        in client.get(reverse("imports:progress", args=[batch.pk])).content.decode()
    )
    run_worker()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert TrainingRecord.objects.count() == 3
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
    assert client.get(reverse("imports:progress", args=[batch.pk]))["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_a_second_click_from_a_stale_page_neither_imports_again_nor_cancels(world: World) -> None:
    batch = uploaded(
        signed_in(world.training_user), world.agency, csv_bytes(HEADER, good_rows(world))
    )
    # Two tabs (or a double click): each request holds the batch as it was, "checked".
    first, second, third = (ImportBatch.objects.get(pk=batch.pk) for _ in range(3))
    request_commit(acting_user=world.training_user, batch=first)
    with pytest.raises(ValidationError, match="is imported; it cannot be imported now"):
        request_commit(acting_user=world.training_user, batch=second)
    with pytest.raises(ValidationError, match="is imported; it cannot be cancelled"):
        cancel_batch(acting_user=world.training_user, batch=third)
    batch.refresh_from_db()
    assert (batch.status, batch.to_create) == (ImportStatus.COMMITTED, 3)
    assert AuditEvent.objects.filter(action="import.commit").count() == 1
    assert AuditEvent.objects.filter(action="import.requested").count() == 1
    assert not AuditEvent.objects.filter(action="import.cancel").exists()
    # A job delivered twice finds the step done and changes nothing.
    assert run_step(batch.pk, commit=True).status == ImportStatus.COMMITTED
    assert TrainingRecord.objects.count() == 3


def _stuck_batch(world, status):
    """A batch whose step's worker stopped: `status`, and no progress reported."""
    from muster.imports.models import ImportBatch

    return ImportBatch.objects.create(
        agency=world.agency,
        kind="records",
        file_name="stuck.csv",
        file_sha256="0" * 64,
        status=status,
        created_by=world.training_user,
        committed_by=world.training_user,
    )


def test_a_step_whose_worker_stopped_can_be_cancelled_and_a_running_one_cannot(world, client):
    from django.core.cache import caches

    from muster.imports.batches import _reporter, is_stalled

    client.force_login(world.training_user)
    stuck = _stuck_batch(world, "committing")
    page = client.get(f"/imports/{stuck.pk}/")
    assert is_stalled(stuck)
    assert b"import-stalled" in page.content
    assert client.post(f"/imports/{stuck.pk}/cancel/").status_code == 302
    stuck.refresh_from_db()
    assert stuck.status == "cancelled"
    # One that reported progress just now is running: it is not offered, and is refused.
    running = _stuck_batch(world, "checking")
    _reporter(running.pk)("checking", 1000, 5000)
    assert not is_stalled(running)
    assert b"import-stalled" not in client.get(f"/imports/{running.pk}/").content
    client.post(f"/imports/{running.pk}/cancel/")
    running.refresh_from_db()
    assert running.status == "checking"
    caches["progress"].delete(f"import-progress-{running.pk}")


def test_a_commit_that_finds_its_batch_cancelled_writes_nothing(world, write_csv):
    from muster.imports.services import ImportFailed, import_file

    path = write_csv(
        "r.csv",
        ["serial_number", "date", "title", "minutes"],
        [[world.officer.serial_number, "2025-03-01", "Range", "60"]],
    )
    batch = _stuck_batch(world, "cancelled")
    with pytest.raises(ImportFailed, match="cancelled while it ran"):
        import_file(
            acting_user=world.training_user,
            agency=world.agency,
            kind="records",
            path=path,
            commit=True,
            batch_id=batch.pk,
        )
    assert TrainingRecord.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == "cancelled"


def test_an_import_waiting_for_the_worker_can_be_cancelled_and_is_then_not_run(world, client):
    from muster.imports.batches import run_step

    client.force_login(world.training_user)
    waiting = _stuck_batch(world, "commit_queued")
    client.post(f"/imports/{waiting.pk}/cancel/")
    waiting.refresh_from_db()
    assert waiting.status == "cancelled"
    assert run_step(waiting.pk, commit=True).status == "cancelled"
