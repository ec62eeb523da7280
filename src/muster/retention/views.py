"""Pages of the retention app: the disposition report, schedules, legal holds and batches.

Every page is the agency's records custodians', administrators' and counsel / HR's (and a
site administrator's); a batch, hold or schedule of an agency the user does not keep records
for answers 404.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from muster.accounts.models import Role
from muster.agencies.models import Agency
from muster.core.audit import record_audit
from muster.core.forms import show_service_errors
from muster.reports.tables import Column, Table
from muster.retention.forms import HoldForm, ProposeForm, ReasonForm, ScheduleForm
from muster.retention.models import (
    RETENTION_READ_ROLES,
    BatchStatus,
    DispositionBatch,
    ItemOutcome,
    LegalHold,
    RetentionSchedule,
    Series,
)
from muster.retention.report import DispositionReport, disposition_report
from muster.retention.series import SERIES, officer_labels
from muster.retention.services import (
    approve_batch,
    batch_counts,
    cancel_batch,
    execute_batch,
    install_default_schedules,
    place_hold,
    propose_batch,
    release_hold,
    update_schedule,
)


def _agencies(user: Any) -> Any:
    """The agencies whose retention pages the user reads."""
    return Agency.objects.where_user_holds(user, RETENTION_READ_ROLES)


def _agency(request: HttpRequest, agency_id: int) -> Agency:
    """An agency the user belongs to (404 otherwise) whose retention pages they read (403)."""
    agency = get_object_or_404(Agency.objects.visible_to(request.user), pk=agency_id)
    if not request.user.has_perm("retention.view", agency):
        raise PermissionDenied("Only records custodians, administrators and counsel read this.")
    return agency


def _status_refusal(request: HttpRequest, error: ValidationError, to: str) -> HttpResponse:
    """Someone else acted on it first: say so where it stands."""
    messages.error(request, " ".join(error.messages))
    return redirect(to)


@never_cache
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The user's agency's disposition report, or a choice of agencies."""
    agencies = list(_agencies(request.user).order_by("name"))
    if not agencies:
        raise PermissionDenied("Only records custodians, administrators and counsel read this.")
    if len(agencies) == 1:
        return redirect("retention:report", agency_id=agencies[0].pk)
    return render(request, "retention/index.html", {"agencies": agencies})


REPORT_COLUMNS = (
    Column("series", "Series"),
    Column("record", "Record", sort_key=lambda row: row["record_sort"]),
    Column("description", "What"),
    Column("officer", "Officer", href_key="officer_href"),
    Column("rule", "Schedule"),
    Column("trigger_date", "Counted from"),
    Column("due_on", "Due since"),
    Column("batch", "In batch", href_key="batch_href"),
)


def _report_rows(report: DispositionReport, series: str) -> list[dict[str, Any]]:
    records = [r for r in report.due if not series or r.series == series]
    by_series: dict[str, list[int]] = defaultdict(list)
    for r in records:
        by_series[r.series].append(r.object_id)
    described = {code: SERIES[code].describe(pks) for code, pks in by_series.items()}
    names = officer_labels(r.officer_id for r in records if r.officer_id is not None)
    rows = []
    for r in records:
        batch = report.in_batch.get(r.key)
        rows.append(
            {
                "series": SERIES[r.series].label,
                "record": f"#{r.object_id}",
                "record_sort": (r.series, r.object_id),
                "description": described[r.series].get(r.object_id, ""),
                "officer": names.get(r.officer_id, "") if r.officer_id else "",
                "officer_href": reverse("officer-detail", args=[r.officer_id])
                if r.officer_id
                else "",
                "rule": r.schedule.rule_label,
                "trigger_date": r.trigger_date.isoformat(),
                "due_on": r.due_on.isoformat(),
                "batch": f"#{batch}" if batch else "",
                "batch_href": reverse("retention:batch_detail", args=[batch]) if batch else "",
            }
        )
    return rows


