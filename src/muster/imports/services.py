"""Importing a roster, training records or qualifications from a file: check, then commit.

Checking reads every row and names every bad cell (line, column, message) without writing
anything. Committing checks again inside one transaction and writes every row or none: a
single rejected row, an error part-way, or a process killed in the middle leaves the
database as it was. Rows are recognised on a second import, so re-importing a file (or one
that overlaps an earlier one) creates nothing twice: officers by serial number, records and
qualifications by the file's record id or, without one, by a fingerprint of the row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from muster.agencies.models import Agency, Unit
from muster.compliance.rulepack import load_pack
from muster.compliance.services import deferred_refresh, refresh_compliance
from muster.compliance.vocabulary import DELIVERY_CODES, EMPLOYMENT, ROLES, WEAPON_TYPES
from muster.core.audit import AuditEntry, jsonable, record_audit, record_audit_many
from muster.core.bulk import insert_returning_ids, insert_rows
from muster.core.services import error_text, require
from muster.imports.models import ImportBatch, ImportedRow, ImportKind, ImportStatus
from muster.imports.reader import (
    OFFICER_IMPORT_COLUMNS,
    QUALIFICATION_IMPORT_COLUMNS,
    RECORD_IMPORT_COLUMNS,
    FileProblem,
    Problem,
    Row,
    Sheet,
    count_rows,
    file_sha256,
    open_sheet,
)
from muster.people.models import Officer, OfficerStatus
from muster.people.services import create_officer, update_officer
from muster.training.models import (
    Course,
    QualificationEvent,
    RecordKind,
    RecordSource,
    Topic,
    TrainingRecord,
)

# phase ("checking" or "writing"), rows done, rows in all
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 1000  # rows between progress reports
SAMPLE_ROWS = 10  # rows of what will be created shown in the preview
MAX_PROBLEMS = 1000  # problems kept for the preview; the rest are counted
WRITE_BATCH = 2000

KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    ImportKind.OFFICERS: OFFICER_IMPORT_COLUMNS,
    ImportKind.RECORDS: RECORD_IMPORT_COLUMNS,
    ImportKind.QUALIFICATIONS: QUALIFICATION_IMPORT_COLUMNS,
}
# The change each kind makes needs the permission of that change.
KIND_PERMISSION: dict[str, str] = {
    ImportKind.OFFICERS: "people.manage_officers",
    ImportKind.RECORDS: "training.record_training",
    ImportKind.QUALIFICATIONS: "training.record_qualification",
}
VOID_REASON = "Marked voided in the imported file."
MAX_MINUTES = 100_000  # about 69 days of training in one record: anything more is a typo


@dataclass
class Outcome:
    """What checking or committing a file found: counts, problems and a sample of new rows."""

    kind: str
    file_name: str
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    sample: list[dict[str, str]] = field(default_factory=list)
    committed: bool = False
    batch_id: int | None = None

    @property
    def ok(self) -> bool:
        """Whether every row can be (or was) imported or is already there."""
        return self.problem_count == 0

    def batch_fields(self) -> dict[str, Any]:
        """What a batch keeps of the outcome, for its page."""
        return {
            "rows_total": self.total_rows,
            "rows_done": self.total_rows,
            "to_create": self.created,
            "to_update": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "problems": [p.as_dict() for p in self.problems],
            "problem_count": self.problem_count,
            "sample": self.sample,
        }

    def summary(self) -> str:
        """The terminal's last line: `N created, M unchanged, K rejected` (and updates)."""
        line = f"{self.created} created, {self.unchanged} unchanged, {self.rejected} rejected"
        if self.kind == ImportKind.OFFICERS:
            line += f", {self.updated} updated"
        return line


