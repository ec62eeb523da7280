"""The release package: exactly the approved fields of the records in scope, as a PDF or CSV
marked with the request number on every page and every row.

The rows are read through what the producing user may read, and only the approved fields'
values are ever put in a row, so a field that was not approved cannot reach the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from muster.compliance.models import ComplianceSnapshot
from muster.compliance.rulepack import load_pack
from muster.release.catalogue import ReleasableField, ReleaseKind, in_order
from muster.release.models import PackageFormat, ReleaseRequest
from muster.reports.tables import csv_text
from muster.reports.transcripts import _record_row
from muster.training.models import QualificationEvent, TrainingRecord

PDF_TYPE = "application/pdf"
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Section:
    """The rows of one kind of record, with the approved columns of that kind."""

    kind: str
    title: str
    columns: list[ReleasableField]
    rows: list[list[str]]


@dataclass(frozen=True)
class Package:
    """A produced file and what it holds."""

    data: bytes
    filename: str
    content_type: str
    fields: list[str]
    record_count: int


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return "0" if text in ("-0", "0E-2") else text


def period_end(request: ReleaseRequest) -> dt.date:
    """The last day the release covers: the day asked for, or for an open end the agency's
    date of the approval, so producing it again later adds nothing that was not approved."""
    if request.period_to is not None:
        return request.period_to
    decided = request.decided_at or timezone.now()
    return timezone.localtime(decided, request.agency.zone).date()


def _credit(shown: dict[str, Any]) -> str:
    basis = {"stated": " (stated)", "semester": " (semester hours)"}.get(shown["hours_basis"], "")
    return f"{shown['hours']}{basis}"


# Each releasable field's value, from the record and the transcript's row for it.
_TRAINING: dict[str, Callable[[TrainingRecord, dict[str, Any]], str]] = {
    "course_id": lambda r, s: r.course_code,
    "title": lambda r, s: r.title,
    "completed_on": lambda r, s: r.completed_on.isoformat(),
    "credit_hours": lambda r, s: _credit(s),
    "category": lambda r, s: str(s["category"]),
    "topics": lambda r, s: ", ".join(s["topics"]),
    "provider": lambda r, s: r.provider,
    "delivery": lambda r, s: str(r.get_delivery_display()),
    "participation": lambda r, s: str(r.get_participation_display()),
    "location": lambda r, s: r.location,
    "post_certified": lambda r, s: "Yes" if r.post_certified else "No",
}

_QUALIFICATION: dict[str, Callable[[QualificationEvent], str]] = {
    "qualified_on": lambda q: q.qualified_on.isoformat(),
    "weapon_type": lambda q: str(q.get_weapon_type_display()),
    "course_of_fire": lambda q: q.course_of_fire,
    "score": lambda q: (
        f"{_number(q.score)} of {_number(q.max_score)} (pass mark {_number(q.passing_score)})"
    ),
    "qualification_result": lambda q: "Passed" if q.passed else "Failed",
}

_COMPLIANCE: dict[str, Callable[[ComplianceSnapshot], str]] = {
    "compliance_period": lambda c: (
        f"{c.period_label} ({c.period_start.isoformat()} – {c.period_end.isoformat()})"
    ),
    "compliance_status": lambda c: (
        c.status.replace("_", " ").capitalize() + (f" — {c.reason}" if c.reason else "")
    ),
    "compliance_hours": lambda c: f"{_number(c.credited_hours)} of {_number(c.required_hours)}",
}


def _training_rows(request: ReleaseRequest, reader: Any, codes: list[str]) -> list[list[str]]:
    records = (
        TrainingRecord.objects.visible_to(reader)
        .current()
        .filter(officer=request.officer, completed_on__lte=period_end(request))
        .prefetch_related("topics")
        .order_by("completed_on", "id")
    )
    if request.period_from is not None:
        records = records.filter(completed_on__gte=request.period_from)
    pack = load_pack(request.agency.rule_pack)
    # The transcript's own row, so a release states the same credit hours a transcript does.
    shown = [(record, _record_row(record, pack)) for record in records]
    return [[_TRAINING[code](record, row) for code in codes] for record, row in shown]


def _qualification_rows(request: ReleaseRequest, reader: Any, codes: list[str]) -> list[list[str]]:
    events = (
        QualificationEvent.objects.visible_to(reader)
        .current()
        .filter(officer=request.officer, qualified_on__lte=period_end(request))
        .order_by("qualified_on", "id")
    )
    if request.period_from is not None:
        events = events.filter(qualified_on__gte=request.period_from)
    return [[_QUALIFICATION[code](event) for code in codes] for event in events]


def _compliance_rows(request: ReleaseRequest, reader: Any, codes: list[str]) -> list[list[str]]:
    snapshots = (
        ComplianceSnapshot.objects.visible_to(reader)
        .filter(
            officer=request.officer,
            pack_id=request.agency.rule_pack,
            period_start__lte=period_end(request),
        )
        .order_by("period_start")
    )
    if request.period_from is not None:
        snapshots = snapshots.filter(period_end__gte=request.period_from)
    return [[_COMPLIANCE[code](snap) for code in codes] for snap in snapshots]


_READERS = {
    ReleaseKind.TRAINING: _training_rows,
    ReleaseKind.QUALIFICATIONS: _qualification_rows,
    ReleaseKind.COMPLIANCE: _compliance_rows,
}


def collect(request: ReleaseRequest, *, reader: Any) -> list[Section]:
    """The sections of the package: one per kind with an approved field, in catalogue order."""
    approved = in_order(request.approved_fields)
    sections = []
    for kind, title in ReleaseKind.choices:
        columns = [f for f in approved if f.kind == kind]
        if not columns:
            continue
        rows = _READERS[ReleaseKind(kind)](request, reader, [c.code for c in columns])
        sections.append(Section(kind=kind, title=str(title), columns=columns, rows=rows))
    return sections


def _csv(request: ReleaseRequest, sections: list[Section]) -> bytes:
    columns = [f for s in sections for f in s.columns]
    header = ["Request number", "Record kind", *[c.label for c in columns]]
    body: list[list[str]] = []
    for section in sections:
        for row in section.rows:
            cells = dict(zip([c.code for c in section.columns], row, strict=True))
            body.append([request.number, section.title, *[cells.get(c.code, "") for c in columns]])
    if not body:
        # Every row carries the request number, so even an empty release says which it is.
        body.append(
            [request.number, "No records in scope", *["" for _ in columns]],
        )
    return csv_text(header, body).encode("utf-8")


def _pdf(request: ReleaseRequest, sections: list[Section], produced_at: dt.datetime) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only this file needs

    agency = request.agency
    html = render_to_string(
        "release/package_pdf.html",
        {
            "r": request,
            "agency": agency,
            "officer": request.officer,
            "sections": sections,
            "period_end": period_end(request),
            "decided_on": timezone.localtime(request.decided_at, agency.zone).date()
            if request.decided_at
            else None,
            "produced_at": timezone.localtime(produced_at, agency.zone),
        },
    )
    return bytes(HTML(string=html).write_pdf())


def render_package(request: ReleaseRequest, *, reader: Any, produced_at: dt.datetime) -> Package:
    """The package file of an approved request, read through what `reader` may read."""
    sections = collect(request, reader=reader)
    count = sum(len(s.rows) for s in sections)
    fields = [f.code for s in sections for f in s.columns]
    if request.format == PackageFormat.CSV:
        data, content_type, suffix = _csv(request, sections), CSV_TYPE, "csv"
    else:
        data, content_type, suffix = _pdf(request, sections, produced_at), PDF_TYPE, "pdf"
    return Package(
        data=data,
        filename=f"{request.number}.{suffix}",
        content_type=content_type,
        fields=fields,
        record_count=count,
    )
