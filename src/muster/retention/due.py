"""When a record falls due for disposition: plain date arithmetic, no database.

A schedule keeps a record for whole years counted from a trigger date (the record's own
date, the officer's separation, or the end of the period the record falls in). The record is
kept through the last anniversary and is due from the day after it; a record whose trigger
has not happened (an officer still serving) is never due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

RECORD_DATE = "record_date"
SEPARATION = "separation"
PERIOD_END = "period_end"


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; February 29 becomes March 1 in a common year (the later
    day, so a record is never kept a day short)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # Feb 29 in a year without one
        return dt.date(day.year + years, 3, 1)


def trigger_date(
    trigger: str,
    record_date: dt.date,
    *,
    separated_on: dt.date | None = None,
    period_end: Callable[[dt.date], dt.date] | None = None,
) -> dt.date | None:
    """The date the retention period runs from, or None while it has not happened."""
    if trigger == RECORD_DATE:
        return record_date
    if trigger == SEPARATION:
        return separated_on
    if trigger == PERIOD_END:
        if period_end is None:
            raise ValueError("the period-end trigger needs the period's end")
        end = period_end(record_date)
        # A period always contains its own record; an end before it would dispose early.
        return max(end, record_date)
    raise ValueError(f"unknown trigger {trigger!r}")


def due_on(years: int | None, trigger_day: dt.date | None) -> dt.date | None:
    """The first day a record kept `years` from `trigger_day` may be disposed of; None when
    it is kept permanently or its trigger has not happened."""
    if years is None or trigger_day is None:
        return None
    return add_years(trigger_day, years) + dt.timedelta(days=1)


def is_due(due: dt.date | None, today: dt.date) -> bool:
    """Whether a record with this due date may be disposed of today."""
    return due is not None and due <= today


def latest_record_date(years: int, today: dt.date) -> dt.date:
    """A bound for the database: a record (or trigger) later than this cannot be due today
    under a schedule of `years` (used to narrow the query; the exact test is `is_due`)."""
    # due_on(d) <= today  ⇔  add_years(d, years) < today; add_years only moves Feb 29
    # forward, so every due trigger day is on or before today minus `years` years.
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return dt.date(today.year - years, 2, 28)