class _Planner:
    """Reads a file row by row into what would be created, updated or left unchanged."""

    kind: str
    batch_id: int | None = None

    def __init__(self, agency: Agency, actor: Any, file_name: str) -> None:
        self.agency, self.actor, self.file_name = agency, actor, file_name
        self.problems: list[Problem] = []
        self.rejected_lines: set[int] = set()
        self.unchanged = 0
        self.sample: list[dict[str, str]] = []
        self.today = agency.today()
        serials = Officer.objects.filter(agency=agency).values_list("serial_number", "pk")
        self.officer_pks: dict[str, int] = dict(serials)

    def plan(self, sheet: Sheet, progress: Progress | None) -> int:
        """Read every row; return how many rows were read."""
        rows = 0
        for line, cells in sheet.rows:
            rows += 1
            before = len(self.problems)
            self.row(Row(sheet.name, line, cells, sheet.cols, self.problems))  # type: ignore[arg-type]
            if len(self.problems) > before:
                self.rejected_lines.add(line)
            if progress is not None and rows % PROGRESS_EVERY == 0:
                progress("checking", rows, max(rows, sheet.total))
        return rows

    def row(self, row: Row) -> None:
        """Plan one row (problems go to row.bad)."""
        raise NotImplementedError

    def officer_serial(self, row: Row) -> str:
        """The officer's serial number: the serial_number column, else officer_id."""
        column = "serial_number" if row.has("serial_number") else "officer_id"
        serial = row.raw(column)
        if not serial:
            row.bad(column, "the officer's serial number is required")
        return serial

    def officer_pk(self, row: Row) -> tuple[str, int | None]:
        """The row's serial number and the id of its officer in this agency (None, and a
        problem naming the serial, when the agency has no such officer)."""
        serial = self.officer_serial(row)
        if not serial:
            return serial, None
        pk = self.officer_pks.get(serial)
        if pk is None:
            column = "serial_number" if row.has("serial_number") else "officer_id"
            row.bad(
                column,
                f"no officer with serial number '{serial}' in {self.agency.name}; "
                "import the roster first",
            )
        return serial, pk

    def write(self, progress: Progress | None) -> tuple[int, int]:
        """Create and update what was planned; returns (created, updated)."""
        raise NotImplementedError

    def creating(self) -> int:
        """How many rows would be created."""
        raise NotImplementedError

    def updating(self) -> int:
        """How many existing rows would change (officers only)."""
        return 0


# --- Officers ------------------------------------------------------------------------------


_STATUSES = tuple(OfficerStatus.values)
_NAME_MAX = 100


