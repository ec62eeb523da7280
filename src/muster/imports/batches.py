"""Import batches from the web: upload, check (in the request or by the worker), commit, cancel.

Small files are handled while the page waits; large ones are handed to the background
worker (django-tasks), which reports its progress through the "progress" cache so that the
page can show it while the import's own transaction is still open.
"""

from __future__ import annotations

import time
from pathlib import Path, PurePath
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from muster.agencies.models import Agency
from muster.core.audit import record_audit, snapshot
from muster.core.services import require
from muster.imports.models import ImportBatch, ImportKind, ImportStatus
from muster.imports.reader import file_sha256
from muster.imports.services import KIND_PERMISSION, ImportFailed, Outcome, import_file

ACCEPTED_SUFFIXES = (".csv", ".xlsx", ".xlsm")


def _progress_key(batch_id: int) -> str:
    return f"import-progress-{batch_id}"


def read_progress(batch: ImportBatch) -> tuple[str, int, int] | None:
    """The step under way and how far it is: (phase, rows done, rows in all), if reported."""
    value = caches["progress"].get(_progress_key(batch.pk))
    if not value:
        return None
    phase, done, total = value[:3]
    return str(phase), int(done), int(total)


def is_stalled(batch: ImportBatch) -> bool:
    """A step that has reported no progress for MUSTER_IMPORT_STALLED_SECONDS: its worker
    most likely stopped (the database is as it was; the batch may be cancelled)."""
    if batch.status not in (ImportStatus.CHECKING, ImportStatus.COMMITTING):
        return False
    value = caches["progress"].get(_progress_key(batch.pk))
    last = float(value[3]) if value and len(value) > 3 else None
    return last is None or time.time() - last > settings.MUSTER_IMPORT_STALLED_SECONDS


def _reporter(batch_id: int) -> Any:
    cache = caches["progress"]

    def report(phase: str, done: int, total: int) -> None:
        # With the time of the report, so a step whose worker died can be told from a slow one.
        cache.set(_progress_key(batch_id), (phase, done, total, time.time()), timeout=24 * 3600)

    return report


def upload_import(*, acting_user: Any, agency: Agency, kind: str, upload: Any) -> ImportBatch:
    """Store an uploaded file as a new batch and check it (now, or queued when large); audited."""
    require(acting_user, "imports.use", agency)
    if kind not in ImportKind.values:
        raise ValidationError({"kind": f"'{kind}' is not a kind of import."})
    require(acting_user, KIND_PERMISSION[kind], agency)
    if upload is None:
        raise ValidationError({"file": "Choose a CSV or XLSX file."})
    name = PurePath(upload.name or "import.csv").name
    if not name.lower().endswith(ACCEPTED_SUFFIXES):
        raise ValidationError({"file": f"{name} is not a .csv or .xlsx file."})
    if not upload.size:
        raise ValidationError({"file": f"{name} is empty."})
    if upload.size > settings.MUSTER_IMPORT_MAX_BYTES:
        limit = settings.MUSTER_IMPORT_MAX_BYTES // (1024 * 1024)
        raise ValidationError({"file": f"{name} is larger than the limit of {limit} MB."})
    upload.seek(0)
    sha256 = file_sha256(upload)
    upload.seek(0)
    with transaction.atomic():
        batch = ImportBatch(
            agency=agency,
            kind=kind,
            file_name=name[:255],
            file_sha256=sha256,
            created_by=acting_user,
        )
        # Stored under its own suffix so the reader knows CSV from XLSX.
        batch.file.save(f"import{PurePath(name).suffix.lower()}", upload, save=False)
        batch.save()
        record_audit(
            actor=acting_user,
            action="import.upload",
            obj=batch,
            agency_id=agency.pk,
            after=snapshot(batch, exclude=("problems", "sample")),
        )
    _start(batch, commit=False)
    batch.refresh_from_db()
    return batch


def _start(batch: ImportBatch, *, commit: bool) -> None:
    """Run the step now for a small file, or queue it for the worker."""
    if batch.file.size <= settings.MUSTER_IMPORT_INLINE_BYTES:
        run_step(batch.pk, commit=commit)
        return
    from muster.imports.tasks import run_import_step

    transaction.on_commit(lambda: run_import_step.enqueue(batch.pk, commit))


