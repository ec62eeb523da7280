"""The disposition report: which records are due now under the agency's schedules.

Computed on every request, never stored. A record is due when its schedule's period has run
from its trigger date, no legal hold covers it, and nothing that points at it (a correction,
an outside-training submission) is kept; records already in an open batch are listed as such.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from muster.agencies.models import Agency
from muster.retention import due
from muster.retention.models import (
    OPEN_BATCH_STATUSES,
    DispositionItem,
    LegalHold,
    RetentionSchedule,
    Series,
    Trigger,
)
from muster.retention.series import SERIES, Key, period_end_of


@dataclass(frozen=True)
class DueRecord:
    """A record whose retention period has run."""

    series: str
    object_id: int
    officer_id: int | None
    record_date: dt.date
    trigger_date: dt.date
    due_on: dt.date
    schedule: RetentionSchedule

    @property
    def key(self) -> Key:
        """The record's series and id."""
        return (self.series, self.object_id)


@dataclass
class SeriesSummary:
    """One series' line of the report."""

    series: str
    label: str
    schedule: RetentionSchedule | None
    due: int = 0
    in_batch: int = 0
    held: int = 0
    kept: int = 0


@dataclass
class DispositionReport:
    """What is due in one agency today, and what is kept despite its schedule."""

    agency: Agency
    today: dt.date
    due: list[DueRecord]  # due, not held, nothing depends on it
    held: list[DueRecord]  # past their period, but under a legal hold
    kept: dict[Key, str]  # past their period, kept because something depends on them
    in_batch: dict[Key, int]  # due records already in an open batch, and which
    summaries: list[SeriesSummary] = field(default_factory=list)

    def proposable(self, series: str = "") -> list[DueRecord]:
        """Due records not in an open batch yet (of one series, or all)."""
        return [
            r for r in self.due if r.key not in self.in_batch and (not series or r.series == series)
        ]


def _active_holds(agency: Agency) -> tuple[bool, set[int]]:
    """Whether a hold covers the whole agency, and the officers held one by one."""
    officers = list(
        LegalHold.objects.active().filter(agency=agency).values_list("officer_id", flat=True)
    )
    return None in officers, {o for o in officers if o is not None}


def past_their_period(agency: Agency, today: dt.date) -> tuple[list[DueRecord], list[DueRecord]]:
    """Every record whose schedule's period has run, split into (not held, held)."""
    schedules = {s.series: s for s in RetentionSchedule.objects.filter(agency=agency)}
    whole_agency, held_officers = _active_holds(agency)
    period_end = period_end_of(agency)
    free: list[DueRecord] = []
    held: list[DueRecord] = []
    for code, kind in SERIES.items():
        schedule = schedules.get(code)
        if schedule is None or schedule.years is None:
            continue  # no schedule, or kept permanently: never due
        bound = due.latest_record_date(schedule.years, today)
        by_separation = schedule.trigger == Trigger.SEPARATION
        candidates = kind.candidates(
            agency,
            date_bound=None if by_separation else bound,
            separated_bound=bound if by_separation else None,
        )
        for c in candidates:
            start = due.trigger_date(
                schedule.trigger, c.record_date, separated_on=c.separated_on, period_end=period_end
            )
            due_day = due.due_on(schedule.years, start)
            if start is None or due_day is None or not due.is_due(due_day, today):
                continue
            record = DueRecord(
                code, c.object_id, c.officer_id, c.record_date, start, due_day, schedule
            )
            if whole_agency or c.hold_officer_ids & held_officers:
                held.append(record)
            else:
                free.append(record)
    return free, held


def settle(records: Iterable[DueRecord]) -> tuple[list[DueRecord], dict[Key, str]]:
    """Of records to be disposed of together, those that may go, and those kept (with the
    reason) because something pointing at them is not going with them."""
    going = {r.key: r for r in records}
    kept: dict[Key, str] = {}
    while True:
        keys = set(going)
        by_series: dict[str, list[int]] = defaultdict(list)
        for code, pk in keys:
            by_series[code].append(pk)
        newly = {
            (code, pk): reason
            for code, pks in by_series.items()
            for pk, reason in SERIES[code].blockers(pks, keys).items()
        }
        if not newly:
            return list(going.values()), kept
        kept.update(newly)
        for key in newly:
            going.pop(key, None)


def open_batch_items(agency: Agency) -> dict[Key, int]:
    """Records in the agency's proposed or approved batches, with their batch."""
    rows = DispositionItem.objects.filter(
        batch__agency=agency, batch__status__in=sorted(OPEN_BATCH_STATUSES)
    ).values_list("series", "object_id", "batch_id")
    return {(series, object_id): batch for series, object_id, batch in rows}


def disposition_report(agency: Agency, *, today: dt.date | None = None) -> DispositionReport:
    """The agency's disposition report as of `today` (the agency's own today by default)."""
    today = today or agency.today()
    free, held = past_their_period(agency, today)
    ready, kept = settle(free)
    ready_keys = {r.key for r in ready}
    in_batch = {k: v for k, v in open_batch_items(agency).items() if k in ready_keys}
    ready.sort(key=lambda r: (r.series, r.due_on, r.object_id))
    report = DispositionReport(agency, today, ready, held, kept, in_batch)
    schedules = {s.series: s for s in RetentionSchedule.objects.filter(agency=agency)}
    for code in SERIES:
        summary = SeriesSummary(code, str(Series(code).label), schedules.get(code))
        summary.due = sum(1 for r in ready if r.series == code)
        summary.in_batch = sum(1 for k in in_batch if k[0] == code)
        summary.held = sum(1 for r in held if r.series == code)
        summary.kept = sum(1 for k in kept if k[0] == code)
        report.summaries.append(summary)
    return report
