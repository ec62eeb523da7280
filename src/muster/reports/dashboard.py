"""The agency dashboard's numbers, each section one aggregate query over what the user may read.

No query here runs per officer or per unit: the page costs the same number of queries for an
agency of 5 officers as for one of 5,000 (the tests count them).

Definitions shown on the page:

* **Compliance rate**: officers compliant ÷ (compliant + deficient) in the current period,
  among serving officers; exempt and waived officers are counted apart, not in the rate.
* **Hours entered**: minutes at the pack's minutes per credit hour (50 in Missouri), plus the
  hours stated on certificates, plus college semester
  hours at the rule pack's rate, as entered on the current (not voided) records of serving
  officers. This is what was entered, not what the rules credit (which may be capped).
* **Progress**: hours entered from the first day of the period up to today's day of the
  period, as a share of the required hours of the serving officers' snapshots of that period;
  last period at the same day of its period.
* **At risk**: deficient now, and the credit hours of the scheduled sessions the officer is
  enrolled in for the rest of the period fall short of their missing total hours (an officer
  deficient only for a specific requirement counts as at risk unless enrolled in something).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from muster.agencies.models import Agency, Unit
from muster.compliance.models import ComplianceSnapshot
from muster.compliance.periods import Period
from muster.compliance.rulepack import load_pack
from muster.people.models import Officer, OfficerStatus
from muster.reports.risk import credit_rates
from muster.training.models import (
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
    TrainingRecord,
)
from muster.training.vocabulary import category_label

STATUSES = ("compliant", "deficient", "exempt", "waived")
NO_SNAPSHOT = "not_computed"
# Days left to the deadline: (upper bound, label); the last bucket has no bound.
RISK_BUCKETS: tuple[tuple[int | None, str], ...] = (
    (-1, "Past the deadline"),
    (30, "30 days or fewer"),
    (60, "31–60 days"),
    (90, "61–90 days"),
    (None, "More than 90 days"),
)
NO_UNIT = "(no unit)"


def may_view_dashboard(user: Any, agency: Agency) -> bool:
    """Agency-wide roles of the agency, commission staff of its state, and superusers."""
    scope = getattr(user, "scope", None)
    if scope is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(scope.everything or agency.pk in scope.agency_ids or agency.state in scope.states)


@dataclass(frozen=True)
class Rates:
    """How the rule pack turns what was entered into hours: minutes per hour, college rate."""

    minutes_per_hour: int
    college: Decimal | None  # hours per semester hour; None when the pack gives none


def _hours(minutes: Any, stated: Any, semester: Any, rates: Rates) -> Decimal:
    total = Decimal(minutes or 0) / rates.minutes_per_hour + Decimal(stated or 0)
    if rates.college is not None:
        total += Decimal(semester or 0) * rates.college
    return total


def _round1(value: Decimal | float) -> float:
    return float(Decimal(value).quantize(Decimal("0.1")))


def _rate(compliant: int, deficient: int) -> float | None:
    held = compliant + deficient
    return _round1(Decimal(100 * compliant) / held) if held else None


def risk_bucket(days_left: int | None) -> str:
    """The label of the days-left bucket an at-risk officer falls in."""
    if days_left is None:
        return RISK_BUCKETS[-1][1]
    for bound, label in RISK_BUCKETS:
        if bound is None or days_left <= bound:
            return label
    return RISK_BUCKETS[-1][1]


@dataclass
class Progress:
    """Hours entered as a share of required hours, now and at the same day last period."""

    day: int  # days since the period started (0 on its first day)
    hours_now: float
    required_now: float
    share_now: float | None
    hours_then: float
    required_then: float
    share_then: float | None
    # Cumulative share (%) by day of the period: whole last period, this one up to today.
    curve_now: list[tuple[int, float]] = field(default_factory=list)
    curve_then: list[tuple[int, float]] = field(default_factory=list)
    length: int = 365


@dataclass
class Dashboard:
    """Everything the dashboard shows for one agency, as the user may read it."""

    agency: Agency
    today: dt.date
    period: Period
    previous: Period
    totals: dict[str, int]
    officers: int
    rate: float | None
    units: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    progress: Progress
    at_risk: list[dict[str, Any]]
    at_risk_total: int
    rates: Rates


def _periods(agency: Agency, today: dt.date) -> tuple[Period, Period, Rates]:
    version = load_pack(agency.rule_pack).version_for(today)
    rule = version.period.rule()
    current = rule.containing(today, today)
    previous = rule.containing(current.start - dt.timedelta(days=1), today)
    # The agency's own rates: an overlay may set the pack's unconfirmed college rate.
    minutes, college = credit_rates(agency, today)
    return current, previous, Rates(minutes_per_hour=minutes, college=college)


def build_dashboard(user: Any, agency: Agency, *, today: dt.date | None = None) -> Dashboard:
    """The dashboard of one agency for `user` (call only after `may_view_dashboard`)."""
    today = today or agency.today()
    period, previous, rates = _periods(agency, today)
    officers = Officer.objects.visible_to(user).serving().filter(agency=agency)
    snapshots = (
        ComplianceSnapshot.objects.visible_to(user)
        .filter(officer__agency=agency, pack_id=agency.rule_pack)
        .exclude(officer__status=OfficerStatus.SEPARATED)
    )
    records = (
        TrainingRecord.objects.visible_to(user)
        .current()
        .filter(officer__agency=agency)
        .exclude(officer__status=OfficerStatus.SEPARATED)
    )

    status_counts, required_now, required_then = _status_by_unit(officers, agency, period, previous)
    risk_rows = _at_risk(snapshots, today, period, rates.minutes_per_hour)
    units = _unit_rows(agency, status_counts, risk_rows)
    totals: dict[str, int] = defaultdict(int)
    for (_, status), n in status_counts.items():
        totals[status] += n
    # One scan of both periods' records by day and category serves the category table and
    # the progress curves alike (each record counted once).
    daily = _amounts(
        # Last period ends the day before this one starts: one range, one index scan.
        records.filter(completed_on__gte=previous.start, completed_on__lte=today),
        "completed_on",
        "category",
    )
    in_period = records.filter(completed_on__gte=period.start, completed_on__lte=today)
    buckets: dict[str, dict[str, Any]] = {
        label: {"bucket": label, "officers": 0, "shortfall": Decimal(0)}
        for _, label in RISK_BUCKETS
    }
    for row in risk_rows:
        days = (row["due"] - today).days if row["due"] else None
        bucket = buckets[risk_bucket(days)]
        bucket["officers"] += row["n"]
        bucket["shortfall"] += Decimal(row["shortfall"] or 0)
    at_risk = [{**b, "shortfall": _round1(b["shortfall"])} for b in buckets.values()]
    return Dashboard(
        agency=agency,
        today=today,
        period=period,
        previous=previous,
        totals={s: totals.get(s, 0) for s in (*STATUSES, NO_SNAPSHOT)},
        officers=sum(totals.values()),
        rate=_rate(totals.get("compliant", 0), totals.get("deficient", 0)),
        units=units,
        categories=_by_category(
            [r for r in daily if r["completed_on"] >= period.start], agency, rates
        ),
        topics=_by_topic(in_period, rates),
        progress=_progress(daily, (required_now, required_then), period, previous, today, rates),
        at_risk=at_risk,
        at_risk_total=sum(b["officers"] for b in at_risk),
        rates=rates,
    )


def _snapshot(agency: Agency, period: Period) -> FilteredRelation:
    return FilteredRelation(
        "compliance_snapshots",
        condition=Q(
            compliance_snapshots__pack_id=agency.rule_pack,
            compliance_snapshots__period_start=period.start,
        ),
    )


def _status_by_unit(
    officers: QuerySet[Officer], agency: Agency, period: Period, previous: Period
) -> tuple[dict[tuple[int | None, str], int], Decimal, Decimal]:
    """(unit id, status) → serving officers, and the required hours of this and last period,
    in one query; officers without a current snapshot count as not computed."""
    rows = (
        officers.annotate(current=_snapshot(agency, period), last=_snapshot(agency, previous))
        .order_by()
        .values("unit_id", "current__status")
        .annotate(
            n=Count("pk"),
            required_now=Sum("current__required_hours"),
            required_then=Sum("last__required_hours"),
        )
    )
    counts: dict[tuple[int | None, str], int] = {}
    now, then = Decimal(0), Decimal(0)
    for r in rows:
        counts[(r["unit_id"], r["current__status"] or NO_SNAPSHOT)] = r["n"]
        now += Decimal(r["required_now"] or 0)
        then += Decimal(r["required_then"] or 0)
    return counts, now, then


def _at_risk(
    snapshots: QuerySet[ComplianceSnapshot], today: dt.date, period: Period, per_hour: int
) -> list[dict[str, Any]]:
    """(unit, deadline) → at-risk officers and their summed shortfall, in one query.

    The same rule as muster.reports.risk (used by the supervisor's list), in SQL.
    """
    planned = (
        Enrolment.objects.filter(
            officer_id=OuterRef("officer_id"),
            status=EnrolmentStatus.ENROLLED,
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__gte=timezone.now(),
            session__starts_at__date__lte=period.end,
        )
        .order_by()
        .values("officer_id")
        .annotate(total=Sum("session__course__credit_minutes"))
        .values("total")
    )
    hours = DecimalField(max_digits=10, decimal_places=2)
    rows = (
        snapshots.filter(status="deficient", period_start__lte=today, period_end__gte=today)
        .annotate(
            planned_minutes=Coalesce(Subquery(planned, output_field=IntegerField()), Value(0)),
            missing=ExpressionWrapper(
                F("required_hours") - F("credited_hours"), output_field=hours
            ),
        )
        .filter(
            Q(missing__gt=0, planned_minutes__lt=F("missing") * per_hour)
            | Q(missing__lte=0, planned_minutes=0)
        )
        .order_by()
        # The last day that still counts: the end of grace where the pack has one, as on
        # the supervisor's list (risk.days_left).
        .annotate(due=Coalesce("grace_until", "deadline", "period_end"))
        .values("officer__unit_id", "due")
        .annotate(n=Count("pk"), shortfall=Sum("missing"))
    )
    return [dict(r) for r in cast("Iterable[dict[str, Any]]", rows)]


def _unit_rows(
    agency: Agency,
    counts: dict[tuple[int | None, str], int],
    risk_rows: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """One row per unit, counting its sub-units too, plus officers with no unit."""
    units: list[dict[str, Any]] = [
        dict(u)
        for u in Unit.objects.filter(agency=agency).values("pk", "name", "path", "parent_id")
    ]
    by_pk = {u["pk"]: u for u in units}
    risk: dict[int | None, int] = defaultdict(int)
    for row in risk_rows:
        risk[row["officer__unit_id"]] += row["n"]
    own: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (unit_id, status), n in counts.items():
        own[unit_id][status] += n

    def full_name(unit: dict[str, Any]) -> str:
        names = [by_pk[int(pk)]["name"] for pk in unit["path"].strip("/").split("/") if pk]
        return " › ".join(names) or unit["name"]

    out = []
    for unit in sorted(units, key=lambda u: u["path"]):
        inside = [u["pk"] for u in units if u["path"].startswith(unit["path"])]
        row = _count_row(
            full_name(unit),
            [own[pk] for pk in inside if pk in own],
            sum(risk[pk] for pk in inside),
        )
        row.update(unit_id=unit["pk"], top=unit["parent_id"] is None)
        out.append(row)
    if None in own:
        row = _count_row(NO_UNIT, [own[None]], risk[None])
        row.update(unit_id=None, top=True)
        out.append(row)
    return out


def _count_row(name: str, parts: list[dict[str, int]], at_risk: int) -> dict[str, Any]:
    row: dict[str, Any] = {"unit": name}
    for status in (*STATUSES, NO_SNAPSHOT):
        row[status] = sum(p.get(status, 0) for p in parts)
    row["officers"] = sum(row[s] for s in (*STATUSES, NO_SNAPSHOT))
    row["rate"] = _rate(row["compliant"], row["deficient"])
    row["at_risk"] = at_risk
    return row


def _amounts(records: QuerySet[TrainingRecord], *keys: str) -> list[dict[str, Any]]:
    """Minutes, stated hours, semester hours and record count, grouped by `keys` (one query)."""
    rows = (
        records.order_by()
        .values(*keys)
        .annotate(
            minutes=Sum("minutes"),
            stated=Sum("credit_hours"),
            semester=Sum("semester_hours"),
            n=Count("pk"),
        )
    )
    return [dict(r) for r in cast("Iterable[dict[str, Any]]", rows)]


def _by_category(daily: list[dict[str, Any]], agency: Agency, rates: Rates) -> list[dict[str, Any]]:
    hours: dict[str, Decimal] = defaultdict(Decimal)
    count: dict[str, int] = defaultdict(int)
    for r in daily:
        hours[r["category"]] += _hours(r["minutes"], r["stated"], r["semester"], rates)
        count[r["category"]] += r["n"]
    out = [
        {
            "category": category_label(agency.rule_pack, code) or "(no category)",
            "records": count[code],
            "hours": _round1(hours[code]),
        }
        for code in hours
    ]
    return sorted(out, key=lambda r: (-r["hours"], r["category"]))


def _by_topic(records: QuerySet[TrainingRecord], rates: Rates) -> list[dict[str, Any]]:
    # A record on two topics counts toward both, so topic hours add up to more than the total.
    # Records without a topic are left out: starting from the topic links reads fewer rows.
    rows = _amounts(records.filter(topics__isnull=False), "topics__name")
    out = [
        {
            "topic": r["topics__name"],
            "records": r["n"],
            "hours": _round1(_hours(r["minutes"], r["stated"], r["semester"], rates)),
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r["hours"], r["topic"]))


def _progress(
    daily: list[dict[str, Any]],
    required: tuple[Decimal, Decimal],
    period: Period,
    previous: Period,
    today: dt.date,
    rates: Rates,
) -> Progress:
    day = (today - period.start).days
    now_by_day: dict[int, Decimal] = defaultdict(Decimal)
    then_by_day: dict[int, Decimal] = defaultdict(Decimal)
    for r in daily:
        amount = _hours(r["minutes"], r["stated"], r["semester"], rates)
        when: dt.date = r["completed_on"]
        if when >= period.start:
            now_by_day[(when - period.start).days] += amount
        else:
            then_by_day[(when - previous.start).days] += amount
    req_now, req_then = required
    then_day = min(day, (previous.end - previous.start).days)
    hours_now = sum(now_by_day.values(), Decimal(0))
    hours_then = sum((v for d, v in then_by_day.items() if d <= then_day), Decimal(0))
    return Progress(
        day=day,
        hours_now=_round1(hours_now),
        required_now=_round1(req_now),
        share_now=_round1(100 * hours_now / req_now) if req_now else None,
        hours_then=_round1(hours_then),
        required_then=_round1(req_then),
        share_then=_round1(100 * hours_then / req_then) if req_then else None,
        curve_now=_curve(now_by_day, day, req_now),
        curve_then=_curve(then_by_day, (previous.end - previous.start).days, req_then),
        length=(period.end - period.start).days,
    )


def _curve(by_day: dict[int, Decimal], last: int, required: Decimal) -> list[tuple[int, float]]:
    """The cumulative share (%) sampled weekly and on the last day (small SVG, same shape)."""
    if not required:
        return []
    points: list[tuple[int, float]] = []
    running = Decimal(0)
    for d in range(last + 1):
        running += by_day.get(d, Decimal(0))
        if d % 7 == 0 or d == last:
            points.append((d, _round1(100 * running / required)))
    return points
