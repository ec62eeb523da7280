"""The import pages: upload, the check's preview with every problem, import, progress."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from muster.accounts.models import TRAINING_WRITE_ROLES
from muster.agencies.models import Agency
from muster.core.audit import record_audit
from muster.core.forms import show_service_errors
from muster.imports.batches import (
    cancel_batch,
    is_stalled,
    read_progress,
    request_commit,
    upload_import,
)
from muster.imports.forms import UploadForm
from muster.imports.models import ImportBatch, ImportKind, ImportStatus
from muster.imports.services import KIND_COLUMNS
from muster.reports.tables import csv_response

# Said instead of the bare permission name: the person needs to know whose work it is.
KIND_REFUSALS = {
    ImportKind.OFFICERS: "Only an agency administrator may import a roster of officers; "
    "ask yours, or import training records or qualifications instead.",
    ImportKind.RECORDS: "You may not record training for this agency.",
    ImportKind.QUALIFICATIONS: "You may not record qualifications for this agency.",
}


def _agencies(user: Any) -> QuerySet[Agency]:
    """The agencies whose imports the user may run (administrators and Training Unit)."""
    return Agency.objects.where_user_holds(user, TRAINING_WRITE_ROLES)


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    """The batch, if the user may see its agency's imports; else 404."""
    return get_object_or_404(
        ImportBatch.objects.visible_to(request.user).select_related(
            "agency", "created_by", "committed_by"
        ),
        pk=pk,
    )


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    """Earlier imports of the user's agencies, newest first, and the way to a new one."""
    if not _agencies(request.user).exists():
        raise PermissionDenied("Only the Training Unit and agency administrators import files.")
    batches = ImportBatch.objects.visible_to(request.user).select_related("agency", "created_by")[
        :200
    ]
    return render(request, "imports/list.html", {"batches": batches})


@login_required
def batch_new(request: HttpRequest) -> HttpResponse:
    """Upload a file; it is checked at once (or by the worker when large)."""
    agencies = _agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied("Only the Training Unit and agency administrators import files.")
    form = UploadForm(request.POST or None, request.FILES or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        try:
            batch = upload_import(
                acting_user=request.user,
                agency=form.cleaned_data["agency"],
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        except PermissionDenied:
            kind = form.cleaned_data["kind"]
            form.add_error("kind", KIND_REFUSALS.get(kind, "You may not import this kind of file."))
        else:
            return redirect("imports:detail", pk=batch.pk)
    kinds = [(k, label, KIND_COLUMNS[k]) for k, label in ImportKind.choices]
    return render(request, "imports/new.html", {"form": form, "kinds": kinds})


def _context(batch: ImportBatch) -> dict[str, Any]:
    progress = read_progress(batch) if batch.busy else None
    return {
        "batch": batch,
        "progress": progress,
        "stalled": is_stalled(batch),
        "Status": ImportStatus,
        "hidden_problems": max(0, batch.problem_count - len(batch.problems)),
    }


@never_cache
@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The check's counts, every problem by line and column, a sample, and the actions."""
    batch = _batch(request, pk)
    return render(request, "imports/detail.html", _context(batch))


@never_cache
@login_required
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone, polled by the page while a step runs; when the step has
    ended, htmx is told to reload the whole page."""
    batch = _batch(request, pk)
    response = render(request, "imports/_progress.html", _context(batch))
    if not batch.busy:
        response["HX-Refresh"] = "true"
    return response


@login_required
def batch_problems(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored problems as CSV, to work through the file line by line."""
    batch = _batch(request, pk)
    with transaction.atomic():
        # The messages name officers' serial numbers: a download is logged like other exports.
        record_audit(
            actor=request.user,
            action="import.export",
            obj=batch,
            agency_id=batch.agency_id,
            after={"problems": len(batch.problems)},
        )
    rows = ([p["line"], p["column"], p["message"]] for p in batch.problems)
    return csv_response(["line", "column", "message"], rows, f"import-{batch.pk}-problems")


@require_POST
@login_required
def batch_commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Import a checked file: every row or none."""
    batch = _batch(request, pk)
    try:
        batch = request_commit(acting_user=request.user, batch=batch)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if batch.status == ImportStatus.COMMITTED:
            messages.success(request, f"Imported: {batch.to_create} created.")
        elif batch.status == ImportStatus.FAILED:
            messages.error(request, batch.failure)
    return redirect("imports:detail", pk=batch.pk)


@require_POST
@login_required
def batch_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Drop a batch that was not imported."""
    batch = _batch(request, pk)
    try:
        cancel_batch(acting_user=request.user, batch=batch)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The import was cancelled and its file removed.")
    return redirect("imports:list")


@login_required
def column_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty file with every column of a kind, to fill in."""
    if kind not in KIND_COLUMNS:
        raise Http404("No such kind of import.")
    if not _agencies(request.user).exists():
        raise PermissionDenied("Only the Training Unit and agency administrators import files.")
    return csv_response(list(KIND_COLUMNS[kind]), [], f"muster-{kind}")