def run_step(batch_id: int, *, commit: bool) -> ImportBatch:
    """Check or commit a batch and store what was found; the worker and small uploads call it.

    Permission is checked again here, as the batch's user: a role taken away between the
    upload and the worker's turn stops the import.
    """
    batch = ImportBatch.objects.select_related("agency", "created_by", "committed_by").get(
        pk=batch_id
    )
    expected = ImportStatus.COMMIT_QUEUED if commit else ImportStatus.QUEUED
    running = ImportStatus.COMMITTING if commit else ImportStatus.CHECKING
    # Claimed by one conditional UPDATE: of two runs at once (a task delivered twice), one
    # goes on and the other finds the step taken; a cancelled batch is not run.
    if not ImportBatch.objects.filter(pk=batch_id, status=expected).update(status=running):
        batch.refresh_from_db()
        return batch
    actor = batch.committed_by if commit else batch.created_by
    batch.status = running
    report = _reporter(batch.pk)
    report("writing" if commit else "checking", 0, 0)
    try:
        outcome = import_file(
            acting_user=actor,
            agency=batch.agency,
            kind=batch.kind,
            path=Path(batch.file.path),
            file_name=batch.file_name,
            commit=commit,
            progress=report,
            batch_id=batch.pk,
        )
    except Exception as error:
        # Whatever stopped it, the import's transaction rolled back; the page says why (unless
        # the batch was cancelled meanwhile, which stays so).
        failure = _failure_text(error)
        ImportBatch.objects.filter(pk=batch.pk, status=running).update(
            status=ImportStatus.FAILED, failure=failure
        )
        batch.refresh_from_db()
        caches["progress"].delete(_progress_key(batch.pk))
        return batch
    store_outcome(batch, outcome, commit=commit)
    caches["progress"].delete(_progress_key(batch.pk))
    return batch


def _failure_text(error: BaseException) -> str:
    if isinstance(error, PermissionDenied):
        return f"Not allowed: {error}"
    if isinstance(error, ImportFailed):
        return str(error)
    name = type(error).__name__
    return f"The import stopped with an unexpected error ({name}); nothing was written."


def store_outcome(batch: ImportBatch, outcome: Outcome, *, commit: bool) -> None:
    """Keep what a check found on the batch, for its page (a commit stores its own counts in
    the import's transaction)."""
    if commit and outcome.committed:
        return
    fields = outcome.batch_fields() | {
        # Checked, or a commit that found problems on its second look (nothing written).
        "status": ImportStatus.CHECKED,
        "checked_at": timezone.now(),
    }
    # Only from the step that ran: a batch cancelled meanwhile stays cancelled.
    if ImportBatch.objects.filter(pk=batch.pk, status=batch.status).update(**fields):
        for name, value in fields.items():
            setattr(batch, name, value)
    else:
        batch.refresh_from_db()


def request_commit(*, acting_user: Any, batch: ImportBatch) -> ImportBatch:
    """Import a checked batch without problems (now, or queued when large); audited."""
    require(acting_user, "imports.use", batch.agency)
    require(acting_user, KIND_PERMISSION[batch.kind], batch.agency)
    if batch.status != ImportStatus.CHECKED:
        raise ValidationError(
            f"This import is {batch.get_status_display().lower()}; it cannot be imported now."
        )
    if batch.problem_count:
        raise ValidationError(
            "The file has rows with problems; nothing is imported until every row is right. "
            "Correct the file and upload it again."
        )
    with transaction.atomic():
        # A conditional UPDATE, not a save of the page's copy: a second click (or a second tab)
        # whose copy still says "checked" must not import the file again or undo a cancel.
        claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.CHECKED).update(
            status=ImportStatus.COMMIT_QUEUED, committed_by=acting_user
        )
        if not claimed:
            batch.refresh_from_db()
            raise ValidationError(
                f"This import is {batch.get_status_display().lower()}; it cannot be imported now."
            )
        batch.status = ImportStatus.COMMIT_QUEUED
        batch.committed_by = acting_user
        record_audit(
            actor=acting_user,
            action="import.requested",
            obj=batch,
            agency_id=batch.agency_id,
            after={"status": batch.status},
        )
    _start(batch, commit=True)
    batch.refresh_from_db()
    return batch


def cancel_batch(*, acting_user: Any, batch: ImportBatch) -> ImportBatch:
    """Drop a batch that has not been imported, and its stored file; audited."""
    require(acting_user, "imports.use", batch.agency)
    cancellable: list[str] = [
        ImportStatus.QUEUED,
        ImportStatus.CHECKED,
        ImportStatus.COMMIT_QUEUED,
        ImportStatus.FAILED,
    ]
    if is_stalled(batch):
        # Its worker stopped mid-step; the import's transaction never committed. Should the
        # worker only have been slow, its commit finds the batch cancelled and rolls back.
        cancellable.append(batch.status)
    name = batch.file.name or ""
    with transaction.atomic():
        # Conditional, like request_commit: a batch imported since the page was drawn stays so.
        claimed = ImportBatch.objects.filter(pk=batch.pk, status__in=cancellable).update(
            status=ImportStatus.CANCELLED
        )
        if not claimed:
            batch.refresh_from_db()
            raise ValidationError(
                f"This import is {batch.get_status_display().lower()}; it cannot be cancelled."
            )
        batch.status = ImportStatus.CANCELLED
        record_audit(
            actor=acting_user,
            action="import.cancel",
            obj=batch,
            agency_id=batch.agency_id,
            after={"status": batch.status},
        )
    storage = batch.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
    return batch
