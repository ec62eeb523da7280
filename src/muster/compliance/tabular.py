"""Reading `muster check` input files (CSV or XLSX), with errors that name file, line and column.

Every bad cell in a file is reported, not only the first; nothing is evaluated when any is
bad. Plain Python only, no Django. The formats are documented in docs/formats.md.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from muster.compliance.facts import OfficerFacts, RecordFacts
from muster.compliance.vocabulary import (
    DELIVERY_CODES,
    EMPLOYMENT,
    ROLES,
    TOPIC_CODES,
    WEAPON_TYPES,
)

MAX_ERRORS = 200  # past this many, the rest are counted, not listed

OFFICER_COLUMNS = (
    "officer_id", "name", "employment", "licensed_on",
    "hired_on", "separated_on", "licence_class", "assignment",
)  # fmt: skip
RECORD_COLUMNS = (
    "officer_id", "date", "title", "kind", "minutes", "hours", "delivery", "role",
    "semester_hours", "category", "topics", "approved_provider", "qualification", "result",
    "record_id", "weapon_type", "attributed_to", "voided",
)  # fmt: skip
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0", ""}


class InputError(Exception):
    """Bad input files; `problems` holds one message per bad cell, in file order."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class _Sheet:
    name: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (line number, cells)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _open(path: Path) -> _Sheet:
    name = path.name
    if not path.is_file():
        raise InputError([f"{name}: no such file ({path})"])
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise InputError([f"{name}: not a readable XLSX workbook ({exc})"]) from None
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [_text(c).lower() for c in next(rows, ())]
        return _Sheet(name, header, ((n, [_text(c) for c in row]) for n, row in enumerate(rows, 2)))
    # Undecodable bytes become U+FFFD, so the line that holds them can be named exactly.
    handle = path.open(newline="", encoding="utf-8-sig", errors="replace")
    reader = csv.reader(_utf8_lines(name, handle))
    header = [h.strip().lower() for h in next(reader, [])]
    return _Sheet(name, header, _csv_rows(name, reader))


def _utf8_lines(name: str, lines: Iterator[str]) -> Iterator[str]:
    for number, line in enumerate(lines, 1):
        if "\ufffd" in line:
            raise InputError([f"{name}, line {number}: not UTF-8 text (save the file as UTF-8)"])
        yield line


def _csv_rows(name: str, reader: Any) -> Iterator[tuple[int, list[str]]]:
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise InputError([f"{name}, line {reader.line_num}: {exc}"]) from None


def _columns(sheet: _Sheet, known: tuple[str, ...], required: tuple[str, ...]) -> dict[str, int]:
    problems = []
    if not sheet.header:
        raise InputError([f"{sheet.name}: the file is empty; line 1 must name the columns"])
    for column in sheet.header:
        if column and column not in known:
            problems.append(
                f"{sheet.name}, line 1: unknown column '{column}'; "
                f"known columns: {', '.join(known)}"
            )
    seen = [c for c in sheet.header if c]
    for column in sorted({c for c in seen if seen.count(c) > 1}):
        problems.append(f"{sheet.name}, line 1: column '{column}' appears twice")
    for column in required:
        if column not in sheet.header:
            problems.append(f"{sheet.name}, line 1: the required column '{column}' is missing")
    if problems:
        raise InputError(problems)
    return {c: i for i, c in enumerate(sheet.header) if c}


class _Row:
    """Typed access to one row's cells; problems are collected, not raised."""

    __slots__ = ("cells", "cols", "line", "problems", "sheet")

    def __init__(
        self, sheet: str, line: int, cells: list[str], cols: dict[str, int], problems: list[str]
    ) -> None:
        self.sheet, self.line, self.cells, self.cols, self.problems = (
            sheet,
            line,
            cells,
            cols,
            problems,
        )

    def raw(self, column: str) -> str:
        i = self.cols.get(column)
        if i is None or i >= len(self.cells):
            return ""
        return self.cells[i].strip()

    def bad(self, column: str, message: str) -> None:
        self.problems.append(f"{self.sheet}, line {self.line}, column {column}: {message}")

    def date(self, column: str, required: bool = False) -> dt.date | None:
        text = self.raw(column)
        if not text:
            if required:
                self.bad(column, "a date is required (YYYY-MM-DD)")
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            self.bad(column, f"'{text}' is not a date (YYYY-MM-DD)")
            return None

    def number(self, column: str, whole: bool = False) -> Any:
        text = self.raw(column)
        if not text:
            return None
        try:
            value = int(text) if whole else Decimal(text)
        except (ValueError, InvalidOperation):
            kind = "a whole number" if whole else "a number"
            self.bad(column, f"'{text}' is not {kind}")
            return None
        if isinstance(value, Decimal) and not value.is_finite():
            self.bad(column, f"'{text}' is not a number")
            return None
        if value < 0:
            self.bad(column, f"'{text}' must not be negative")
            return None
        return value

    def choice(self, column: str, allowed: tuple[str, ...] | frozenset[str], default: str) -> str:
        text = self.raw(column).lower()
        if not text:
            return default
        if text not in allowed:
            self.bad(column, f"'{text}' is not one of: {', '.join(sorted(allowed))}")
        return text

    def flag(self, column: str) -> bool:
        text = self.raw(column).lower()
        if text in _TRUE:
            return True
        if text not in _FALSE:
            self.bad(column, f"'{text}' is not true or false")
        return False