class _OfficerPlanner(_Planner):
    """A roster: new serial numbers become officers; known ones are compared and updated."""

    kind = ImportKind.OFFICERS

    def __init__(self, agency: Agency, actor: Any, file_name: str) -> None:
        super().__init__(agency, actor, file_name)
        self.existing = {o.serial_number: o for o in Officer.objects.filter(agency=agency)}
        self.units = {u.name.casefold(): u for u in Unit.objects.filter(agency=agency)}
        self.licences = {
            o.licence_number: o.serial_number for o in self.existing.values() if o.licence_number
        }
        self.seen: dict[str, int] = {}
        self.new: list[dict[str, Any]] = []
        self.changes: list[tuple[Officer, dict[str, Any]]] = []

    def row(self, row: Row) -> None:
        serial = self.officer_serial(row)
        if not serial:
            return
        serial_column = "serial_number" if row.has("serial_number") else "officer_id"
        if len(serial) > 20:
            row.bad(serial_column, "a serial number has at most 20 characters")
            return
        if serial in self.seen:
            row.bad(
                serial_column,
                f"serial number '{serial}' is listed twice (line {self.seen[serial]})",
            )
            return
        self.seen[serial] = row.line
        fields = self._fields(row)
        existing = self.existing.get(serial)
        licence = fields.get("licence_number")
        if licence:
            holder = self.licences.get(licence)
            if holder is not None and holder != serial:
                row.bad("licence_number", f"licence '{licence}' belongs to officer '{holder}'")
            self.licences[licence] = serial
        if existing is None:
            for name in ("first_name", "last_name"):
                if not fields.get(name):
                    row.bad(
                        "name", "a new officer needs a name (name, or first_name and last_name)"
                    )
                    break
            fields.setdefault("rank", "Officer")
            self._check_status(row, fields, None)
            if len(self.problems) and self.problems[-1].line == row.line:
                return
            fields["serial_number"] = serial
            self.new.append(fields)
            if len(self.sample) < SAMPLE_ROWS:
                self.sample.append(
                    {
                        "line": str(row.line),
                        "serial": serial,
                        "name": f"{fields.get('last_name', '')}, {fields.get('first_name', '')}",
                        "rank": fields.get("rank", ""),
                        "unit": str(fields["unit"]) if fields.get("unit") else "",
                    }
                )
            return
        self._check_status(row, fields, existing)
        if len(self.problems) and self.problems[-1].line == row.line:
            return
        changes = {k: v for k, v in fields.items() if getattr(existing, k) != v}
        if changes:
            self.changes.append((existing, changes))
        else:
            self.unchanged += 1

    def _fields(self, row: Row) -> dict[str, Any]:
        """The officer fields the file gives. An empty cell (or a missing column) changes
        nothing: a partial roster never erases what Muster already holds."""
        fields: dict[str, Any] = {}
        given = {c for c in row.cols if row.raw(c)}
        if given & {"first_name", "last_name"}:
            fields["first_name"] = row.text("first_name", _NAME_MAX)
            fields["last_name"] = row.text("last_name", _NAME_MAX)
        elif "name" in given:
            first, last = _split_name(row.raw("name"))
            if len(first) > _NAME_MAX or len(last) > _NAME_MAX:
                row.bad("name", f"each part of a name has at most {_NAME_MAX} characters")
            fields["first_name"], fields["last_name"] = first, last
        for column, name, length in (
            ("rank", "rank", 60),
            ("licence_number", "licence_number", 32),
            ("licence_class", "licence_class", 32),
        ):
            if column in given:
                fields[name] = row.text(column, length)
        if "employment" in given:
            fields["employment"] = row.choice("employment", EMPLOYMENT, "full_time")
        for column, name in (
            ("licensed_on", "first_licensed_on"),
            ("hired_on", "hired_on"),
            ("separated_on", "separated_on"),
        ):
            if column in given:
                fields[name] = row.date(column)
        unit_column = next((c for c in ("unit", "assignment") if c in given), "")
        if unit_column:
            unit_name = row.raw(unit_column)
            unit = self.units.get(unit_name.casefold())
            if unit is None:
                known = ", ".join(sorted(u.name for u in self.units.values())) or "none yet"
                row.bad(
                    unit_column,
                    f"no unit named '{unit_name}' in {self.agency.name} (units: {known})",
                )
            fields["unit"] = unit
        if "status" in given:
            status = row.raw("status").lower().replace(" ", "_")
            if status not in _STATUSES:
                row.bad("status", f"'{status}' is not one of: {', '.join(_STATUSES)}")
            else:
                fields["status"] = status
        return fields

    def _check_status(self, row: Row, fields: dict[str, Any], existing: Officer | None) -> None:
        """A separation date makes a separated officer; a separated officer needs the date."""
        separated_on = fields.get("separated_on", existing.separated_on if existing else None)
        status = fields.get("status")
        if status is None and fields.get("separated_on") is not None:
            fields["status"] = OfficerStatus.SEPARATED
        status = fields.get("status", existing.status if existing else "")
        if status == OfficerStatus.SEPARATED and separated_on is None:
            row.bad("separated_on", "a separated officer needs the date of separation")
        hired_on = fields.get("hired_on", existing.hired_on if existing else None)
        if separated_on is not None and hired_on is not None and separated_on < hired_on:
            row.bad("separated_on", "the separation date is before the hire date")

    def creating(self) -> int:
        return len(self.new)

    def updating(self) -> int:
        return len(self.changes)

    def write(self, progress: Progress | None) -> tuple[int, int]:
        total = len(self.new) + len(self.changes)
        done = 0
        try:
            for fields in self.new:
                create_officer(acting_user=self.actor, agency=self.agency, **fields)
                done += 1
                if progress is not None and done % 100 == 0:
                    progress("writing", done, total)
            for officer, changes in self.changes:
                update_officer(acting_user=self.actor, officer=officer, **changes)
                done += 1
                if progress is not None and done % 100 == 0:
                    progress("writing", done, total)
        except ValidationError as error:
            # Checked already; only a race with another change of the roster lands here.
            raise ImportFailed(f"An officer could not be saved: {error_text(error)}") from None
        return len(self.new), len(self.changes)


