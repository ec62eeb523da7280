"""Importing a roster (officers) and qualification shoots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from muster.core.models import AuditEvent
from muster.imports.services import import_file
from muster.people.models import Officer
from muster.training.models import QualificationEvent

ROSTER = ["serial_number", "name", "rank", "unit", "employment", "hired_on", "licence_number"]


def _roster(world, path, user=None, commit=True):
    return import_file(
        acting_user=user or world.admin_user,
        agency=world.agency,
        kind="officers",
        path=path,
        commit=commit,
    )


def test_a_roster_creates_new_officers_and_updates_known_ones(world, write_csv):
    serial = world.officer.serial_number
    path = write_csv(
        "roster.csv",
        ROSTER,
        [
            ["A-100", "Quint, Ada", "Corporal", "Traffic Division", "part_time", "2020-01-06", ""],
            ["A-101", "Ben Okafor", "", "", "", "", "MO12345"],
            [serial, "", "", "Traffic Division", "", "", ""],
        ],
    )
    outcome = _roster(world, path)
    assert (outcome.created, outcome.updated, outcome.unchanged, outcome.rejected) == (2, 1, 0, 0)
    ada = Officer.objects.get(agency=world.agency, serial_number="A-100")
    assert (ada.first_name, ada.last_name, ada.rank) == ("Ada", "Quint", "Corporal")
    assert ada.unit == world.traffic
    assert ada.employment == "part_time"
    assert ada.hired_on == dt.date(2020, 1, 6)
    ben = Officer.objects.get(agency=world.agency, serial_number="A-101")
    assert (ben.first_name, ben.last_name, ben.rank) == ("Ben", "Okafor", "Officer")
    assert ben.licence_number == "MO12345"
    world.officer.refresh_from_db()
    # Only the unit changed: the empty name cell erased nothing.
    assert world.officer.unit == world.traffic
    assert world.officer.last_name == "Reyes"
    assert AuditEvent.objects.filter(action="officer.create").count() >= 2
    update = AuditEvent.objects.filter(action="officer.update", object_id=str(world.officer.pk))
    assert update.get().after["unit_id"] == world.traffic.pk
    assert outcome.summary() == "2 created, 0 unchanged, 0 rejected, 1 updated"
    again = _roster(world, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_roster_problems_are_named_and_nothing_changes(world, write_csv):
    path = write_csv(
        "roster.csv",
        ["serial_number", "name", "unit", "status", "licence_number", "hired_on", "separated_on"],
        [
            ["B-1", "Cy Ray", "Nowhere", "", "", "", ""],
            ["B-2", "", "", "", "", "", ""],
            ["B-1", "Cy Ray", "", "", "", "", ""],
            ["B-3", "Di Fox", "", "separated", "", "", ""],
            ["B-4", "Ed Lo", "", "retired", "", "", ""],
            ["B-5", "Fay Um", "", "", "", "2020-05-01", "2019-01-01"],
            ["B-6", "Gil Ng", "", "", "X1", "", ""],
            ["B-7", "Hal Oz", "", "", "X1", "", ""],
            ["B" * 21, "Ivy Pa", "", "", "", "", ""],
        ],
    )
    before = Officer.objects.count()
    outcome = _roster(world, path)
    found = {(p.line, p.column) for p in outcome.problems}
    assert found == {
        (2, "unit"),
        (3, "name"),
        (4, "serial_number"),
        (5, "separated_on"),
        (6, "status"),
        (7, "separated_on"),
        (9, "licence_number"),
        (10, "serial_number"),
    }
    assert not outcome.committed
    assert Officer.objects.count() == before
    unit = next(p for p in outcome.problems if p.column == "unit")
    assert "Traffic Division" in unit.message  # the message lists the agency's units


def test_only_agency_administrators_import_a_roster(world, write_csv):
    path = write_csv("roster.csv", ROSTER, [["C-1", "Jo Ku", "", "", "", "", ""]])
    with pytest.raises(PermissionDenied):
        _roster(world, path, user=world.training_user)
    assert not Officer.objects.filter(serial_number="C-1").exists()


QUALS = ["serial_number", "date", "weapon_type", "course_of_fire", "score", "max_score",
         "passing_score", "weapon", "record_id"]  # fmt: skip


def _quals(world, path, commit=True):
    return import_file(
        acting_user=world.training_user,
        agency=world.agency,
        kind="qualifications",
        path=path,
        commit=commit,
    )


def test_qualification_shoots_are_imported_passed_or_failed_once(world, write_csv):
    serial = world.officer.serial_number
    path = write_csv(
        "quals.csv",
        QUALS,
        [
            [serial, "2025-04-02", "handgun", "MO day course", "238", "250", "200", "G17", "Q1"],
            [serial, "2025-04-09", "rifle", "Patrol rifle", "150", "250", "200", "", "Q2"],
        ],
    )
    outcome = _quals(world, path)
    assert outcome.created == 2
    passed = QualificationEvent.objects.get(weapon_type="handgun")
    assert passed.passed
    assert passed.score == Decimal("238")
    assert passed.weapon == "G17"
    assert not QualificationEvent.objects.get(weapon_type="rifle").passed
    audit = AuditEvent.objects.get(action="qualification.create", object_id=str(passed.pk))
    assert audit.after["score"] == "238"
    assert audit.object_label == str(passed)
    assert _quals(world, path).unchanged == 2
    assert QualificationEvent.objects.count() == 2


def test_bad_shoots_are_named(world, write_csv):
    serial = world.officer.serial_number
    path = write_csv(
        "quals.csv",
        QUALS,
        [
            [serial, "2025-04-02", "cannon", "", "260", "250", "0", "", ""],
            [serial, "2025-04-02", "handgun", "Day", "", "250", "200", "", ""],
        ],
    )
    outcome = _quals(world, path)
    found = {(p.line, p.column) for p in outcome.problems}
    assert {(2, "weapon_type"), (2, "course_of_fire"), (2, "score"), (2, "passing_score")} <= found
    assert (3, "score") in found
    assert QualificationEvent.objects.count() == 0
