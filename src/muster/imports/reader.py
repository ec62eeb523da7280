"""Reading import files: the `muster check` formats plus the agency's own columns.

Problems are collected as (line, column, message), so the web preview can list them in a
table and the terminal can print them as `file, line N, column C: message`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from muster.compliance.tabular import (
    OFFICER_COLUMNS,
    RECORD_COLUMNS,
    InputError,
    _columns,
    _open,
    _Row,
)

# Officers: the `muster check` columns, plus the roster's own.
OFFICER_IMPORT_COLUMNS = (
    *OFFICER_COLUMNS,
    "serial_number", "first_name", "last_name", "rank", "unit", "licence_number", "status",
)  # fmt: skip
# Records: the `muster check` columns, plus the agency's catalog and where it happened.
RECORD_IMPORT_COLUMNS = (
    *RECORD_COLUMNS,
    "serial_number", "course_id", "provider", "location", "instructor", "post_certified",
)  # fmt: skip
QUALIFICATION_IMPORT_COLUMNS = (
    "officer_id", "serial_number", "date", "weapon_type", "weapon", "course_of_fire", "score",
    "max_score", "passing_score", "instructor", "record_id", "voided",
)  # fmt: skip


@dataclass(frozen=True)
class Problem:
    """One bad cell (or a whole-file problem, on line 0 with no column)."""

    line: int
    column: str
    message: str

    def text(self, file_name: str) -> str:
        """As the terminal prints it: file, line, column, message."""
        if not self.line:
            return f"{file_name}: {self.message}"
        if not self.column:
            return f"{file_name}, line {self.line}: {self.message}"
        return f"{file_name}, line {self.line}, column {self.column}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready, for the batch's stored problems."""
        return {"line": self.line, "column": self.column, "message": self.message}


class Row(_Row):
    """One row of an import file; `bad` records a Problem instead of a message string."""

    __slots__ = ()

    def bad(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.line, column, message))  # type: ignore[arg-type]

    def text(self, column: str, max_length: int) -> str:
        """A text cell, refused when longer than the field holds."""
        value = self.raw(column)
        if len(value) > max_length:
            self.bad(column, f"longer than {max_length} characters ({len(value)})")
            return value[:max_length]
        return value

    def has(self, column: str) -> bool:
        """Whether the file has this column at all (a missing column changes nothing)."""
        return column in self.cols


@dataclass
class Sheet:
    """An opened import file: its columns and an iterator of non-blank rows."""

    name: str
    cols: dict[str, int]
    rows: Iterator[tuple[int, list[str]]]
    total: int  # data lines (an estimate for XLSX, from the sheet's stated size)


class FileProblem(Exception):
    """The file cannot be read at all (not CSV/XLSX, bad header); nothing row by row."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def file_sha256(handle: Any) -> str:
    """The SHA-256 of a binary file object's contents (read in pieces), in hex."""
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def count_rows(path: Path) -> int:
    """Data lines in the file (after the header); for XLSX, the sheet's stated size."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            from openpyxl import load_workbook

            sheet = load_workbook(path, read_only=True).worksheets[0]
            return max(0, (sheet.max_row or 1) - 1)
        except Exception:  # the real open below names the problem
            return 0
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


def open_sheet(path: Path, known: tuple[str, ...], display_name: str) -> Sheet:
    """Open a CSV or XLSX file and check its header against the kind's columns."""
    try:
        sheet = _open(path)
        sheet.name = display_name
        cols = _columns(sheet, known, ())
    except InputError as error:
        names = (display_name, path.name)
        raise FileProblem([_whole_file(m, names) for m in error.problems]) from None
    if "officer_id" not in cols and "serial_number" not in cols:
        raise FileProblem(
            [Problem(1, "", "a column officer_id or serial_number must name each officer")]
        )
    rows = _rows(sheet.rows, (display_name, path.name))
    return Sheet(display_name, cols, rows, count_rows(path))


def _rows(
    rows: Iterator[tuple[int, list[str]]], names: tuple[str, ...]
) -> Iterator[tuple[int, list[str]]]:
    try:
        for line, cells in rows:
            if any(c.strip() for c in cells):
                yield line, cells
    except InputError as error:  # a CSV quoting error or bad bytes part-way through
        raise FileProblem([_whole_file(m, names) for m in error.problems]) from None


def _whole_file(message: str, names: tuple[str, ...]) -> Problem:
    """Turn the check reader's 'name, line N: message' text back into a Problem."""
    rest = message
    for name in names:
        if rest.startswith(name):
            rest = rest.removeprefix(name)
            break
    rest = rest.removeprefix(", ").removeprefix(": ")
    if rest.startswith("line "):
        number, _, text = rest[5:].partition(": ")
        if number.isdigit():
            return Problem(int(number), "", text)
    return Problem(0, "", rest)
