"""Tables that sort, filter, page and export exactly what they show (CSV and XLSX).

A view builds its rows (plain dicts, already read through `visible_to`), applies its own
filters, and hands them to `Table`. The table sorts by the column named in `?sort=` (a leading
`-` for descending), pages with `?page=`, and with `?export=csv` or `?export=xlsx` sends every
row of the filtered, sorted table (all pages) with the same columns, in the same order, as the
page shows. Links for sorting and exporting keep the request's other parameters.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as _ILLEGAL

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """One column: the row key it shows, its heading, and how it sorts and exports."""

    key: str
    label: str
    sortable: bool = True
    numeric: bool = False
    # The value used for sorting, when it differs from the shown value (e.g. a date).
    sort_key: Callable[[dict[str, Any]], Any] | None = None
    # The row key holding an address to link the cell to (never exported).
    href_key: str = ""

    def value(self, row: dict[str, Any]) -> Any:
        """The cell's value as shown and exported."""
        return row.get(self.key, "")


def _sortable(value: Any) -> tuple[int, Any]:
    # Empty cells sort last in either direction's natural reading; mixed types never compare.
    if value is None or value == "":
        return (1, "")
    if isinstance(value, (int, float, Decimal)):
        return (0, float(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return (0, value.isoformat())
    if isinstance(value, tuple):  # a compound key, e.g. (date, id): compare part by part
        return (0, tuple(_sortable(part) for part in value))
    return (0, str(value).casefold())


@dataclass
class Table:
    """A sorted, paged table of rows, with links to sort by each column and to export."""

    request: HttpRequest
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    default_sort: str = ""
    page_size: int = 50
    filename: str = "table"
    sort: str = field(init=False, default="")
    page: Page[dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        wanted = self.request.GET.get("sort", self.default_sort)
        key = wanted.removeprefix("-")
        column = next((c for c in self.columns if c.key == key and c.sortable), None)
        if column is not None:
            self.sort = wanted
            by = column.sort_key or column.value
            self.rows = sorted(
                self.rows, key=lambda row: _sortable(by(row)), reverse=wanted.startswith("-")
            )
        self.page = Paginator(self.rows, self.page_size).get_page(self.request.GET.get("page"))

    @property
    def export_format(self) -> str | None:
        """The export the request asks for, if any."""
        wanted = self.request.GET.get("export", "")
        return wanted if wanted in EXPORT_FORMATS else None

    def _query(self, **changes: str | None) -> str:
        query: QueryDict = self.request.GET.copy()
        for name, value in changes.items():
            if value is None:
                query.pop(name, None)
            else:
                query[name] = value
        encoded = query.urlencode()
        return f"?{encoded}" if encoded else "?"

    def headers(self) -> list[dict[str, Any]]:
        """Each column's heading with its sort link and current direction (for aria-sort)."""
        out = []
        for column in self.columns:
            direction = ""
            if self.sort.removeprefix("-") == column.key:
                direction = "descending" if self.sort.startswith("-") else "ascending"
            flip = f"-{column.key}" if direction == "ascending" else column.key
            out.append(
                {
                    "column": column,
                    "direction": direction,
                    "href": self._query(sort=flip, page=None, export=None)
                    if column.sortable
                    else "",
                }
            )
        return out

    def cells(self) -> list[list[tuple[Any, str, bool]]]:
        """The current page's rows as (value, link, numeric) cells, in column order."""
        return [
            [
                (
                    _shown(c.value(row)),
                    str(row.get(c.href_key, "")) if c.href_key else "",
                    c.numeric,
                )
                for c in self.columns
            ]
            for row in self.page.object_list
        ]

    def export_links(self) -> list[tuple[str, str]]:
        """(label, href) to download the whole filtered, sorted table."""
        return [
            ("CSV", self._query(export="csv", page=None)),
            ("Excel (XLSX)", self._query(export="xlsx", page=None)),
        ]

    def page_link(self, number: int) -> str:
        """The address of another page of the same table."""
        return self._query(page=str(number), export=None)

    @property
    def page_link_previous(self) -> str:
        """The address of the previous page."""
        return self.page_link(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def page_link_next(self) -> str:
        """The address of the next page."""
        return self.page_link(self.page.next_page_number()) if self.page.has_next() else ""

    def export(self) -> HttpResponse:
        """Every row of the table (all pages), as the format the request asks for."""
        fmt = self.export_format or "csv"
        header = [c.label for c in self.columns]
        body = [[_plain(c.value(row)) for c in self.columns] for row in self.rows]
        if fmt == "xlsx":
            return xlsx_response(header, body, self.filename)
        return csv_response(header, body, self.filename)


def _shown(value: Any) -> Any:
    """A cell as the page shows it: decimals without trailing zeros (24, 2.4)."""
    if isinstance(value, Decimal):
        text = f"{value.normalize():f}"
        return "0" if text in ("-0", "0E-2") else text
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if value is None:
        return ""
    return value


# A CSV cell that starts with one of these is run as a formula by spreadsheet programs; an
# apostrophe makes it plain text. (XLSX cells are written as typed text cells instead.)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: Any) -> Any:
    """A cell without the control characters a spreadsheet file cannot hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _ILLEGAL.sub("", value)
    return value


def _csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as written, never runs."""
    value = _text(value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def download_name(filename: str) -> str:
    """A file name safe in a Content-Disposition header and as a sheet title: letters,
    digits, dots, dashes and underscores (accents dropped), case kept."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    return re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9._-]+", "-", plain)).strip("-.") or "export"


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], chunk_chars: int = 64_000
) -> Iterator[str]:
    """A CSV file's text in pieces, for streaming: a byte-order mark (so spreadsheet programs
    read UTF-8 right), the header, and rows whose cells a spreadsheet shows as written, never
    runs."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
        if out.tell() > chunk_chars:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV file's text (see csv_chunks)."""
    return "".join(csv_chunks(header, rows))


def csv_response(
    header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str
) -> HttpResponse:
    """A CSV download (UTF-8 with a byte-order mark, so spreadsheet programs read it right)."""
    response = HttpResponse(csv_text(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{download_name(filename)}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_response(
    header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str
) -> HttpResponse:
    """An Excel workbook download with one sheet, the header row frozen.

    Text is written as text cells, so a name that starts with "=" stays a name, not a formula.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    name = download_name(filename)
    sheet = book.create_sheet(title=name[:31])
    sheet.freeze_panes = "A2"

    def cell(value: Any) -> Any:
        value = _text(value)
        if not isinstance(value, str):
            return value
        text = WriteOnlyCell(sheet, value=value)
        text.data_type = "s"
        return text

    sheet.append([cell(v) for v in header])
    for row in rows:
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
