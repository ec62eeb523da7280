"""`muster check`: files in, verdicts out, clear errors, documented exit status."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.cli import build_parser
from muster.compliance.check import run

OFFICERS = """officer_id,name,employment,licensed_on
1,Dana Reyes,full_time,2015-02-01
2,New Hire,full_time,2025-05-01
"""
HEADER = (
    "officer_id,date,title,kind,minutes,hours,delivery,role,semester_hours,category,topics,"
    "approved_provider,qualification,result\n"
)
GOOD_RECORDS = (
    HEADER
    + """\
1,2025-02-01,Legal update,training,200,,in_person,attendee,,legal_studies,legal_update,true,,
1,2025-03-01,Policy,training,100,,in_person,attendee,,technical_studies,policy_update,true,,
1,2025-04-01,Fair policing,training,100,,in_person,attendee,,interpersonal_perspectives,\
racial_profiling;implicit_bias;de_escalation,true,,
1,2025-05-01,Firearms,training,100,,in_person,attendee,,skill_development,firearms,true,,
1,2025-06-01,Seminar,training,,16,in_person,attendee,,technical_studies,investigations,false,,
"""
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def check(tmp_path: Path, *extra: str, officers: str = OFFICERS, records: str = GOOD_RECORDS):
    args = build_parser().parse_args(
        [
            "check",
            "--officers", str(write(tmp_path, "officers.csv", officers)),
            "--records", str(write(tmp_path, "records.csv", records)),
            *extra,
        ]
    )  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    status = run(args, out, err)
    return status, out.getvalue(), err.getvalue()


def test_all_compliant_or_exempt_exits_0(tmp_path):
    status, out, err = check(tmp_path, "--pack", "us-mo-clee", "--period", "2025")
    assert status == 0, err
    assert "1 compliant, 1 exempt" in out
    assert all(len(line) <= 80 for line in out.splitlines())


def test_a_deficient_officer_exits_1_and_the_table_says_what_is_missing(tmp_path):
    records = GOOD_RECORDS.replace(
        "1,2025-06-01,Seminar,training,,16", "1,2025-06-01,Seminar,training,,13"
    )
    status, out, _ = check(tmp_path, "--pack", "us-mo-clee", "--period", "2025", records=records)
    assert status == 1
    row = next(line for line in out.splitlines() if line.startswith("1 "))
    assert "deficient" in row
    assert "total 1 h" in row


def test_json_output_has_the_documented_shape(tmp_path):
    _, out, _ = check(tmp_path, "--pack", "us-mo-clee", "--period", "2025", "--format", "json")
    doc = json.loads(out)
    assert doc["pack"] == {"id": "us-mo-clee", "version": "2021"}
    dana = next(o for o in doc["officers"] if o["officer_id"] == "1")
    assert dana["status"] == "compliant"
    assert dana["period"] == {"label": "2025", "start": "2025-01-01", "end": "2025-12-31"}
    total = next(r for r in dana["requirements"] if r["id"] == "total")
    assert total["required"] == 24
    assert total["credited"] == 26  # 500 minutes at 50 a credit hour, and 16 certificate hours
    assert total["shortfall"] == 0
    assert total["met"] is True
    assert {"record", "date", "title", "hours", "counted", "note"} <= set(total["explanation"][0])
    new_hire = next(o for o in doc["officers"] if o["officer_id"] == "2")
    assert new_hire["status"] == "exempt"
    assert "first licensed on 2025-05-01" in new_hire["reason"]


def test_csv_output_has_a_row_per_officer_and_requirement(tmp_path):
    _, out, _ = check(tmp_path, "--pack", "us-mo-clee", "--period", "2025", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 2 * 9
    legal = next(r for r in rows if r["officer_id"] == "1" and r["requirement"] == "legal_studies")
    assert (legal["required"], legal["credited"], legal["met"]) == ("2.00", "4.00", "true")


def test_one_officer_only(tmp_path):
    _, out, _ = check(
        tmp_path, "--pack", "us-mo-clee", "--period", "2025", "--format", "json", "--officer", "2"
    )
    assert [o["officer_id"] for o in json.loads(out)["officers"]] == ["2"]
    status, _, err = check(tmp_path, "--pack", "us-mo-clee", "--period", "2025", "--officer", "9")
    assert status == 2
    assert "'9' is not in officers.csv" in err


def test_every_bad_cell_is_reported_with_file_line_and_column(tmp_path):
    records = (
        "officer_id,date,title,minutes,category,topics,approved_provider\n"
        "1,2025-02-01,Good,50,legal_studies,,true\n"
        "1,2025-13-45,Bad date,50,legal_studies,,true\n"
        "7,2025-01-01,Unknown officer,abc,cooking,firearms;juggling,maybe\n"
    )
    status, out, err = check(tmp_path, "--pack", "us-mo-clee", "--period", "2025", records=records)
    assert status == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "records.csv, line 3, column date: '2025-13-45' is not a date (YYYY-MM-DD)"
    assert "records.csv, line 4, column officer_id: '7' is not in the officers file" in lines
    assert "records.csv, line 4, column minutes: 'abc' is not a whole number" in lines
    category = next(line for line in lines if "column category" in line)
    assert "unknown category 'cooking'" in category
    assert "legal_studies" in category
    topics = next(line for line in lines if "column topics" in line)
    assert "unknown topic juggling" in topics
    assert "racial_profiling" in topics
    assert "records.csv, line 4, column approved_provider: 'maybe' is not true or false" in lines
    assert "Traceback" not in err


def test_bad_officers_file_and_unknown_columns(tmp_path):
    officers = "officer_id,name,employmnet\n1,A,full_time\n1,B,full_time\n"
    status, _, err = check(tmp_path, "--pack", "us-mo-clee", "--period", "2025", officers=officers)
    assert status == 2
    assert "officers.csv, line 1: unknown column 'employmnet'" in err
    officers = "officer_id,employment,licensed_on\n1,sometimes,2020-02-30\n1,full_time,\n"
    status, _, err = check(tmp_path, "--pack", "us-mo-clee", "--period", "2025", officers=officers)
    assert "officers.csv, line 2, column employment: 'sometimes' is not one of" in err
    assert "officers.csv, line 2, column licensed_on: '2020-02-30' is not a date" in err
    assert "officers.csv, line 3, column officer_id: officer '1' is listed twice" in err


def test_an_unknown_pack_lists_the_known_ones_and_a_bad_period_is_explained(tmp_path):
    status, _, err = check(tmp_path, "--pack", "us-xx-nothing", "--period", "2025")
    assert status == 2
    assert "known packs: us-co-rule28, us-ks-cpost, us-mo-clee" in err
    status, _, err = check(tmp_path, "--pack", "us-mo-clee", "--period", "FY25")
    assert status == 2
    assert "--period: 'FY25' is not a period label" in err
    status, _, err = check(tmp_path, "--pack", "us-mo-clee", "--as-of", "yesterday")
    assert "--as-of: 'yesterday' is not a date" in err


def test_kansas_periods_are_named_by_the_year_they_end(tmp_path):
    officers = "officer_id,name,employment,licensed_on\n1,K,full_time,2010-01-01\n"
    records = (
        "officer_id,date,kind,hours,result\n"
        "1,2020-06-30,training,40,\n"
        "1,2020-07-01,training,40,\n"
        "1,2020-08-01,qualification,,pass\n"
    )
    for selector in (["--period", "2021"], ["--as-of", "2021-06-30"]):
        _, out, err = check(tmp_path, "--pack", "us-ks-cpost", *selector, "--format", "json",
                            officers=officers, records=records)  # fmt: skip
        officer = json.loads(out)["officers"][0]
        assert officer["period"] == {"label": "2021", "start": "2020-07-01", "end": "2021-06-30"}, (
            err
        )
        assert officer["status"] == "compliant"
        total = officer["requirements"][0]
        assert [line["counted"] for line in total["explanation"]] == [False, True]


def test_xlsx_files_are_read_too(tmp_path):
    from openpyxl import Workbook

    def workbook(name: str, text: str) -> Path:
        book = Workbook()
        sheet = book.active
        for row in csv.reader(io.StringIO(text)):
            sheet.append(row)
        path = tmp_path / name
        book.save(path)
        return path

    args = build_parser().parse_args(
        ["check", "--pack", "us-mo-clee", "--period", "2025",
         "--officers", str(workbook("officers.xlsx", OFFICERS)),
         "--records", str(workbook("records.xlsx", GOOD_RECORDS.replace("2025-13", "x")))]
    )  # fmt: skip
    out = io.StringIO()
    assert run(args, out, io.StringIO()) == 0
    bad = workbook("bad.xlsx", "officer_id,date,minutes\n1,someday,50\n")
    args.records = bad
    err = io.StringIO()
    assert run(args, io.StringIO(), err) == 2
    assert "bad.xlsx, line 2, column date: 'someday' is not a date (YYYY-MM-DD)" in err.getvalue()


def test_it_runs_without_django_settings_or_a_database(tmp_path):
    """No SECRET_KEY, no database: the settings would refuse to load if they were read."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG"}
    }
    env["MUSTER_ENV_FILE"] = os.devnull
    result = subprocess.run(
        [sys.executable, "-m", "muster", "check", "--pack", "us-mo-clee", "--period", "2025",
         "--officers", str(write(tmp_path, "o.csv", OFFICERS)),
         "--records", str(write(tmp_path, "r.csv", GOOD_RECORDS)), "--format", "json"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["pack"]["id"] == "us-mo-clee"


@pytest.mark.parametrize("missing", ["officers", "records"])
def test_a_missing_file_is_named(tmp_path, missing):
    args = build_parser().parse_args(
        ["check", "--pack", "us-mo-clee", "--period", "2025",
         "--officers", str(write(tmp_path, "officers.csv", OFFICERS)),
         "--records", str(write(tmp_path, "records.csv", GOOD_RECORDS))]
    )  # fmt: skip
    setattr(args, missing, tmp_path / "nope.csv")
    err = io.StringIO()
    assert run(args, io.StringIO(), err) == 2
    assert "nope.csv: no such file" in err.getvalue()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["1", "2"]),
            st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)).map(dt.date.isoformat),
            st.sampled_from(["", "training", "Training"]),
            st.sampled_from(["", "0", "50", "125", "007"]),
            st.sampled_from(["", "1.5", "2", "0.25"]),
            st.sampled_from(["", "in_person", "online", "live_virtual", "recorded_media"]),
            st.sampled_from(["", "attendee", "instructor"]),
            st.sampled_from(["", "legal_studies", "skill_development"]),
            st.sampled_from(["", "firearms", "firearms;racial_profiling", " ethics "]),
            st.sampled_from(["", "true", "false", "Yes", "0"]),
            st.sampled_from(["", "true"]),
        ),
        max_size=30,
    )
)
def test_the_fast_reader_reads_exactly_what_the_careful_reader_reads(tmp_path, rows):
    from muster.compliance.tabular import RECORD_COLUMNS, _CarefulRecordReader, read_records

    header = ["officer_id", "date", "kind", "minutes", "hours", "delivery", "role", "category",
              "topics", "approved_provider", "voided"]  # fmt: skip
    path = tmp_path / "records.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    officers = {"1": None, "2": None}
    categories = frozenset({"legal_studies", "skill_development"})
    try:
        fast = read_records(path, officers, categories)  # type: ignore[arg-type]
    except Exception as exc:
        fast = exc
    problems: list[str] = []
    careful_out: dict[str, list] = {"1": [], "2": []}
    cols = {c: i for i, c in enumerate(header) if c in RECORD_COLUMNS}
    careful = _CarefulRecordReader("records.csv", cols, problems, careful_out, categories)
    for line, cells in enumerate(rows, 2):
        careful.row(line, list(cells))
    if problems:
        assert isinstance(fast, Exception)
        assert str(fast).splitlines() == problems
    else:
        assert fast == careful_out
