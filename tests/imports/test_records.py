"""Importing training records: every bad cell named, all or nothing, nothing twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.compliance.models import ComplianceSnapshot
from muster.core.audit import verify_chain
from muster.core.models import AuditEvent
from muster.imports.models import ImportedRow
from muster.imports.services import ImportFailed, import_file
from muster.training.models import RecordSource, TrainingRecord
from tests.conftest import member
from tests.factories import CourseFactory, OfficerFactory

HEADER = ["serial_number", "date", "title", "minutes", "hours", "category", "topics", "record_id"]


def _rows(world, year=2025):
    serial = world.officer.serial_number
    return [
        [serial, f"{year}-02-11", "Legal update", "240", "", "legal_studies", "", "LMS-1"],
        [serial, f"{year}-03-01", "Fair policing", "", "2.5", "", "racial_profiling", "LMS-2"],
        [world.colleague.serial_number, f"{year}-04-01", "Defensive tactics", "480", "",
         "skill_development", "", "LMS-3"],
    ]  # fmt: skip


def _import(world, path, **kwargs):
    return import_file(
        acting_user=world.training_user, agency=world.agency, kind="records", path=path, **kwargs
    )


def test_a_checked_file_writes_nothing_and_counts_what_it_would_create(world, write_csv):
    path = write_csv("records.csv", HEADER, _rows(world))
    outcome = _import(world, path)
    assert (outcome.created, outcome.unchanged, outcome.rejected) == (3, 0, 0)
    assert outcome.ok
    assert not outcome.committed
    assert TrainingRecord.objects.count() == 0
    assert [s["title"] for s in outcome.sample] == [
        "Legal update",
        "Fair policing",
        "Defensive tactics",
    ]


def test_committing_creates_each_record_as_entry_would_with_its_audit_row(world, write_csv):
    path = write_csv("records.csv", HEADER, _rows(world))
    before = AuditEvent.objects.count()
    outcome = _import(world, path, commit=True)
    assert outcome.committed
    assert outcome.created == 3
    legal = TrainingRecord.objects.get(title="Legal update")
    assert legal.officer == world.officer
    assert legal.minutes == 240
    assert legal.category == "legal_studies"
    assert legal.source == RecordSource.IMPORT
    assert legal.entered_by == world.training_user
    assert legal.kind == "outside"
    assert legal.completed_on == dt.date(2025, 2, 11)
    fair = TrainingRecord.objects.get(title="Fair policing")
    assert fair.credit_hours == Decimal("2.5")
    assert fair.minutes is None
    assert list(fair.topics.values_list("code", flat=True)) == ["racial_profiling"]
    # One audit row per record, naming the file and line, plus one for the import.
    rows = AuditEvent.objects.filter(pk__gt=0).order_by("id")[before:]
    actions = [e.action for e in rows]
    assert actions == ["record.create"] * 3 + ["import.commit"]
    first = AuditEvent.objects.get(action="record.create", object_id=str(legal.pk))
    assert first.reason == "Imported from records.csv, line 2."
    assert first.after["title"] == "Legal update"
    assert first.after["officer_id"] == world.officer.pk
    assert AuditEvent.objects.get(action="record.create", object_id=str(fair.pk)).after[
        "topics"
    ] == ["racial_profiling"]
    assert verify_chain() == []
    # The officers' compliance was recomputed in the same transaction.
    assert ComplianceSnapshot.objects.filter(officer=world.officer).exists()


def test_importing_the_same_file_again_creates_nothing(world, write_csv):
    path = write_csv("records.csv", HEADER, _rows(world))
    _import(world, path, commit=True)
    again = _import(world, path, commit=True)
    assert (again.created, again.unchanged, again.rejected) == (0, 3, 0)
    assert TrainingRecord.objects.count() == 3


def test_rows_without_a_record_id_are_recognised_by_their_content(world, write_csv):
    rows = [[*r[:-1], ""] for r in _rows(world)]
    first = write_csv("a.csv", HEADER, rows[:2])
    _import(world, first, commit=True)
    overlapping = write_csv("b.csv", HEADER, rows[1:])
    outcome = _import(world, overlapping, commit=True)
    assert (outcome.created, outcome.unchanged) == (1, 1)
    assert TrainingRecord.objects.count() == 3
    # The same row twice in one file is created once.
    twice = write_csv("c.csv", HEADER, [rows[0], rows[0]])
    assert _import(world, twice).unchanged == 2


def test_a_known_record_id_with_other_values_is_refused(world, write_csv):
    _import(world, write_csv("a.csv", HEADER, _rows(world)), commit=True)
    changed = _rows(world)
    changed[0][3] = "300"
    outcome = _import(world, write_csv("b.csv", HEADER, changed), commit=True)
    assert not outcome.committed
    assert outcome.rejected == 1
    problem = outcome.problems[0]
    assert (problem.line, problem.column) == (2, "record_id")
    assert "imported before with other values" in problem.message
    assert TrainingRecord.objects.get(title="Legal update").minutes == 240


def test_every_bad_cell_is_named_and_nothing_is_written(world, write_csv):
    serial = world.officer.serial_number
    rows = [
        *_rows(world),
        ["9999", "2025-05-01", "Ghost", "60", "", "", "", ""],
        [serial, "2025-02-30", "Bad date", "sixty", "", "", "", ""],
        [serial, "2025-05-01", "Bad category", "60", "", "astrology", "", ""],
        [serial, "2025-05-01", "Bad topic", "60", "", "", "juggling", ""],
        [serial, "2025-05-01", "", "", "", "", "", ""],
        [serial, "2999-01-01", "Future", "60", "1.234", "", "", ""],
    ]
    before = AuditEvent.objects.count()
    outcome = _import(world, write_csv("bad.csv", HEADER, rows), commit=True)
    found = {(p.line, p.column) for p in outcome.problems}
    assert {
        (5, "serial_number"),
        (6, "date"),
        (6, "minutes"),
        (7, "category"),
        (8, "topics"),
        (9, "title"),
        (9, "minutes"),
        (10, "date"),
        (10, "hours"),
    } <= found
    assert outcome.rejected == 6
    assert outcome.created == 3
    assert not outcome.committed
    assert TrainingRecord.objects.count() == 0
    assert ImportedRow.objects.count() == 0
    assert AuditEvent.objects.count() == before
    ghost = next(p for p in outcome.problems if p.line == 5)
    assert "no officer with serial number '9999'" in ghost.message
    assert ghost.text("bad.csv").startswith("bad.csv, line 5, column serial_number: ")


def test_training_before_the_hire_date_is_refused(world, write_csv):
    world.officer.hired_on = dt.date(2024, 6, 1)
    world.officer.save()
    row = [world.officer.serial_number, "2024-05-31", "Too early", "60", "", "", "", ""]
    outcome = _import(world, write_csv("r.csv", HEADER, [row]))
    assert outcome.problems[0].column == "date"
    assert "hire date (2024-06-01)" in outcome.problems[0].message


def test_a_course_id_fills_in_the_course_and_its_topics(world, write_csv):
    course = CourseFactory(agency=world.agency, credit_minutes=120, title="Use of force")
    header = ["serial_number", "date", "course_id"]
    outcome = _import(
        world,
        write_csv("c.csv", header, [[world.officer.serial_number, "2025-06-01", course.course_id]]),
        commit=True,
    )
    assert outcome.created == 1
    record = TrainingRecord.objects.get()
    assert (record.course, record.title, record.minutes, record.kind) == (
        course,
        "Use of force",
        120,
        "course",
    )
    unknown = write_csv("u.csv", header, [[world.officer.serial_number, "2025-06-01", "NOPE-1"]])
    assert _import(world, unknown).problems[0].column == "course_id"


def test_a_voided_row_is_imported_as_voided(world, write_csv):
    header = ["serial_number", "date", "title", "minutes", "voided"]
    row = [world.officer.serial_number, "2025-06-01", "Entered twice", "60", "yes"]
    _import(world, write_csv("v.csv", header, [row]), commit=True)
    record = TrainingRecord.objects.get()
    assert record.is_void
    assert record.void_reason == "Marked voided in the imported file."


def test_only_the_training_unit_of_the_agency_imports_records(world, write_csv):
    path = write_csv("r.csv", HEADER, _rows(world))
    for user in (world.officer_user, world.supervisor_user, world.custodian_user):
        with pytest.raises(PermissionDenied):
            import_file(acting_user=user, agency=world.agency, kind="records", path=path)
    stranger = member("training_staff", world.other_agency)
    with pytest.raises(PermissionDenied):
        import_file(acting_user=stranger, agency=world.agency, kind="records", path=path)
    # The agency administrator may.
    outcome = import_file(
        acting_user=world.admin_user, agency=world.agency, kind="records", path=path
    )
    assert outcome.created == 3


def test_whole_file_problems_name_the_file_and_line(world, write_csv, tmp_path):
    unknown = write_csv("u.csv", ["serial_number", "date", "minutes", "shoe_size"], [])
    problem = _import(world, unknown).problems[0]
    assert problem.line == 1
    assert "unknown column 'shoe_size'" in problem.message
    nobody = write_csv("n.csv", ["date", "minutes"], [["2025-01-01", "60"]])
    assert "officer_id or serial_number" in _import(world, nobody).problems[0].message
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"serial_number,date,title,minutes\n1,2025-01-01,Caf\xe9,60\n")
    problem = _import(world, latin).problems[0]
    assert problem.line == 2
    assert "UTF-8" in problem.message


def test_an_xlsx_file_with_date_cells_imports_like_csv(world, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Serial_Number", "Date", "Title", "Minutes"])
    sheet.append([int(world.officer.serial_number), dt.datetime(2025, 7, 4), "Range day", 90.0])
    path = tmp_path / "records.xlsx"
    book.save(path)
    outcome = _import(world, path, commit=True)
    assert outcome.created == 1, outcome.problems
    record = TrainingRecord.objects.get()
    assert (record.completed_on, record.minutes) == (dt.date(2025, 7, 4), 90)


def test_an_error_while_writing_rolls_everything_back(world, write_csv, monkeypatch):
    path = write_csv("records.csv", HEADER, _rows(world))
    before = AuditEvent.objects.count()

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("muster.imports.services.record_audit_many", broken)
    with pytest.raises(RuntimeError):
        _import(world, path, commit=True)
    assert TrainingRecord.objects.count() == 0
    assert ImportedRow.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_a_row_written_meanwhile_by_another_import_fails_the_whole_import(
    world, write_csv, monkeypatch
):
    path = write_csv("records.csv", HEADER, _rows(world))
    from muster.imports import services

    original = services._AppendPlanner.write

    def race(self, progress):
        # Another import commits the same first row between this one's check and its write.
        ImportedRow.objects.create(
            agency=world.agency,
            kind="records",
            key=self.new[0].key,
            content_hash="x",
            object_id=1,
            batch=_batch(world),
        )
        return original(self, progress)

    monkeypatch.setattr(services._AppendPlanner, "write", race)
    with pytest.raises(ImportFailed):
        _import(world, path, commit=True)
    assert TrainingRecord.objects.count() == 0


def _batch(world):
    from muster.imports.models import ImportBatch

    return ImportBatch.objects.create(
        agency=world.agency, kind="records", file_name="other.csv", file_sha256="0" * 64
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=st.sets(st.integers(0, 11), max_size=12),
    second=st.sets(st.integers(0, 11), max_size=12),
    with_ids=st.booleans(),
)
def test_any_two_overlapping_files_create_each_row_exactly_once(
    world, write_csv, first, second, with_ids
):
    """Whatever rows two files share, importing both leaves one record per distinct row."""
    # Hypothesis runs every example in one test transaction: each starts with its own record
    # ids (R-prefix per example) and counts from where the last one ended.
    ImportedRow.objects.all().delete()
    start = TrainingRecord.objects.count()
    serials = [world.officer.serial_number, world.colleague.serial_number]

    def row(n):
        return [serials[n % 2], f"2025-01-{n + 1:02d}", f"Block {n}", str(30 + n), "", "", "",
                f"R{n}" if with_ids else ""]  # fmt: skip

    one = _import(world, write_csv("one.csv", HEADER, [row(n) for n in sorted(first)]), commit=True)
    two = _import(
        world, write_csv("two.csv", HEADER, [row(n) for n in sorted(second)]), commit=True
    )
    assert one.created == len(first)
    assert two.created == len(second - first)
    assert two.unchanged == len(second & first)
    assert TrainingRecord.objects.count() - start == len(first | second)


def test_another_agencys_serial_numbers_are_not_this_agencys_officers(world, write_csv):
    OfficerFactory(agency=world.other_agency, serial_number="7777")
    row = ["7777", "2025-01-02", "Elsewhere", "60", "", "", "", ""]
    outcome = _import(world, write_csv("r.csv", HEADER, [row]))
    assert outcome.problems[0].column == "serial_number"
