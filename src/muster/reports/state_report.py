"""The state report: a period's training records and a roster of officers with their compliance,
in the documented format an agency submits to its state (docs/formats.md, section 11).

The roster is the rule pack's own verdict, and every column `muster check` reads is in the
files, so the state (or anyone) can re-judge the training file with `muster check` and get
the roster back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, Q

from muster.agencies.models import Agency
from muster.compliance.app_facts import officer_facts, record_facts
from muster.compliance.evaluator import (
    STATUSES,
    CompiledVersion,
    Evaluator,
    OfficerResult,
    hours,
)
from muster.compliance.periods import Period, PeriodRule
from muster.compliance.rulepack import UNITS_PER_HOUR
from muster.compliance.services import evaluator_for
from muster.core.audit import record_audit
from muster.core.services import require
from muster.people.models import Officer
from muster.training.models import (
    Participation,
    QualificationEvent,
    RecordKind,
    TrainingRecord,
)

# The columns, in this order, are the documented format: change them only with the docs.
# Every column of a `muster check` records file is among TRAINING_COLUMNS, and every column
# of its officers file and of its CSV output among ROSTER_COLUMNS.
TRAINING_COLUMNS = (
    "officer_id", "licence_number", "name", "record_id", "date", "course_id", "title",
    "kind", "role", "delivery", "minutes", "hours", "semester_hours", "credit_hours",
    "counted_hours", "note", "category", "topics", "provider", "approved_provider",
    "post_certified", "qualification", "result", "weapon_type", "attributed_to", "voided",
)  # fmt: skip
ROSTER_COLUMNS = (
    "officer_id", "licence_number", "name", "status", "period", "requirement",
    "requirement_title", "unit", "required", "credited", "shortfall", "met", "reason",
    "waived", "deadline", "grace_until", "employment", "licensed_on", "hired_on",
    "separated_on", "licence_class", "assignment", "pack", "pack_version", "judged_on",
)  # fmt: skip
KINDS = ("training", "roster")
FORMATS = ("csv", "xlsx")
MAX_PERIODS = 15  # periods offered on the page; older ones are rarely asked for

_HUNDREDTH = Decimal("0.01")


@dataclass
class StateReport:
    """One agency's report for one period: training rows and roster rows, as documented."""

    agency: Agency
    period: Period
    pack_id: str
    pack_version: str
    judged_on: dt.date
    training: list[dict[str, Any]] = field(default_factory=list)
    roster: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)  # officers by status
    officers: int = 0

    def table(self, kind: str) -> tuple[list[str], list[list[Any]]]:
        """The header and rows of one file (`training` or `roster`), cells ready to write."""
        columns = TRAINING_COLUMNS if kind == "training" else ROSTER_COLUMNS
        rows = self.training if kind == "training" else self.roster
        return list(columns), [[_cell(row[c]) for c in columns] for row in rows]

    def filename(self, kind: str) -> str:
        """The download's name (without extension); short enough to be an XLSX sheet name."""
        return f"{self.agency.ori}-{self.period.label}-{kind}"


def _cell(value: Any) -> Any:
    # true/false as `muster check` prints them; dates stay dates (real date cells in XLSX).
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _period_rule(agency: Agency, evaluator: Evaluator) -> PeriodRule:
    rule = evaluator.pack.versions[-1].period.rule()
    if rule.kind == "anniversary":
        # Each officer has their own period: there is no one agency period to report on.
        raise ValidationError(
            {"period": f"{agency.rule_pack} periods start on each officer's own date; "
             "the state report needs an agency-wide period."}
        )  # fmt: skip
    return rule


def period_choices(user: Any, agency: Agency) -> list[Period]:
    """The agency's periods, newest first: the current one back to its earliest training."""
    evaluator, _ = evaluator_for(agency)
    rule = _period_rule(agency, evaluator)
    periods = [rule.containing(agency.today())]
    earliest = (
        TrainingRecord.objects.visible_to(user)
        .filter(officer__agency=agency)
        .aggregate(first=Min("completed_on"))["first"]
    )
    # The previous period always: it is the one most often reported.
    while len(periods) < MAX_PERIODS and (
        len(periods) < 2 or (earliest is not None and periods[-1].start > earliest)
    ):
        periods.append(rule.containing(periods[-1].start - dt.timedelta(days=1)))
    return periods


