"""The shared table: sorting (empty cells last), paging, and exports of every filtered row."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from django.test import RequestFactory
from openpyxl import load_workbook

from muster.reports.tables import Column, Table

COLUMNS = (Column("name", "Name"), Column("hours", "Hours", numeric=True))
ROWS = [
    {"name": "b", "hours": Decimal("2.50")},
    {"name": "A", "hours": None},
    {"name": "c", "hours": Decimal("10")},
]


def table(query: dict[str, str], page_size: int = 50) -> Table:
    request = RequestFactory().get("/t/", query)
    return Table(request, COLUMNS, list(ROWS), page_size=page_size, filename="t")


def test_sorting_is_case_blind_numeric_and_puts_empty_cells_last():
    assert [r["name"] for r in table({"sort": "name"}).rows] == ["A", "b", "c"]
    assert [r["name"] for r in table({"sort": "-hours"}).rows] == ["A", "c", "b"]
    assert [r["name"] for r in table({"sort": "hours"}).rows] == ["b", "c", "A"]
    assert [r["name"] for r in table({"sort": "nonsense"}).rows] == ["b", "A", "c"]


def test_compound_sort_keys_compare_part_by_part():
    rows = [
        {"day": "2026-11-18", "key": (dt.date(2026, 11, 18), 7)},
        {"day": "2026-02-21", "key": (dt.date(2026, 2, 21), 9)},
        {"day": "2026-09-18", "key": (dt.date(2026, 9, 18), 3)},
    ]
    column = Column("day", "Day", sort_key=lambda row: row["key"])
    request = RequestFactory().get("/t/", {"sort": "-day"})
    days = [r["day"] for r in Table(request, [column], rows).rows]
    assert days == ["2026-11-18", "2026-09-18", "2026-02-21"]


def test_links_keep_the_filters_and_flip_the_direction():
    t = table({"sort": "name", "status": "deficient"})
    name, hours = t.headers()
    assert name["direction"] == "ascending"
    assert "sort=-name" in name["href"]
    assert "status=deficient" in name["href"]
    assert hours["direction"] == ""
    assert ("CSV", "?sort=name&status=deficient&export=csv") in t.export_links()


def test_pages_show_a_slice_and_exports_hold_every_row_in_order():
    t = table({"sort": "name", "export": "csv", "page": "2"}, page_size=2)
    assert [cells[0][0] for cells in t.cells()] == ["c"]  # page 2 of 2
    assert t.cells()[0][1][0] == "10"  # decimals shown without trailing zeros
    text = t.export().content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["Name", "Hours"],
        ["A", ""],
        ["b", "2.5"],
        ["c", "10"],
    ]
    book = load_workbook(io.BytesIO(table({"sort": "name", "export": "xlsx"}).export().content))
    assert list(book.active.values) == [("Name", "Hours"), ("A", None), ("b", 2.5), ("c", 10)]


def test_exports_never_carry_a_formula_from_entered_text():
    from muster.reports.tables import csv_response, xlsx_response

    rows = [['=HYPERLINK("http://x")', "+1", "-2 h", "@SUM(A1)", "plain", -3]]
    text = csv_response(["a", "b", "c", "d", "e", "f"], rows, "t").content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2 h",
        "'@SUM(A1)",
        "plain",
        "-3",
    ]
    book = load_workbook(io.BytesIO(xlsx_response(["a"] * 6, rows, "t").content))
    cells = next(iter(book.active.iter_rows(min_row=2)))
    assert [c.data_type for c in cells[:5]] == ["s"] * 5  # text, not formulas
    assert cells[0].value == '=HYPERLINK("http://x")'  # shown exactly as entered
    assert cells[5].value == -3


def test_odd_names_and_control_characters_still_export():
    from muster.reports.tables import csv_response, xlsx_response

    rows = [["Seminar\x0bpart 2", "Patrol / Nights"]]
    response = xlsx_response(["Title", "Unit"], rows, 'compliance-patrol-/-nights"?')
    assert response["Content-Disposition"] == 'attachment; filename="compliance-patrol-nights.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert list(book.active.values)[1] == ("Seminarpart 2", "Patrol / Nights")
    text = csv_response(["Title"], [["a\x0bb"]], "x").content.decode("utf-8-sig")
    assert "ab" in text
