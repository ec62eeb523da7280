"""When a record falls due: the date arithmetic of each trigger (no database)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.retention.due import (
    PERIOD_END,
    RECORD_DATE,
    SEPARATION,
    add_years,
    due_on,
    is_due,
    latest_record_date,
    trigger_date,
)

days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31))
years = st.integers(min_value=1, max_value=30)


def calendar_year_end(day: dt.date) -> dt.date:
    return dt.date(day.year, 12, 31)


def kansas_year_end(day: dt.date) -> dt.date:
    return dt.date(day.year if day.month < 7 else day.year + 1, 6, 30)


def test_a_record_is_kept_through_the_last_anniversary_and_due_the_day_after():
    due = due_on(5, dt.date(2020, 5, 1))
    assert due == dt.date(2025, 5, 2)
    assert not is_due(due, dt.date(2025, 5, 1))
    assert is_due(due, dt.date(2025, 5, 2))


def test_february_29_is_kept_until_march_1_in_a_common_year():
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 3, 1)
    assert due_on(1, dt.date(2024, 2, 29)) == dt.date(2025, 3, 2)


def test_a_permanent_series_and_a_serving_officer_are_never_due():
    assert due_on(None, dt.date(1990, 1, 1)) is None
    start = trigger_date(SEPARATION, dt.date(1990, 1, 1), separated_on=None)
    assert start is None
    assert not is_due(due_on(3, start), dt.date(2100, 1, 1))


def test_the_period_end_trigger_counts_from_the_end_of_the_records_period():
    start = trigger_date(PERIOD_END, dt.date(2020, 3, 4), period_end=calendar_year_end)
    assert start == dt.date(2020, 12, 31)
    assert due_on(3, start) == dt.date(2024, 1, 1)
    kansas = trigger_date(PERIOD_END, dt.date(2020, 8, 1), period_end=kansas_year_end)
    assert kansas == dt.date(2021, 6, 30)


def test_an_unknown_trigger_is_refused():
    with pytest.raises(ValueError, match="unknown trigger"):
        trigger_date("whenever", dt.date(2020, 1, 1))


@given(day=days, kept=years)
def test_a_record_is_never_due_before_its_years_have_passed(day, kept):
    due = due_on(kept, trigger_date(RECORD_DATE, day))
    assert due is not None
    assert due > day
    # At least `kept` whole calendar years lie between the record and its due date.
    assert (due - day).days > 365 * kept
    assert add_years(day, kept) < due


@given(day=days, kept=years, today=days)
def test_the_database_bound_never_leaves_out_a_due_record(day, kept, today):
    if is_due(due_on(kept, day), today):
        assert day <= latest_record_date(kept, today)


@given(day=days, kept=years, today=days, later=st.integers(min_value=0, max_value=4000))
def test_once_due_a_record_stays_due(day, kept, today, later):
    due = due_on(kept, day)
    if is_due(due, today):
        assert is_due(due, today + dt.timedelta(days=later))


@given(day=days, kept=years, separated=days, today=days)
def test_separation_counts_from_the_separation_whatever_the_records_date(
    day, kept, separated, today
):
    start = trigger_date(SEPARATION, day, separated_on=separated)
    assert start == separated
    assert is_due(due_on(kept, start), today) == (add_years(separated, kept) < today)


@given(day=days, kept=years, today=days)
def test_the_end_of_the_period_is_never_earlier_than_the_record_itself(day, kept, today):
    by_period = due_on(kept, trigger_date(PERIOD_END, day, period_end=calendar_year_end))
    by_date = due_on(kept, trigger_date(RECORD_DATE, day))
    assert by_period is not None
    assert by_date is not None
    assert by_period >= by_date
    # A period end that lies before the record (a bad period) cannot make it due early.
    early = trigger_date(PERIOD_END, day, period_end=lambda d: d - dt.timedelta(days=400))
    assert early == day


@given(kept=years, longer=st.integers(min_value=1, max_value=20), day=days, today=days)
def test_a_longer_schedule_never_makes_a_record_due_sooner(kept, longer, day, today):
    if is_due(due_on(kept + longer, day), today):
        assert is_due(due_on(kept, day), today)