def _split_name(name: str) -> tuple[str, str]:
    """'Last, First' or 'First Last' as (first, last)."""
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    first, _, last = name.strip().rpartition(" ")
    return (first.strip(), last.strip()) if first else ("", last.strip())


# --- Records and qualifications ------------------------------------------------------------


def _fingerprint(parts: Iterable[object]) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


@dataclass
class _New:
    """A row to be created: its line, key, fingerprint, field values and topic ids."""

    line: int
    key: str
    content_hash: str
    values: dict[str, Any]  # by field name; foreign keys as ids
    label: str
    topic_ids: list[int] = field(default_factory=list)


class _AppendPlanner(_Planner):
    """Shared by records and qualifications: keys, fingerprints and the bulk write."""

    model: Any  # the model the rows become
    columns: tuple[str, ...]  # its fields an import sets, in insert order
    action: str  # the audit action of one created row
    foreign_keys = frozenset({"officer", "course", "entered_by", "voided_by"})
    typed: frozenset[str]  # columns whose values are dates, datetimes or decimals

    def __init__(self, agency: Agency, actor: Any, file_name: str) -> None:
        super().__init__(agency, actor, file_name)
        known = ImportedRow.objects.filter(agency=agency, kind=self.kind)
        self.known: dict[str, str] = dict(known.values_list("key", "content_hash"))
        self.in_file: dict[str, tuple[str, int]] = {}
        self.new: list[_New] = []
        self.now = timezone.now()
        self.actor_pk = getattr(actor, "pk", None)

    def keyed(self, row: Row, content: list[object]) -> tuple[str, str] | None:
        """The row's key and content hash, or None when it is already imported (unchanged)
        or conflicts with an earlier row of the same key (a problem)."""
        content_hash = _fingerprint(content)
        record_id = row.raw("record_id")
        if len(record_id) > 64:
            row.bad("record_id", "a record id has at most 64 characters")
            return None
        key = f"id:{record_id}" if record_id else f"sha256:{content_hash}"
        earlier = self.known.get(key)
        if earlier is not None:
            if earlier == content_hash:
                self.unchanged += 1
                return None
            row.bad(
                "record_id",
                f"record '{record_id}' was imported before with other values; correct it in "
                "Muster (void it and enter the right one) rather than by importing it again",
            )
            return None
        seen = self.in_file.get(key)
        if seen is not None:
            if seen[0] == content_hash:
                self.unchanged += 1  # the same row twice in one file is created once
                return None
            row.bad(
                "record_id",
                f"record '{record_id}' is listed twice with other values (line {seen[1]})",
            )
            return None
        self.in_file[key] = (content_hash, row.line)
        return key, content_hash

    def entry_values(self, voided: bool) -> dict[str, Any]:
        """Who entered the row and when, and its void fields when the file marks it void."""
        return {
            "entered_by": self.actor_pk,
            "entered_at": self.now,
            "voided_at": self.now if voided else None,
            "voided_by": self.actor_pk if voided else None,
            "void_reason": VOID_REASON if voided else "",
        }

    def creating(self) -> int:
        return len(self.new)

    def write(self, progress: Progress | None) -> tuple[int, int]:
        columns = self.columns
        total = len(self.new)
        ids: list[int] = []
        for start in range(0, total, WRITE_BATCH):
            chunk = self.new[start : start + WRITE_BATCH]
            ids.extend(
                insert_returning_ids(
                    self.model, columns, [tuple(n.values[c] for c in columns) for n in chunk]
                )
            )
            if progress is not None:
                progress("writing", start + len(chunk), total)
        self.after_create(ids)
        insert_rows(
            ImportedRow,
            ("agency", "kind", "key", "content_hash", "object_id", "batch"),
            (
                (self.agency.pk, self.kind, n.key, n.content_hash, pk, self.batch_id)
                for n, pk in zip(self.new, ids, strict=True)
            ),
        )
        record_audit_many(actor=self.actor, entries=self.audit_entries(ids))
        officer_ids = sorted({n.values["officer"] for n in self.new})
        for start in range(0, len(officer_ids), 500):
            officers = Officer.objects.filter(pk__in=officer_ids[start : start + 500])
            refresh_compliance(list(officers.select_related("agency", "unit")))
        return total, 0

    def after_create(self, ids: list[int]) -> None:
        """Anything that needs the new rows' ids (topics)."""

    def extra_after(self, new: _New) -> dict[str, Any]:
        """More for a created row's audit row (its topics)."""
        return {}

    def audit_entries(self, ids: list[int]) -> Iterator[AuditEntry]:
        """One audit row per created row, as record_training and record_qualification write."""
        agency_id = self.agency.pk
        fks = [(name, f"{name}_id") for name in self.columns if name in self.foreign_keys]
        # Only these columns hold dates or numbers that JSON needs as text; checking just
        # them, not every value, matters at 100,000 rows.
        convert = [c for c in self.columns if c not in self.foreign_keys and c in self.typed]
        object_type = self.model._meta.label_lower
        for new, pk in zip(self.new, ids, strict=True):
            after = {"id": pk, **new.values}
            for name, attname in fks:
                after[attname] = after.pop(name)
            for name in convert:
                after[name] = jsonable(after[name])
            after.update(self.extra_after(new))
            yield AuditEntry(
                action=self.action,
                object_type=object_type,
                object_id=str(pk),
                object_label=new.label,
                agency_id=agency_id,
                after=after,
                reason=f"Imported from {self.file_name}, line {new.line}.",
            )