def _finish(problems: list[str]) -> None:
    if problems:
        shown = problems[:MAX_ERRORS]
        if len(problems) > MAX_ERRORS:
            shown.append(f"... and {len(problems) - MAX_ERRORS} more problems")
        raise InputError(shown)


def read_officers(path: Path) -> dict[str, OfficerFacts]:
    """Officers by id from an officers file."""
    sheet = _open(path)
    cols = _columns(sheet, OFFICER_COLUMNS, ("officer_id",))
    problems: list[str] = []
    officers: dict[str, OfficerFacts] = {}
    for line, cells in sheet.rows:
        if not any(c.strip() for c in cells):
            continue
        row = _Row(sheet.name, line, cells, cols, problems)
        officer_id = row.raw("officer_id")
        if not officer_id:
            row.bad("officer_id", "an officer id is required")
            continue
        if officer_id in officers:
            row.bad("officer_id", f"officer '{officer_id}' is listed twice")
            continue
        officers[officer_id] = OfficerFacts(
            officer_id=officer_id,
            name=row.raw("name"),
            employment=row.choice("employment", EMPLOYMENT, "full_time"),
            licensed_on=row.date("licensed_on"),
            hired_on=row.date("hired_on"),
            separated_on=row.date("separated_on"),
            licence_class=row.raw("licence_class"),
            assignment=row.raw("assignment"),
        )
    _finish(problems)
    return officers


def read_records(
    path: Path, officers: dict[str, OfficerFacts], categories: frozenset[str]
) -> dict[str, list[RecordFacts]]:
    """Records grouped by officer id; categories are checked against the pack's.

    Each row is first read by a fast path that handles well-formed cells; any row it cannot
    take as it is goes through the careful path, which names every bad cell.
    """
    sheet = _open(path)
    cols = _columns(sheet, RECORD_COLUMNS, ("officer_id", "date"))
    problems: list[str] = []
    by_officer: dict[str, list[RecordFacts]] = {officer_id: [] for officer_id in officers}
    careful = _CarefulRecordReader(sheet.name, cols, problems, by_officer, categories)
    width = len(sheet.header) + 1
    missing = width - 1  # columns the file lacks read from this always-empty cell
    i = {c: cols.get(c, missing) for c in RECORD_COLUMNS}
    i_officer, i_date, i_kind, i_minutes, i_hours = (
        i["officer_id"], i["date"], i["kind"], i["minutes"], i["hours"]
    )  # fmt: skip
    i_semester, i_delivery, i_role, i_category, i_topics = (
        i["semester_hours"], i["delivery"], i["role"], i["category"], i["topics"]
    )  # fmt: skip
    i_approved, i_title, i_record, i_voided, i_attributed = (
        i["approved_provider"], i["title"], i["record_id"], i["voided"], i["attributed_to"]
    )  # fmt: skip
    dates: dict[str, dt.date] = {}
    amounts: dict[str, Decimal] = {}
    deliveries = {d: d for d in DELIVERY_CODES} | {"": "in_person"}
    roles = {r: r for r in ROLES} | {"": "attendee"}
    flags = dict.fromkeys(_TRUE, True) | dict.fromkeys(_FALSE, False)
    name = sheet.name
    for line, cells in sheet.rows:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        officer_id = cells[i_officer].strip()
        records = by_officer.get(officer_id)
        date_text = cells[i_date].strip()
        day = dates.get(date_text)
        if day is None and date_text:
            try:
                day = dates.setdefault(date_text, dt.date.fromisoformat(date_text))
            except ValueError:
                day = None
        kind = cells[i_kind].strip()
        minutes_text = cells[i_minutes].strip()
        delivery = deliveries.get(cells[i_delivery].strip())
        role = roles.get(cells[i_role].strip())
        category = cells[i_category].strip()
        topics = careful.topic_sets.get(cells[i_topics].strip())
        approved = flags.get(cells[i_approved].strip().lower())
        voided = flags.get(cells[i_voided].strip().lower())
        hours_text = cells[i_hours].strip()
        semester_text = cells[i_semester].strip()
        credit_hours = amounts.get(hours_text, _BAD) if hours_text else None
        semester_hours = amounts.get(semester_text, _BAD) if semester_text else None
        if credit_hours is _BAD:
            credit_hours = _amount(hours_text, amounts)
        if semester_hours is _BAD:
            semester_hours = _amount(semester_text, amounts)
        if (
            records is None
            or day is None
            or kind not in ("", "training")
            or delivery is None
            or role is None
            or (category and category not in categories)
            or topics is None
            or approved is None
            or voided is None
            or credit_hours is _BAD
            or semester_hours is _BAD
            or (minutes_text and not minutes_text.isdigit())
            or not (minutes_text or hours_text or semester_text)
        ):
            # Qualifications, certificate and college hours, and anything odd: the careful path.
            careful.row(line, cells)
            continue
        records.append(
            RecordFacts(
                record_id=cells[i_record].strip() or f"{name}:{line}",
                officer_id=officer_id,
                date=day,
                title=cells[i_title].strip(),
                minutes=int(minutes_text) if minutes_text else None,
                hours=credit_hours,
                semester_hours=semester_hours,
                delivery=delivery,
                role=role,
                category=careful.intern(category),
                topics=topics,
                approved_provider=approved,
                voided=voided,
                void_reason="marked voided in the records file" if voided else "",
                attributed_to=cells[i_attributed].strip(),
            )
        )
    _finish(problems)
    return by_officer


