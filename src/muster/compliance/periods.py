"""Compliance periods: calendar years, training years, multi-year cycles with nested units,
and windows anchored on the officer's own date. Plain Python, no database."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

PeriodKind = Literal["calendar_year", "training_year", "cycle", "anniversary"]


@dataclass(frozen=True, slots=True)
class Period:
    """A named span of days, both ends included."""

    label: str
    start: dt.date
    end: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class PeriodRule:
    """How a pack cuts time into periods (built from a pack's `period:` block)."""

    kind: PeriodKind
    start_month: int = 1
    start_day: int = 1
    label_year: Literal["start", "end"] = "end"
    years: int = 1
    anchor_year: int = 2000
    unit_years: int | None = None
    months: int = 12

    # --- finding periods -------------------------------------------------------------

    def containing(self, day: dt.date, anchor: dt.date | None = None) -> Period:
        """The period that contains `day` (for anchored windows, the officer's `anchor`)."""
        if self.kind == "anniversary":
            if anchor is None:
                raise ValueError(
                    "this pack's periods start on the officer's own date, which is missing"
                )
            k = _months_between(anchor, day) // self.months
            start = _add_months(anchor, k * self.months)
            if start > day:  # day-of-month clipping can land one window late
                k -= 1
                start = _add_months(anchor, k * self.months)
            return self._window(start)
        year = day.year
        start = self._year_start(year)
        if start > day:
            year -= 1
            start = self._year_start(year)
        if self.kind == "cycle":
            offset = (year - self.anchor_year) // self.years
            start = self._year_start(self.anchor_year + offset * self.years)
            return self._span(start, self.years)
        return self._span(start, 1)

    def by_label(self, label: str, anchor: dt.date | None = None) -> Period:
        """The period a label names: `2025`, `2020-2023` for cycles, a start date for windows."""
        label = label.strip()
        if self.kind == "anniversary":
            try:
                start = dt.date.fromisoformat(label)
            except ValueError:
                raise ValueError(
                    f"'{label}' is not a period of this pack: its periods start on each "
                    "officer's own date; give that start date (YYYY-MM-DD) or use --as-of"
                ) from None
            return self._window(start)
        if self.kind == "cycle":
            match = re.fullmatch(r"(\d{4})-(\d{4})", label)
            if not match:
                raise ValueError(f"'{label}' is not a cycle label like 2020-2023")
            period = self.containing(self._year_start(int(match.group(1))))
            if period.label != label:
                raise ValueError(
                    f"'{label}' is not a cycle of this pack (a cycle is {period.label})"
                )
            return period
        if not re.fullmatch(r"\d{4}", label):
            raise ValueError(f"'{label}' is not a period label; use a year such as 2025")
        named = int(label)
        if self.kind == "training_year" and self.label_year == "end" and self._starts_mid_year:
            named -= 1
        return self._span(self._year_start(named), 1)

    def units(self, period: Period) -> list[Period]:
        """The units nested in a cycle (for example 2-year units in a 4-year cycle)."""
        if self.kind != "cycle" or not self.unit_years:
            return [period]
        out = []
        start = period.start
        while start <= period.end:
            unit = self._span(start, self.unit_years, unit=True)
            out.append(unit)
            start = unit.end + dt.timedelta(days=1)
        return out

    # --- helpers ---------------------------------------------------------------------

    @property
    def _starts_mid_year(self) -> bool:
        return (self.start_month, self.start_day) != (1, 1)

    def _year_start(self, year: int) -> dt.date:
        return dt.date(year, self.start_month, self.start_day)

    def _span(self, start: dt.date, years: int, unit: bool = False) -> Period:
        end = dt.date(start.year + years, start.month, start.day) - dt.timedelta(days=1)
        if self.kind == "cycle" or unit:
            label = f"{start.year}-{end.year}"
        elif self.label_year == "end" and self._starts_mid_year:
            label = str(end.year)
        else:
            label = str(start.year)
        return Period(label, start, end)

    def _window(self, start: dt.date) -> Period:
        end = _add_months(start, self.months) - dt.timedelta(days=1)
        return Period(start.isoformat(), start, end)


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def months_employed(period: Period, hired_on: dt.date | None, left_on: dt.date | None) -> int:
    """Months of `period` whose first day the officer was employed (for pro-rating)."""
    count = 0
    day = period.start.replace(day=1)
    if day < period.start:
        day = _add_months(day, 1)
    while day <= period.end:
        if (hired_on is None or hired_on <= day) and (left_on is None or day <= left_on):
            count += 1
        day = _add_months(day, 1)
    return count