def _credit_units(compiled: CompiledVersion, record: TrainingRecord) -> int:
    """What the pack grants the record, before any limit: the same order and rates the
    evaluator uses (stated hours, then semester hours, then minutes by role)."""
    if record.credit_hours is not None:
        stated = Decimal(record.credit_hours) * UNITS_PER_HOUR
        return int(stated.to_integral_value(rounding=ROUND_HALF_UP))
    if record.semester_hours is not None:
        if compiled.college_units is None:
            return 0
        return int(Decimal(record.semester_hours) * compiled.college_units)
    minutes = record.minutes or 0
    if record.participation == Participation.INSTRUCTOR:
        allowed = compiled.version.credit.instructor_delivery
        if allowed and record.delivery not in allowed:
            return 0
        return minutes * compiled.instructor_factor
    return minutes * compiled.attendee_factor


def _explained(result: OfficerResult) -> tuple[dict[str, float], dict[str, str]]:
    """Per record id: hours counted toward the total, and how it counted (or why not)."""
    counted: dict[str, float] = defaultdict(float)
    notes: dict[str, str] = {}
    for requirement in result.requirements:
        for line in requirement.explanation:
            notes.setdefault(line.record, line.note)
            if requirement.id == "total":
                counted[line.record] += line.hours
    return counted, notes


def build_state_report(*, acting_user: Any, agency: Agency, period_label: str) -> StateReport:
    """The state report of `agency` for the period labelled `period_label` (read only)."""
    require(acting_user, "reports.state_report", agency)
    evaluator, _ = evaluator_for(agency)
    rule = _period_rule(agency, evaluator)
    try:
        period = rule.by_label(period_label)
    except ValueError as exc:
        raise ValidationError({"period": str(exc)}) from None
    today = agency.today()
    if period.start > today:
        raise ValidationError({"period": f"The period {period.label} has not begun."})
    compiled = evaluator.compiled_for(period.start)
    label = period.label

    # Current records only: dated in the period, or make-up done later for it.
    records = list(
        TrainingRecord.objects.visible_to(acting_user)
        .current()
        .filter(officer__agency=agency)
        .filter(Q(completed_on__range=(period.start, period.end)) | Q(attributed_to_period=label))
        .prefetch_related("topics")
        .order_by("completed_on", "pk")
    )
    qualifications = list(
        QualificationEvent.objects.visible_to(acting_user)
        .current()
        .filter(officer__agency=agency, qualified_on__range=(period.start, period.end))
        .order_by("qualified_on", "pk")
    )
    with_rows = {r.officer_id for r in records} | {q.officer_id for q in qualifications}
    # Everyone employed at some time in the period, and anyone with training in it.
    employed = (Q(hired_on__isnull=True) | Q(hired_on__lte=period.end)) & (
        Q(separated_on__isnull=True) | Q(separated_on__gte=period.start)
    )
    officers = list(
        Officer.objects.visible_to(acting_user)
        .filter(agency=agency)
        .filter(employed | Q(pk__in=with_rows))
        .select_related("agency", "unit")
        .prefetch_related("leave_periods")
        .order_by("last_name", "first_name", "pk")
    )
    # The same facts, records and rules the application's own verdicts are made from.
    facts = {o.pk: officer_facts(o) for o in officers}
    history = record_facts(facts.keys(), period.start, period.end, [label])
    results: dict[int, OfficerResult] = {}
    for officer in officers:
        relevant = [
            r for r in history.get(officer.pk, []) if r.date in period or r.attributed_to == label
        ]
        results[officer.pk] = evaluator.evaluate(facts[officer.pk], relevant, period, as_of=today)

    report = StateReport(
        agency=agency,
        period=period,
        pack_id=evaluator.pack.id,
        pack_version=compiled.version.version,
        judged_on=today,
        officers=len(officers),
    )
    rows_by_officer: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        rows_by_officer[record.officer_id].append(_training_row(compiled, record))
    for event in qualifications:
        rows_by_officer[event.officer_id].append(_qualification_row(event))
    for officer in officers:
        result = results[officer.pk]
        counted, notes = _explained(result)
        who = {
            "officer_id": str(officer.pk),
            "licence_number": officer.licence_number,
            "name": officer.full_name,
        }
        for row in sorted(rows_by_officer[officer.pk], key=lambda r: (r["date"], r["record_id"])):
            if row["kind"] == "training":
                total = round(counted.get(row["record_id"], 0.0), 2)
                row["counted_hours"] = Decimal(str(total)).quantize(_HUNDREDTH)
            row["note"] = notes.get(row["record_id"], "")
            report.training.append(who | row)
        report.statuses[result.status] = report.statuses.get(result.status, 0) + 1
        report.roster.extend(_roster_rows(who, facts[officer.pk], result, report))
    report.statuses = {s: report.statuses[s] for s in STATUSES if s in report.statuses}
    return report


