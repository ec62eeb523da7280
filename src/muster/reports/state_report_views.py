"""Views of the reports app: the state report page and its downloads."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, re_path
from django.views.decorators.cache import never_cache

from muster.agencies.models import Agency
from muster.core.audit import record_audit
from muster.reports.state_report import (
    ROSTER_COLUMNS,
    TRAINING_COLUMNS,
    StateReport,
    build_state_report,
    export_state_report,
    period_choices,
)
from muster.reports.tables import csv_response, xlsx_response

PREVIEW_ROWS = 10
# The preview shows the columns a reader checks first; the files carry all of them.
TRAINING_PREVIEW = (
    "name", "licence_number", "date", "course_id", "title", "role", "credit_hours",
    "counted_hours", "category", "provider",
)  # fmt: skip
ROSTER_PREVIEW = (
    "name", "licence_number", "status", "requirement", "required", "credited", "shortfall",
    "reason",
)  # fmt: skip


class PeriodForm(forms.Form):
    """Which period to report."""

    period = forms.ChoiceField(label="Period")

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["period"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


def _agency_or_404(request: HttpRequest, pk: int) -> Agency:
    """The agency, if the user may read its state report; else 404 so as not to confirm it."""
    agency = get_object_or_404(Agency.objects.visible_to(request.user), pk=pk)
    if not request.user.has_perm("reports.state_report", agency):
        raise Http404("No such state report.")
    return agency


def _preview(report: StateReport, kind: str, columns: tuple[str, ...]) -> list[list[Any]]:
    rows = report.training if kind == "training" else report.roster
    return [[row[c] for c in columns] for row in rows[:PREVIEW_ROWS]]


@never_cache
@login_required
def state_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose a period; see what the report holds and download its two files."""
    agency = _agency_or_404(request, pk)
    try:
        periods = period_choices(request.user, agency)
    except ValidationError as exc:
        return render(
            request,
            "reports/state_report.html",
            {"agency": agency, "unavailable": " ".join(exc.messages)},
        )
    choices = [
        (p.label, f"{p.label} ({p.start:%b %-d, %Y} to {p.end:%b %-d, %Y})"
         f"{', in progress' if i == 0 else ''}")
        for i, p in enumerate(periods)
    ]  # fmt: skip
    # The period most recently ended is the one usually sent to the state.
    default = periods[1].label
    form = PeriodForm(request.GET or None, choices=choices, initial={"period": default})
    label = default
    if form.is_bound:
        label = form.cleaned_data["period"] if form.is_valid() else ""
    report = None
    if label:
        try:
            report = build_state_report(acting_user=request.user, agency=agency, period_label=label)
        except ValidationError as exc:
            form.add_error("period", " ".join(exc.message_dict.get("period", exc.messages)))
    context: dict[str, Any] = {
        "agency": agency,
        "form": form,
        "report": report,
        "training_columns": TRAINING_PREVIEW,
        "roster_columns": ROSTER_PREVIEW,
        "all_training_columns": TRAINING_COLUMNS,
        "all_roster_columns": ROSTER_COLUMNS,
        "preview_rows": PREVIEW_ROWS,
    }
    if report is not None:
        # The preview shows officers' names, licence numbers and shortfalls: a confidential
        # read of many records at once, logged like the downloads.
        with transaction.atomic():
            record_audit(
                actor=request.user,
                action="state_report.view",
                obj=agency,
                agency_id=agency.pk,
                after={"period": label, "officers": report.officers},
            )
        context["training_preview"] = _preview(report, "training", TRAINING_PREVIEW)
        context["roster_preview"] = _preview(report, "roster", ROSTER_PREVIEW)
        context["qualification_count"] = sum(
            1 for r in report.training if r["kind"] == "qualification"
        )
        context["record_count"] = len(report.training) - context["qualification_count"]
        context["downloads"] = [
            (kind, fmt, label_text)
            for kind in ("training", "roster")
            for fmt, label_text in (("csv", "CSV"), ("xlsx", "Excel (XLSX)"))
        ]
    return render(request, "reports/state_report.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
def state_report_download(
    request: HttpRequest, pk: int, period: str, kind: str, fmt: str
) -> HttpResponse:
    """One file of the state report (training or roster, CSV or XLSX); every download is
    audited."""
    agency = _agency_or_404(request, pk)
    try:
        report, header, rows = export_state_report(
            acting_user=request.user, agency=agency, period_label=period, kind=kind, fmt=fmt
        )
    except ValidationError:
        raise Http404("No such period in this agency's state report.") from None
    send = xlsx_response if fmt == "xlsx" else csv_response
    return send(header, rows, report.filename(kind))


urlpatterns: list[URLPattern] = [
    path("agencies/<int:pk>/state-report/", state_report, name="state-report"),
    re_path(
        r"^agencies/(?P<pk>[0-9]+)/state-report/(?P<period>[0-9A-Za-z-]+)/"
        r"(?P<kind>training|roster)\.(?P<fmt>csv|xlsx)$",
        state_report_download,
        name="state-report-download",
    ),
]