_BAD: Any = object()  # a cell the fast path cannot take


def _amount(text: str, cache: dict[str, Decimal]) -> Any:
    """A non-negative, finite decimal from a cell (cached), or _BAD."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return _BAD
    if not value.is_finite() or value < 0:
        return _BAD
    cache[text] = value
    return value


class _CarefulRecordReader:
    """Reads one records row cell by cell, naming every bad cell."""

    def __init__(
        self,
        name: str,
        cols: dict[str, int],
        problems: list[str],
        by_officer: dict[str, list[RecordFacts]],
        categories: frozenset[str],
    ) -> None:
        self.name, self.cols, self.problems = name, cols, problems
        self.by_officer, self.categories = by_officer, categories
        self.allowed_categories = ", ".join(sorted(categories)) or "none (leave the column empty)"
        self.topic_sets: dict[str, frozenset[str]] = {"": frozenset()}
        self.interned: dict[str, str] = {}

    def intern(self, text: str) -> str:
        """One shared string object for repeated values."""
        return self.interned.setdefault(text, text)

    def row(self, line: int, cells: list[str]) -> None:
        """Read one row; append its record, or its problems."""
        if not any(c.strip() for c in cells):
            return
        row = _Row(self.name, line, cells, self.cols, self.problems)
        before = len(self.problems)
        officer_id = row.raw("officer_id")
        if officer_id not in self.by_officer:
            row.bad("officer_id", f"'{officer_id}' is not in the officers file")
        day = row.date("date", required=True)
        kind = row.choice("kind", ("training", "qualification"), "training")
        minutes = row.number("minutes", whole=True)
        credit_hours = row.number("hours")
        semester_hours = row.number("semester_hours")
        delivery = row.choice("delivery", DELIVERY_CODES, "in_person")
        role = row.choice("role", ROLES, "attendee")
        category = row.raw("category")
        if category and category not in self.categories:
            row.bad(
                "category",
                f"unknown category '{category}'; this pack's categories: {self.allowed_categories}",
            )
        topics_text = row.raw("topics")
        topics = self.topic_sets.get(topics_text)
        if topics is None:
            codes = {t.strip() for t in topics_text.split(";") if t.strip()}
            unknown = sorted(codes - TOPIC_CODES)
            if unknown:
                row.bad(
                    "topics",
                    f"unknown topic {', '.join(unknown)}; "
                    f"known topics: {', '.join(sorted(TOPIC_CODES))}",
                )
            else:
                topics = self.topic_sets.setdefault(topics_text, frozenset(codes))
        approved = row.flag("approved_provider")
        qualification = row.raw("qualification").lower()
        result = row.choice("result", ("pass", "fail"), "")
        if kind == "qualification":
            qualification = qualification or "firearms"
            if not result:
                row.bad("result", "a qualification needs a result: pass or fail")
        elif not any(row.raw(c) for c in ("minutes", "hours", "semester_hours")):
            row.bad("minutes", "give minutes, hours or semester_hours for a training record")
        voided = row.flag("voided")
        weapon_type = row.choice("weapon_type", WEAPON_TYPES, "")
        if len(self.problems) > before or day is None or topics is None:
            return
        self.by_officer[officer_id].append(
            RecordFacts(
                record_id=row.raw("record_id") or f"{self.name}:{line}",
                officer_id=officer_id,
                date=day,
                title=row.raw("title"),
                kind=kind,
                minutes=minutes,
                hours=credit_hours,
                semester_hours=semester_hours,
                delivery=self.intern(delivery),
                role=self.intern(role),
                category=self.intern(category),
                topics=topics,
                approved_provider=approved,
                qualification=qualification,
                weapon_type=weapon_type,
                result=result,
                voided=voided,
                void_reason="marked voided in the records file" if voided else "",
                attributed_to=row.raw("attributed_to"),
            )
        )