def _training_row(compiled: CompiledVersion, record: TrainingRecord) -> dict[str, Any]:
    return {
        "record_id": str(record.pk),
        "date": record.completed_on,
        "course_id": record.course_code,
        "title": record.title,
        "kind": "training",
        "role": record.participation,
        # Inside the application a college course is a kind of record; in the files it is
        # a way of delivery, as `muster check` reads it.
        "delivery": "college" if record.kind == RecordKind.COLLEGE else record.delivery,
        "minutes": record.minutes,
        "hours": record.credit_hours,
        "semester_hours": record.semester_hours,
        "credit_hours": hours(_credit_units(compiled, record)),
        "counted_hours": None,
        "category": record.category,
        "topics": ";".join(sorted(t.code for t in record.topics.all())),
        "provider": record.provider,
        "approved_provider": record.approved_provider,
        "post_certified": record.post_certified,
        "qualification": "",
        "result": "",
        "weapon_type": "",
        "attributed_to": record.attributed_to_period,
        "voided": False,
    }


def _qualification_row(event: QualificationEvent) -> dict[str, Any]:
    return {
        "record_id": f"q{event.pk}",  # the id the application's verdicts use
        "date": event.qualified_on,
        "course_id": "",
        "title": f"{event.get_weapon_type_display()} qualification ({event.course_of_fire})",
        "kind": "qualification",
        "role": "",
        "delivery": "",
        "minutes": None,
        "hours": None,
        "semester_hours": None,
        "credit_hours": None,
        "counted_hours": None,
        "category": "",
        "topics": "",
        "provider": event.instructor_name,
        "approved_provider": False,
        "post_certified": False,
        "qualification": "firearms",
        "result": "pass" if event.passed else "fail",
        "weapon_type": event.weapon_type,
        "attributed_to": "",
        "voided": False,
    }


def _roster_rows(
    who: dict[str, Any], facts: Any, result: OfficerResult, report: StateReport
) -> list[dict[str, Any]]:
    officer = who | {
        "status": result.status,
        "period": result.period.label,
        "reason": result.reason,
        "deadline": result.deadline,
        "grace_until": result.grace_until,
        "employment": facts.employment,
        "licensed_on": facts.licensed_on,
        "hired_on": facts.hired_on,
        "separated_on": facts.separated_on,
        "licence_class": facts.licence_class,
        "assignment": facts.assignment,
        "pack": report.pack_id,
        "pack_version": result.version,
        "judged_on": report.judged_on,
    }
    empty = dict.fromkeys(
        ("requirement", "requirement_title", "unit", "required", "credited", "shortfall"), ""
    )
    if not result.requirements:  # no requirement applies: the officer is still listed
        return [officer | empty | {"met": "", "waived": ""}]
    return [
        officer
        | {
            "requirement": req.id,
            "requirement_title": req.title,
            "unit": req.unit,
            "required": req.required,
            "credited": req.credited,
            "shortfall": req.shortfall,
            "met": req.met,
            "waived": req.waived,
        }
        for req in result.requirements
    ]


def export_state_report(
    *, acting_user: Any, agency: Agency, period_label: str, kind: str, fmt: str
) -> tuple[StateReport, list[str], list[list[Any]]]:
    """One file of the state report, ready to send; the export of these confidential
    records is audited (action `state_report.export`, with the period and the file)."""
    if kind not in KINDS:
        raise ValidationError({"kind": f"'{kind}' is not a file of the state report; use "
                               f"{' or '.join(KINDS)}."})  # fmt: skip
    if fmt not in FORMATS:
        raise ValidationError({"fmt": f"'{fmt}' is not a format; use {' or '.join(FORMATS)}."})
    report = build_state_report(acting_user=acting_user, agency=agency, period_label=period_label)
    header, rows = report.table(kind)
    with transaction.atomic():
        record_audit(
            actor=acting_user,
            action="state_report.export",
            obj=agency,
            object_label=f"State report {report.period.label} of {agency}"[:255],
            agency_id=agency.pk,
            after={
                "period": report.period.label,
                "kind": kind,
                "format": fmt,
                "rows": len(rows),
                "officers": report.officers,
                "pack": report.pack_id,
                "pack_version": report.pack_version,
            },
        )
    return report, header, rows