def _amount(row: Row, column: str, digits: int, places: int) -> Decimal | None:
    """A non-negative number that fits the field (`digits` in all, `places` after the point)."""
    value = row.number(column)
    if value is None:
        return None
    value = Decimal(value)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        row.bad(column, f"'{row.raw(column)}' has more than {places} decimal places")
        return None
    if value >= Decimal(10) ** (digits - places):
        row.bad(column, f"'{row.raw(column)}' is too large")
        return None
    return value


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dec(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


class _RecordPlanner(_AppendPlanner):
    """Training records: checked as record_training checks one, created in bulk."""

    kind = ImportKind.RECORDS
    model = TrainingRecord
    action = "record.create"
    columns = (
        "officer", "kind", "completed_on", "course", "course_code", "title", "minutes",
        "credit_hours", "semester_hours", "participation", "delivery", "category", "provider",
        "approved_provider", "post_certified", "location", "instructor_name",
        "attributed_to_period", "source", "evidence", "entered_by", "entered_at", "voided_at",
        "voided_by", "void_reason",
    )  # fmt: skip
    typed = frozenset({"completed_on", "credit_hours", "semester_hours", "entered_at", "voided_at"})

    def __init__(self, agency: Agency, actor: Any, file_name: str) -> None:
        super().__init__(agency, actor, file_name)
        self.hired: dict[int, dt.date | None] = dict(
            Officer.objects.filter(agency=agency, hired_on__isnull=False).values_list(
                "pk", "hired_on"
            )
        )
        self.courses = {
            c.course_id: c for c in Course.objects.filter(agency=agency).prefetch_related("topics")
        }
        self.topics = dict(Topic.objects.values_list("code", "pk"))
        self.topic_codes = {pk: code for code, pk in self.topics.items()}
        self.categories = load_pack(agency.rule_pack).category_codes
        self.topic_lists: dict[str, list[str]] = {}  # a topics cell, parsed once

    def row(self, row: Row) -> None:
        serial, officer_pk = self.officer_pk(row)
        day = row.date("date", required=True)
        if row.raw("kind").lower() == "qualification":
            row.bad("kind", "qualification shoots go in a qualifications import, not records")
        elif row.raw("kind") and row.raw("kind").lower() != "training":
            row.bad("kind", f"'{row.raw('kind')}' is not training")
        course: Course | None = None
        course_id = row.raw("course_id")
        if course_id:
            course = self.courses.get(course_id)
            if course is None:
                row.bad("course_id", f"no course '{course_id}' in {self.agency.name}'s catalog")
        minutes = row.number("minutes", whole=True)
        if minutes is not None and minutes > MAX_MINUTES:
            row.bad("minutes", f"{minutes} minutes is more than {MAX_MINUTES}")
        credit_hours = _amount(row, "hours", 6, 2)
        semester_hours = _amount(row, "semester_hours", 4, 1)
        delivery = row.choice(
            "delivery", DELIVERY_CODES, course.delivery if course else "in_person"
        )
        role = row.choice("role", ROLES, "attendee")
        title = row.text("title", 200) or (course.title if course else "")
        if not title:
            row.bad("title", "a title is required (or a course_id to take it from)")
        category = (
            row.raw("category") if row.raw("category") else (course.category if course else "")
        )
        if category and category not in self.categories:
            allowed = ", ".join(sorted(self.categories)) or "none (leave the column empty)"
            row.bad("category", f"unknown category '{category}'; this pack's categories: {allowed}")
        topics_text = row.raw("topics")
        if topics_text:
            codes = self.topic_lists.get(topics_text) or self.topic_lists.setdefault(
                topics_text, sorted({t.strip() for t in topics_text.split(";") if t.strip()})
            )
        elif course is not None:
            codes = sorted(t.code for t in course.topics.all())
        else:
            codes = []
        unknown = [c for c in codes if c not in self.topics]
        if unknown:
            row.bad("topics", f"unknown topic {', '.join(unknown)}")
        provider = row.text("provider", 200) or (course.provider if course else "")
        approved = (
            row.flag("approved_provider")
            if row.raw("approved_provider") or course is None
            else course.approved_provider
        )
        post_certified = (
            row.flag("post_certified")
            if row.raw("post_certified") or course is None
            else course.post_certified
        )
        location = row.text("location", 200)
        instructor = row.text("instructor", 200)
        attributed_to = row.text("attributed_to", 32)
        voided = row.flag("voided")
        if minutes is None and credit_hours is None and semester_hours is None:
            if course is not None and not row.raw("minutes") and not row.raw("hours"):
                minutes = course.credit_minutes
            elif not any(row.raw(c) for c in ("minutes", "hours", "semester_hours")):
                row.bad("minutes", "give minutes, hours or semester_hours for a training record")
        kind = (
            RecordKind.COLLEGE
            if delivery == "college"
            else RecordKind.COURSE
            if course is not None
            else RecordKind.OUTSIDE
        )
        if kind == RecordKind.COLLEGE and semester_hours is None:
            row.bad("semester_hours", "a college course needs its semester hours")
        if day is not None:
            if day > self.today:
                row.bad("date", f"{day.isoformat()} is in the future")
            else:
                hired = self.hired.get(officer_pk) if officer_pk is not None else None
                if hired is not None and day < hired:
                    when = hired.isoformat()
                    row.bad("date", f"{day.isoformat()} is before the officer's hire date ({when})")
        if self.problems and self.problems[-1].line == row.line:
            return
        assert officer_pk is not None
        assert day is not None
        content = [
            serial, day, title, kind, minutes, credit_hours, semester_hours, delivery, role,
            category, ";".join(codes), approved, post_certified, course_id, provider, location,
            instructor, attributed_to, voided,
        ]  # fmt: skip
        keyed = self.keyed(row, content)
        if keyed is None:
            return
        values = {
            "officer": officer_pk,
            "kind": kind,
            "completed_on": day,
            "course": course.pk if course is not None else None,
            "course_code": course.course_id if course is not None else "",
            "title": title,
            "minutes": minutes,
            "credit_hours": credit_hours,
            "semester_hours": semester_hours,
            "participation": role,
            "delivery": delivery,
            "category": category,
            "provider": provider,
            "approved_provider": approved,
            "post_certified": post_certified,
            "location": location,
            "instructor_name": instructor,
            "attributed_to_period": attributed_to,
            "source": RecordSource.IMPORT,
            "evidence": "",
        } | self.entry_values(voided)
        code = f"{values['course_code']} " if values["course_code"] else ""
        label = f"{code}{title} on {day.isoformat()}"
        topic_ids = [self.topics[c] for c in codes]
        self.new.append(_New(row.line, keyed[0], keyed[1], values, label, topic_ids))
        if len(self.sample) < SAMPLE_ROWS:
            self.sample.append(
                {
                    "line": str(row.line),
                    "serial": serial,
                    "date": day.isoformat(),
                    "title": title,
                    "amount": _amount_label(minutes, credit_hours, semester_hours),
                }
            )

    def after_create(self, ids: list[int]) -> None:
        through = TrainingRecord.topics.through
        insert_rows(
            through,
            ("trainingrecord", "topic"),
            (
                (pk, topic_id)
                for new, pk in zip(self.new, ids, strict=True)
                for topic_id in new.topic_ids
            ),
        )

    def extra_after(self, new: _New) -> dict[str, Any]:
        return {"topics": [self.topic_codes[t] for t in new.topic_ids]}


def _amount_label(minutes: int | None, hours: Decimal | None, semester: Decimal | None) -> str:
    if minutes is not None:
        return f"{minutes} min"
    if hours is not None:
        return f"{hours} h"
    return f"{semester} semester h"


class _QualificationPlanner(_AppendPlanner):
    """Qualification shoots: a score against the course of fire's maximum and pass mark."""

    kind = ImportKind.QUALIFICATIONS
    model = QualificationEvent
    action = "qualification.create"
    columns = (
        "officer", "qualified_on", "weapon_type", "weapon", "course_of_fire", "score",
        "max_score", "passing_score", "instructor_name", "entered_by", "entered_at",
        "voided_at", "voided_by", "void_reason",
    )  # fmt: skip
    typed = frozenset(
        {"qualified_on", "score", "max_score", "passing_score", "entered_at", "voided_at"}
    )

    def row(self, row: Row) -> None:
        serial, officer_pk = self.officer_pk(row)
        day = row.date("date", required=True)
        weapon_type = row.choice("weapon_type", WEAPON_TYPES, "")
        if not weapon_type:
            row.bad("weapon_type", f"a weapon type is required: {', '.join(WEAPON_TYPES)}")
        course_of_fire = row.text("course_of_fire", 100)
        if not course_of_fire:
            row.bad("course_of_fire", "the course of fire is required")
        scores = {}
        for column in ("score", "max_score", "passing_score"):
            scores[column] = _amount(row, column, 6, 2)
            if scores[column] is None and not row.raw(column):
                row.bad(column, "a number is required")
        score, max_score, passing = scores["score"], scores["max_score"], scores["passing_score"]
        if score is not None and max_score is not None and score > max_score:
            row.bad("score", f"{score} is above the maximum score {max_score}")
        if passing is not None and max_score is not None and not 0 < passing <= max_score:
            row.bad("passing_score", f"must be above 0 and at most the maximum {max_score}")
        weapon = row.text("weapon", 100)
        instructor = row.text("instructor", 200)
        voided = row.flag("voided")
        if day is not None and day > self.today:
            row.bad("date", f"{day.isoformat()} is in the future")
        if self.problems and self.problems[-1].line == row.line:
            return
        assert officer_pk is not None
        assert day is not None
        content = [
            serial, day, weapon_type, weapon, course_of_fire, score, max_score, passing,
            instructor, voided,
        ]  # fmt: skip
        keyed = self.keyed(row, content)
        if keyed is None:
            return
        values = {
            "officer": officer_pk,
            "qualified_on": day,
            "weapon_type": weapon_type,
            "weapon": weapon,
            "course_of_fire": course_of_fire,
            "score": score,
            "max_score": max_score,
            "passing_score": passing,
            "instructor_name": instructor,
        } | self.entry_values(voided)
        assert score is not None
        assert passing is not None
        verdict = "passed" if score >= passing else "failed"
        label = f"{weapon_type.capitalize()} qualification {day.isoformat()} ({verdict})"
        self.new.append(_New(row.line, keyed[0], keyed[1], values, label))
        if len(self.sample) < SAMPLE_ROWS:
            self.sample.append(
                {
                    "line": str(row.line),
                    "serial": serial,
                    "date": day.isoformat(),
                    "title": f"{weapon_type} — {course_of_fire}",
                    "amount": f"{score} of {max_score} (pass {passing})",
                }
            )


PLANNERS: dict[str, type[_Planner]] = {
    ImportKind.OFFICERS: _OfficerPlanner,
    ImportKind.RECORDS: _RecordPlanner,
    ImportKind.QUALIFICATIONS: _QualificationPlanner,
}


class ImportFailed(Exception):
    """Committing stopped part-way (a race with another change); nothing was written."""


def import_file(
    *,
    acting_user: Any,
    agency: Agency,
    kind: str,
    path: Path,
    file_name: str = "",
    commit: bool = False,
    progress: Progress | None = None,
    batch_id: int | None = None,
) -> Outcome:
    """Check an import file and, with `commit`, write all of it or nothing; audited.

    Without `commit` nothing is written. With it, the file is checked again inside the
    transaction that writes, so what is written is what the checks passed at that moment.
    """
    if kind not in KIND_COLUMNS:
        raise ValueError(f"Unknown import kind '{kind}'.")
    require(acting_user, "imports.use", agency)
    require(acting_user, KIND_PERMISSION[kind], agency)
    file_name = file_name or path.name
    outcome = Outcome(kind=kind, file_name=file_name)
    if not commit:
        _check(agency, acting_user, kind, path, outcome, progress)
        return outcome
    try:
        with transaction.atomic(), deferred_refresh():
            planner = _check(agency, acting_user, kind, path, outcome, progress)
            if planner is None or not outcome.ok:
                return outcome
            user = acting_user if getattr(acting_user, "pk", None) else None
            with path.open("rb") as handle:
                sha256 = file_sha256(handle)
            if batch_id is None:
                # An import without an uploaded batch (the terminal, a script) gets one here, in
                # the same transaction: the history lists every import.
                batch_id = ImportBatch.objects.create(
                    agency=agency,
                    kind=kind,
                    file_name=file_name[:255],
                    file_sha256=sha256,
                    status=ImportStatus.COMMITTING,
                    created_by=user,
                    committed_by=user,
                ).pk
            planner.batch_id = batch_id
            outcome.batch_id = batch_id
            outcome.created, outcome.updated = planner.write(progress)
            # Conditional: a batch cancelled while this ran (its worker thought stopped) is
            # not imported after all; raising rolls every row back.
            finished = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.COMMITTING)
            if not finished.exists():
                raise ImportFailed("The import was cancelled while it ran; nothing was imported.")
            finished.update(
                status=ImportStatus.COMMITTED,
                committed_at=timezone.now(),
                **outcome.batch_fields(),
            )
            record_audit(
                actor=acting_user,
                action="import.commit",
                object_type="imports.importbatch",
                object_id=str(batch_id),
                object_label=f"{file_name} ({kind})",
                agency_id=agency.pk,
                after={
                    "kind": kind,
                    "file_name": file_name,
                    "file_sha256": sha256,
                    "created": outcome.created,
                    "updated": outcome.updated,
                    "unchanged": outcome.unchanged,
                },
            )
    except IntegrityError as error:
        # Another import (or entry) wrote the same rows while this one ran: all rolled back.
        raise ImportFailed(
            "Another change wrote some of these rows at the same time; nothing was imported. "
            f"Check the file again. ({error})"
        ) from None
    outcome.committed = True
    return outcome


def _check(
    agency: Agency,
    actor: Any,
    kind: str,
    path: Path,
    outcome: Outcome,
    progress: Progress | None,
) -> _Planner | None:
    """Read the whole file into a planner and fill in the outcome's counts and problems."""
    try:
        sheet = open_sheet(path, KIND_COLUMNS[kind], outcome.file_name)
        planner = PLANNERS[kind](agency, actor, outcome.file_name)
        rows = planner.plan(sheet, progress)
    except FileProblem as error:
        outcome.problems = error.problems
        outcome.problem_count = len(error.problems)
        outcome.total_rows = outcome.rejected = count_rows(path)  # none can be read
        return None
    outcome.total_rows = rows
    outcome.problem_count = len(planner.problems)
    outcome.problems = planner.problems[:MAX_PROBLEMS]
    outcome.rejected = len(planner.rejected_lines)
    outcome.unchanged = planner.unchanged
    outcome.created = planner.creating()
    outcome.updated = planner.updating()
    outcome.sample = planner.sample
    if progress is not None:
        progress("checking", rows, rows)
    return planner