def _report_page(
    request: HttpRequest,
    agency: Agency,
    *,
    form: ProposeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    report = disposition_report(agency)
    series = request.GET.get("series", "")
    if series not in SERIES:
        series = ""
    table = Table(
        request,
        REPORT_COLUMNS,
        _report_rows(report, series),
        default_sort="due_on",
        filename=f"disposition-due-{agency.ori}-{report.today.isoformat()}",
    )
    if table.export_format:
        with transaction.atomic():
            record_audit(
                actor=request.user,
                action="retention.report_export",
                obj=agency,
                agency_id=agency.pk,
                after={"format": table.export_format, "series": series, "rows": len(table.rows)},
            )
        return table.export()
    can_propose = request.user.has_perm("retention.propose", agency)
    kept = sorted(report.kept.items())[:50]
    return render(
        request,
        "retention/report.html",
        {
            "agency": agency,
            "report": report,
            "table": table,
            "series": series,
            "series_choices": Series.choices,
            "kept": [(SERIES[code].noun, pk, reason) for (code, pk), reason in kept],
            "can_propose": can_propose,
            "propose_form": form or ProposeForm(initial={"series": series}),
            "open_batches": DispositionBatch.objects.visible_to(request.user)
            .filter(agency=agency, status__in=[BatchStatus.PROPOSED, BatchStatus.APPROVED])
            .select_related("proposed_by", "approved_by"),
            "holds": LegalHold.objects.visible_to(request.user)
            .filter(agency=agency)
            .active()
            .count(),
        },
        status=status,
    )


@never_cache
@login_required
def report(request: HttpRequest, agency_id: int) -> HttpResponse:
    """What is due for disposition now, by series, with CSV and XLSX downloads."""
    return _report_page(request, _agency(request, agency_id))


@never_cache
@login_required
@require_POST
def batch_propose(request: HttpRequest, agency_id: int) -> HttpResponse:
    """Propose the records due (of one series, or all) as a disposition batch."""
    agency = _agency(request, agency_id)
    form = ProposeForm(request.POST)
    if form.is_valid():
        try:
            batch = propose_batch(
                acting_user=request.user,
                agency=agency,
                series=form.cleaned_data["series"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Batch {batch.pk} proposed: {batch.items.count()} records wait for a records "
                "custodian's approval.",
            )
            return redirect("retention:batch_detail", pk=batch.pk)
    return _report_page(request, agency, form=form, status=400)


@never_cache
@login_required
def schedules(request: HttpRequest, agency_id: int) -> HttpResponse:
    """The agency's retention schedule for each record series."""
    agency = _agency(request, agency_id)
    rows = {
        s.series: s
        for s in RetentionSchedule.objects.visible_to(request.user)
        .filter(agency=agency)
        .select_related("updated_by")
    }
    return render(
        request,
        "retention/schedules.html",
        {
            "agency": agency,
            "lines": [(code, SERIES[code].label, rows.get(code)) for code in Series.values],
            "missing": [code for code in Series.values if code not in rows],
            "can_manage": request.user.has_perm("retention.manage_schedules", agency),
        },
    )


@never_cache
@login_required
@require_POST
def schedule_defaults(request: HttpRequest, agency_id: int) -> HttpResponse:
    """Give every series without a schedule its starting schedule."""
    agency = _agency(request, agency_id)
    made = install_default_schedules(acting_user=request.user, agency=agency)
    messages.success(
        request,
        f"{len(made)} starting schedules added; confirm each against the state's schedule."
        if made
        else "Every series already has a schedule.",
    )
    return redirect("retention:schedules", agency_id=agency.pk)


@never_cache
@login_required
def schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change one series' schedule."""
    schedule = get_object_or_404(
        RetentionSchedule.objects.visible_to(request.user).select_related("agency"), pk=pk
    )
    if not request.user.has_perm("retention.manage_schedules", schedule):
        raise PermissionDenied("Only records custodians and administrators change schedules.")
    form = ScheduleForm(request.POST or None, initial=ScheduleForm.initial_from(schedule))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update_schedule(
                acting_user=request.user,
                schedule=schedule,
                years=data["years"],
                trigger=data["trigger"],
                citation=data["citation"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Schedule saved: {schedule}.")
            return redirect("retention:schedules", agency_id=schedule.agency_id)
    return render(
        request,
        "retention/schedule_form.html",
        {"schedule": schedule, "form": form},
        status=400 if form.errors else 200,
    )


def _holds_page(
    request: HttpRequest,
    agency: Agency,
    *,
    release_form: ReasonForm | None = None,
    failed_hold: int | None = None,
    status: int = 200,
) -> HttpResponse:
    holds = (
        LegalHold.objects.visible_to(request.user)
        .filter(agency=agency)
        .select_related("officer", "placed_by", "released_by")
    )
    return render(
        request,
        "retention/holds.html",
        {
            "agency": agency,
            "active": [h for h in holds if h.is_active],
            "released": [h for h in holds if not h.is_active][:50],
            "can_manage": request.user.has_perm("retention.manage_holds", agency),
            "release_form": release_form,
            "failed_hold": failed_hold,
        },
        status=status,
    )


@never_cache
@login_required
def holds(request: HttpRequest, agency_id: int) -> HttpResponse:
    """The agency's legal holds in force, and those released."""
    return _holds_page(request, _agency(request, agency_id))


@never_cache
@login_required
def hold_new(request: HttpRequest, agency_id: int) -> HttpResponse:
    """Place a legal hold on an officer's records or on the whole agency's."""
    agency = _agency(request, agency_id)
    if not request.user.has_perm("retention.manage_holds", agency):
        raise PermissionDenied("Only records custodians, administrators and counsel hold records.")
    initial = {"officer": request.GET.get("officer")} if request.GET.get("officer") else {}
    form = HoldForm(request.POST or None, agency=agency, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            place_hold(
                acting_user=request.user,
                agency=agency,
                officer=form.cleaned_data["officer"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The legal hold is in place; its records are not disposed.")
            return redirect("retention:holds", agency_id=agency.pk)
    return render(
        request,
        "retention/hold_form.html",
        {"agency": agency, "form": form},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
@require_POST
def hold_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Release a legal hold, with the reason."""
    hold = get_object_or_404(
        LegalHold.objects.visible_to(request.user).select_related("agency"), pk=pk
    )
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            release_hold(acting_user=request.user, hold=hold, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The hold is released; its records follow their schedules.")
            return redirect("retention:holds", agency_id=hold.agency_id)
    return _holds_page(request, hold.agency, release_form=form, failed_hold=hold.pk, status=400)


@never_cache
@login_required
def batches(request: HttpRequest, agency_id: int) -> HttpResponse:
    """Every disposition batch of the agency, newest first."""
    agency = _agency(request, agency_id)
    rows = (
        DispositionBatch.objects.visible_to(request.user)
        .filter(agency=agency)
        .select_related("proposed_by", "approved_by", "executed_by")
    )
    return render(request, "retention/batches.html", {"agency": agency, "batches": rows})


BATCH_COLUMNS = (
    Column("series", "Series"),
    Column("record", "Record", sort_key=lambda row: row["record_sort"]),
    Column("description", "What"),
    Column("officer", "Officer", href_key="officer_href"),
    Column("record_date", "Dated"),
    Column("due_on", "Due since"),
    Column("outcome", "Outcome"),
)


def _batch_rows(batch: DispositionBatch) -> list[dict[str, Any]]:
    items = list(batch.items.all())
    by_series: dict[str, list[int]] = defaultdict(list)
    for item in items:
        if item.outcome != ItemOutcome.DISPOSED:  # a disposed record has nothing left to show
            by_series[item.series].append(item.object_id)
    described = {code: SERIES[code].describe(pks) for code, pks in by_series.items()}
    names = officer_labels(i.officer_id for i in items if i.officer_id is not None)
    return [
        {
            "series": SERIES[i.series].label,
            "record": f"#{i.object_id}",
            "record_sort": (i.series, i.object_id),
            "description": described.get(i.series, {}).get(i.object_id, ""),
            "officer": names.get(i.officer_id, "") if i.officer_id else "",
            "officer_href": reverse("officer-detail", args=[i.officer_id]) if i.officer_id else "",
            "record_date": i.record_date.isoformat(),
            "due_on": i.due_on.isoformat(),
            "outcome": i.outcome_note or i.get_outcome_display(),
        }
        for i in items
    ]


def _batch(request: HttpRequest, pk: int) -> DispositionBatch:
    return get_object_or_404(
        DispositionBatch.objects.visible_to(request.user).select_related(
            "agency", "proposed_by", "approved_by", "executed_by", "cancelled_by"
        ),
        pk=pk,
    )


def _batch_page(
    request: HttpRequest,
    batch: DispositionBatch,
    *,
    cancel_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    table = Table(
        request,
        BATCH_COLUMNS,
        _batch_rows(batch),
        default_sort="record",
        filename=f"disposition-batch-{batch.pk}",
    )
    if table.export_format:
        # A list of officers' records at once, like the report's download: logged.
        with transaction.atomic():
            record_audit(
                actor=request.user,
                action="retention.batch_export",
                obj=batch,
                agency_id=batch.agency_id,
                after={"format": table.export_format, "rows": len(table.rows)},
            )
        return table.export()
    is_custodian = Role.RECORDS_CUSTODIAN in user.scope.roles_in(batch.agency_id)
    return render(
        request,
        "retention/batch_detail.html",
        {
            "batch": batch,
            "table": table,
            "counts": batch_counts(batch),
            "can_approve": batch.status == BatchStatus.PROPOSED
            and is_custodian
            and user.has_perm("retention.approve", batch),
            "can_execute": batch.status == BatchStatus.APPROVED
            and is_custodian
            and user.has_perm("retention.execute", batch),
            "can_cancel": batch.is_open and user.has_perm("retention.cancel", batch),
            "cancel_form": cancel_form or ReasonForm(),
            "tombstones": batch.status == BatchStatus.EXECUTED,
        },
        status=status,
    )


@never_cache
@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One batch: its records, who proposed and approved it, and what became of each."""
    return _batch_page(request, _batch(request, pk))


@never_cache
@login_required
@require_POST
def batch_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """A records custodian approves a proposed batch."""
    batch = _batch(request, pk)
    try:
        approve_batch(acting_user=request.user, batch=batch)
    except ValidationError as error:
        return _status_refusal(request, error, reverse("retention:batch_detail", args=[pk]))
    messages.success(request, f"Batch {batch.pk} approved; it can now be executed.")
    return redirect("retention:batch_detail", pk=batch.pk)


@never_cache
@login_required
@require_POST
def batch_execute(request: HttpRequest, pk: int) -> HttpResponse:
    """A records custodian disposes of an approved batch's records still due."""
    batch = _batch(request, pk)
    try:
        execute_batch(acting_user=request.user, batch=batch)
    except ValidationError as error:
        return _status_refusal(request, error, reverse("retention:batch_detail", args=[pk]))
    counts = batch_counts(batch)
    messages.success(
        request,
        f"Batch {batch.pk} executed: {counts['disposed']} records disposed of, "
        f"{counts['kept']} kept.",
    )
    return redirect("retention:batch_detail", pk=batch.pk)


@never_cache
@login_required
@require_POST
def batch_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a batch that has not been executed; its records stay."""
    batch = _batch(request, pk)
    if not request.user.has_perm("retention.cancel", batch):
        raise PermissionDenied("Only a records custodian or the batch's proposer cancels it.")
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            cancel_batch(acting_user=request.user, batch=batch, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            if "status" in error.message_dict:
                return _status_refusal(request, error, reverse("retention:batch_detail", args=[pk]))
            show_service_errors(form, error)
        else:
            messages.success(request, f"Batch {batch.pk} cancelled; its records stay.")
            return redirect("retention:batch_detail", pk=batch.pk)
    return _batch_page(request, batch, cancel_form=form, status=400)
