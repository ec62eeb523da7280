"""The state report: its documented columns, the credit hours the pack grants each record, and
a roster that `muster check` reproduces from the exported files."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse

from muster.cli import build_parser
from muster.compliance.check import run
from muster.compliance.tabular import OFFICER_COLUMNS, RECORD_COLUMNS
from muster.people.models import Officer
from muster.training.models import TrainingRecord
from muster.training.services import record_qualification, record_training, void_training_record
from tests.factories import OfficerFactory

D = dt.date


@dataclass
class Period2025:
    """Who did what in Missouri's 2025 (see each officer's comment for the expected verdict)."""

    dana: Officer  # compliant: 24.2 h
    colleague: Officer  # deficient: 15.8 h, one voided record
    traffic: Officer  # deficient, with make-up for 2025 and for 2024, and a qualification
    new_hire: Officer  # exempt: first licensed in 2025
    voided: TrainingRecord


def enter(world: Any, officer: Officer, day: dt.date, title: str, **fields: Any) -> TrainingRecord:
    """One training record, entered by the training staff as a manual entry."""
    fields.setdefault("delivery", "in_person")
    return record_training(
        acting_user=world.training_user,
        officer=officer,
        completed_on=day,
        source="manual",
        title=title,
        **fields,
    )


def period_2025(world: Any) -> Period2025:
    """Missouri's example of docs/formats.md section 7, entered into the application."""
    dana, colleague, traffic = world.officer, world.colleague, world.traffic_officer
    Officer.objects.filter(pk=dana.pk).update(licence_number="MO-1001")
    dana.refresh_from_db()
    e = enter
    e(
        world,
        dana,
        D(2025, 2, 11),
        "Legal update 2025",
        minutes=100,
        category="legal_studies",
        topics=["legal_update"],
        approved_provider=True,
        provider="MO POST",
    )
    e(
        world,
        dana,
        D(2025, 3, 4),
        "Traffic stops",
        minutes=120,
        category="technical_studies",
        topics=["traffic"],
        provider="Training Unit",
    )
    e(
        world,
        dana,
        D(2025, 4, 15),
        "Profiling, bias and de-escalation",
        minutes=150,
        category="interpersonal_perspectives",
        approved_provider=True,
        topics=["racial_profiling", "implicit_bias", "de_escalation"],
    )
    e(
        world,
        dana,
        D(2025, 5, 20),
        "Firearms in-service",
        minutes=240,
        category="skill_development",
        topics=["firearms"],
        approved_provider=True,
    )
    e(
        world,
        dana,
        D(2025, 9, 9),
        "Defensive tactics (taught)",
        minutes=600,
        category="skill_development",
        topics=["arrest_control"],
        participation="instructor",
    )
    e(
        world,
        dana,
        D(2025, 10, 1),
        "Criminal justice ethics",
        kind="college",
        semester_hours=Decimal(1),
        topics=["ethics"],
        provider="State University",
    )

    e(
        world,
        colleague,
        D(2025, 2, 11),
        "Legal update 2025",
        minutes=100,
        category="legal_studies",
        topics=["legal_update"],
        approved_provider=True,
    )
    e(
        world,
        colleague,
        D(2025, 3, 4),
        "Traffic stops",
        minutes=120,
        category="technical_studies",
        topics=["traffic"],
    )
    e(
        world,
        colleague,
        D(2025, 4, 15),
        "Racial profiling",
        minutes=50,
        category="interpersonal_perspectives",
        topics=["racial_profiling"],
        approved_provider=True,
    )
    e(
        world,
        colleague,
        D(2025, 5, 20),
        "Firearms refresher (online)",
        minutes=120,
        delivery="online",
        category="skill_development",
        topics=["firearms"],
    )
    e(
        world,
        colleague,
        D(2025, 6, 3),
        "Crisis intervention (certificate)",
        credit_hours=Decimal(8),
        category="interpersonal_perspectives",
        topics=["mental_health"],
    )
    voided = e(
        world,
        colleague,
        D(2025, 7, 1),
        "Duplicate entry",
        minutes=480,
        category="technical_studies",
        topics=["traffic"],
    )
    void_training_record(acting_user=world.training_user, record=voided, reason="Entered twice")

    # Make-up for 2024 done before 2024's grace date counts for 2024, not here.
    e(
        world,
        traffic,
        D(2025, 2, 1),
        "Make-up for 2024",
        minutes=100,
        category="legal_studies",
        topics=["legal_update"],
        attributed_to_period="2024",
    )
    e(
        world,
        traffic,
        D(2025, 8, 1),
        "Taught online",
        minutes=60,
        delivery="online",
        participation="instructor",
        category="technical_studies",
        topics=["traffic"],
    )
    # Make-up for 2025 done before its grace date (March 15, 2026) counts for 2025.
    e(
        world,
        traffic,
        D(2026, 2, 1),
        "Make-up for 2025",
        minutes=300,
        category="technical_studies",
        topics=["traffic"],
        attributed_to_period="2025",
    )
    record_qualification(
        acting_user=world.training_user, officer=traffic, qualified_on=D(2025, 4, 1),
        weapon_type="handgun", course_of_fire="State course", score=Decimal(60),
        max_score=Decimal(100), passing_score=Decimal(70),
    )  # fmt: skip

    new_hire = OfficerFactory(
        agency=world.agency, first_name="Cara", last_name="Lind",
        hired_on=D(2025, 1, 6), first_licensed_on=D(2025, 3, 10),
    )  # fmt: skip
    e(
        world,
        new_hire,
        D(2025, 4, 2),
        "Legal update 2025",
        minutes=100,
        category="legal_studies",
        topics=["legal_update"],
        approved_provider=True,
    )
    # Left long before 2025, and another agency's officer: neither is in the report.
    OfficerFactory(agency=world.agency, last_name="Gone", status="separated",
                   separated_on=D(2022, 5, 1))  # fmt: skip
    record_training(
        acting_user=_other_trainer(world), officer=world.outsider, completed_on=D(2025, 3, 1),
        source="manual", title="Elsewhere", minutes=100, delivery="in_person",
    )  # fmt: skip
    return Period2025(dana, colleague, traffic, new_hire, voided)


def _other_trainer(world: Any) -> Any:
    from tests.conftest import member

    return member("training_staff", world.other_agency)


def read_csv(content: bytes) -> list[dict[str, str]]:
    """A downloaded CSV as rows of text (the byte-order mark dropped)."""
    text = content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def csv_header(content: bytes) -> list[str]:
    """The header line of a downloaded CSV."""
    return next(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> Path:
    """Write rows keeping only `columns` (the ones `muster check` reads)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def check_roster(
    tmp_path: Path, pack: str, period: str, as_of: str, training: bytes, roster: bytes
) -> tuple[int, list[dict[str, str]], str]:
    """Feed the exported officers and records to `muster check --format csv`."""
    roster_rows = read_csv(roster)
    officers: dict[str, dict[str, str]] = {}
    for row in roster_rows:
        officers.setdefault(row["officer_id"], row)
    officers_file = write_csv(tmp_path / "officers.csv", OFFICER_COLUMNS, list(officers.values()))
    records_file = write_csv(tmp_path / "records.csv", RECORD_COLUMNS, read_csv(training))
    args = build_parser().parse_args(
        ["check", "--pack", pack, "--period", period, "--as-of", as_of,
         "--officers", str(officers_file), "--records", str(records_file), "--format", "csv"]
    )  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    status = run(args, out, err)
    return status, list(csv.DictReader(io.StringIO(out.getvalue()))), err.getvalue()


def content(response: HttpResponse) -> bytes:
    """A response's body."""
    return bytes(response.content)


# --- The documented format ----------------------------------------------------------------

DOCUMENTED_TRAINING = [
    "officer_id", "licence_number", "name", "record_id", "date", "course_id", "title",
    "kind", "role", "delivery", "minutes", "hours", "semester_hours", "credit_hours",
    "counted_hours", "note", "category", "topics", "provider", "approved_provider",
    "post_certified", "qualification", "result", "weapon_type", "attributed_to", "voided",
]  # fmt: skip
DOCUMENTED_ROSTER = [
    "officer_id", "licence_number", "name", "status", "period", "requirement",
    "requirement_title", "unit", "required", "credited", "shortfall", "met", "reason",
    "waived", "deadline", "grace_until", "employment", "licensed_on", "hired_on",
    "separated_on", "licence_class", "assignment", "pack", "pack_version", "judged_on",
]  # fmt: skip
CHECK_OUTPUT = [
    "officer_id", "name", "status", "period", "requirement", "unit", "required", "credited",
    "shortfall", "met", "reason",
]  # fmt: skip


def exported(world: Any, kind: str, period: str = "2025", user: Any = None) -> bytes:
    """The bytes of one CSV file as the download sends them."""
    from muster.reports.state_report import export_state_report
    from muster.reports.tables import csv_response

    report, header, rows = export_state_report(
        acting_user=user or world.training_user, agency=world.agency, period_label=period,
        kind=kind, fmt="csv",
    )  # fmt: skip
    return content(csv_response(header, rows, report.filename(kind)))


def test_the_columns_are_the_documented_ones_in_order_and_cover_muster_checks(world):
    period_2025(world)
    assert csv_header(exported(world, "training")) == DOCUMENTED_TRAINING
    assert csv_header(exported(world, "roster")) == DOCUMENTED_ROSTER
    # Every column `muster check` reads, and every column it writes, is in the files.
    assert set(RECORD_COLUMNS) <= set(DOCUMENTED_TRAINING)
    assert set(OFFICER_COLUMNS) <= set(DOCUMENTED_ROSTER)
    assert set(CHECK_OUTPUT) <= set(DOCUMENTED_ROSTER)


def test_one_row_per_current_record_and_qualification_of_the_agency_in_the_period(world):
    data = period_2025(world)
    rows = read_csv(exported(world, "training"))
    ids = [r["record_id"] for r in rows]
    assert len(ids) == len(set(ids))
    current = TrainingRecord.objects.filter(
        officer__agency=world.agency, voided_at__isnull=True
    ).exclude(attributed_to_period="", completed_on__year=2026)
    assert sorted(i for i in ids if not i.startswith("q")) == sorted(
        str(pk) for pk in current.values_list("pk", flat=True)
    )
    assert len([i for i in ids if i.startswith("q")]) == 1
    # The voided record, the other agency's and next year's ordinary training are left out.
    assert str(data.voided.pk) not in ids
    assert "Duplicate entry" not in {r["title"] for r in rows}
    assert "Elsewhere" not in {r["title"] for r in rows}
    assert {r["officer_id"] for r in rows} == {
        str(o.pk) for o in (data.dana, data.colleague, data.traffic, data.new_hire)
    }


def test_credit_hours_are_the_packs_credit_for_each_record(world):
    period_2025(world)
    rows = {(r["name"].split()[-1], r["title"]): r for r in read_csv(exported(world, "training"))}
    dana = world.officer.last_name
    credit = {key: row["credit_hours"] for key, row in rows.items()}
    # Missouri: 50 minutes attended = 1 h; 60 minutes taught in person = 1 h; 2 h per
    # semester hour; certificate hours as printed; teaching online earns nothing.
    assert credit[(dana, "Legal update 2025")] == "2.00"
    assert credit[(dana, "Traffic stops")] == "2.40"
    assert credit[(dana, "Defensive tactics (taught)")] == "10.00"
    assert credit[(dana, "Criminal justice ethics")] == "2.00"
    assert credit[("Colleague", "Racial profiling")] == "1.00"
    assert credit[("Colleague", "Crisis intervention (certificate)")] == "8.00"
    assert credit[("Traffic", "Taught online")] == "0.00"
    college = rows[(dana, "Criminal justice ethics")]
    assert (college["delivery"], college["semester_hours"], college["minutes"]) == (
        "college", "1.0", ""
    )  # fmt: skip
    taught = rows[(dana, "Defensive tactics (taught)")]
    assert (taught["role"], taught["counted_hours"], taught["note"]) == (
        "instructor", "10.00", "600 min taught"
    )  # fmt: skip
    assert rows[("Traffic", "Taught online")]["note"] == (
        "instructor credit is for teaching in person only"
    )
    # Make-up for 2024 is worth 2 h but counts toward 2024, not toward this period.
    make_up = rows[("Traffic", "Make-up for 2024")]
    assert (make_up["credit_hours"], make_up["counted_hours"]) == ("2.00", "0.00")
    assert make_up["note"] == "counted as make-up for 2024"
    later = rows[("Traffic", "Make-up for 2025")]
    assert (later["date"], later["attributed_to"], later["counted_hours"]) == (
        "2026-02-01", "2025", "6.00"
    )  # fmt: skip
    legal = rows[(dana, "Legal update 2025")]
    assert (legal["approved_provider"], legal["provider"], legal["topics"]) == (
        "true", "MO POST", "legal_update"
    )  # fmt: skip
    assert legal["licence_number"] == "MO-1001"
    assert rows[(dana, "Profiling, bias and de-escalation")]["topics"] == (
        "de_escalation;implicit_bias;racial_profiling"
    )
    shoot = rows[("Traffic", "Handgun qualification (State course)")]
    assert (shoot["kind"], shoot["result"], shoot["weapon_type"], shoot["credit_hours"]) == (
        "qualification", "fail", "handgun", ""
    )  # fmt: skip


def test_the_roster_gives_each_officers_status_and_hours_per_requirement(world):
    data = period_2025(world)
    rows = read_csv(exported(world, "roster"))
    by = {(r["officer_id"], r["requirement"]): r for r in rows}
    total = {o: by[(str(o.pk), "total")] for o in (data.dana, data.colleague, data.new_hire)}
    assert [(r["status"], r["credited"], r["required"]) for r in total.values()] == [
        ("compliant", "24.20", "24.00"),
        ("deficient", "15.80", "24.00"),
        ("exempt", "2.00", "24.00"),
    ]
    assert total[data.new_hire]["reason"] == (
        "first licensed on 2025-03-10: exempt for the rest of that period"
    )
    assert by[(str(data.colleague.pk), "skill_development_firearms")]["shortfall"] == "2.00"
    # 2 h online teaching earns nothing; 6 h of make-up for 2025 counts here.
    assert by[(str(data.traffic.pk), "total")]["credited"] == "6.00"
    assert {r["period"] for r in rows} == {"2025"}
    assert {r["pack"] for r in rows} == {"us-mo-clee"}
    assert {r["pack_version"] for r in rows} == {"2021"}
    names = {r["name"] for r in rows}
    assert "Cara Lind" in names
    assert not any("Gone" in n or "Outsider" in n for n in names)


def test_muster_check_on_the_exported_files_gives_back_the_roster(world, tmp_path):
    data = period_2025(world)
    roster = exported(world, "roster")
    judged_on = read_csv(roster)[0]["judged_on"]
    status, checked, err = check_roster(
        tmp_path, "us-mo-clee", "2025", judged_on, exported(world, "training"), roster
    )
    assert err == ""
    assert status == 1  # deficient officers
    mine = [{c: r[c] for c in CHECK_OUTPUT} for r in read_csv(roster)]
    assert checked == mine
    statuses = {r["officer_id"]: r["status"] for r in checked}
    assert statuses[str(data.colleague.pk)] == "deficient"
    assert statuses[str(data.dana.pk)] == "compliant"
    assert statuses[str(data.new_hire.pk)] == "exempt"


def test_kansas_qualifications_and_training_years_also_match_muster_check(world, tmp_path):
    from muster.reports.state_report import export_state_report
    from muster.reports.tables import csv_response
    from tests.conftest import member

    staff = member("training_staff", world.other_agency)
    kansan = world.outsider
    for day, title, minutes, delivery in (
        (D(2024, 8, 12), "Online legal update", 1500, "online"),
        (D(2024, 9, 3), "Firearms instructor school", 1200, "in_person"),
        (D(2025, 6, 30), "Last day of the year", 60, "in_person"),
        (D(2025, 7, 1), "First day of the next", 600, "in_person"),
    ):
        record_training(
            acting_user=staff, officer=kansan, completed_on=day, source="manual", title=title,
            minutes=minutes, delivery=delivery,
            topics=["firearms"] if "Firearms" in title else ["legal_update"],
        )  # fmt: skip
    record_qualification(
        acting_user=staff, officer=kansan, qualified_on=D(2025, 2, 10), weapon_type="handgun",
        course_of_fire="KS", score=Decimal(95), max_score=Decimal(100),
        passing_score=Decimal(70),
    )  # fmt: skip
    files = {}
    for kind in ("training", "roster"):
        _, header, rows = export_state_report(
            acting_user=staff, agency=world.other_agency, period_label="2025", kind=kind,
            fmt="csv",
        )  # fmt: skip
        files[kind] = content(csv_response(header, rows, "x"))
    training = read_csv(files["training"])
    assert [r["title"] for r in training] == [
        "Online legal update", "Firearms instructor school",
        "Handgun qualification (KS)", "Last day of the year",
    ]  # fmt: skip
    assert training[0]["note"] == "5 h of 25 h over the online training limit of 20 h"
    assert (training[0]["credit_hours"], training[0]["counted_hours"]) == ("25.00", "20.00")
    roster = read_csv(files["roster"])
    _, checked, err = check_roster(
        tmp_path, "us-ks-cpost", "2025", roster[0]["judged_on"], files["training"],
        files["roster"],
    )  # fmt: skip
    assert err == ""
    assert checked == [{c: r[c] for c in CHECK_OUTPUT} for r in roster]
    qualification = next(r for r in checked if r["requirement"] == "firearms_qualification")
    assert (qualification["credited"], qualification["met"]) == ("1", "true")


def test_a_bad_period_or_file_is_refused_by_name_and_nothing_is_audited(world):
    from muster.core.models import AuditEvent
    from muster.reports.state_report import build_state_report, export_state_report

    before = AuditEvent.objects.count()
    for label, message in (("2025-2026", "is not a period label"), ("2099", "has not begun")):
        with pytest.raises(ValidationError) as caught:
            build_state_report(acting_user=world.training_user, agency=world.agency,
                               period_label=label)  # fmt: skip
        assert message in " ".join(caught.value.message_dict["period"])
    for kind, fmt, field in (("officers", "csv", "kind"), ("training", "pdf", "fmt")):
        with pytest.raises(ValidationError) as caught:
            export_state_report(acting_user=world.training_user, agency=world.agency,
                                period_label="2025", kind=kind, fmt=fmt)  # fmt: skip
        assert field in caught.value.message_dict
    assert AuditEvent.objects.count() == before


def test_only_the_agencys_report_preparers_and_the_states_commission_may_read_it(
    world, commission_user
):
    from muster.core.models import AuditEvent
    from muster.reports.state_report import export_state_report
    from tests.conftest import member

    period_2025(world)
    refused = [
        world.officer_user,
        world.supervisor_user,
        member("counsel_hr", world.agency),
        member("agency_admin", world.other_agency),
    ]
    before = AuditEvent.objects.count()
    for user in refused:
        with pytest.raises(PermissionDenied):
            export_state_report(acting_user=user, agency=world.agency, period_label="2025",
                                kind="training", fmt="csv")  # fmt: skip
    assert AuditEvent.objects.count() == before
    allowed = [
        world.training_user,
        world.custodian_user,
        world.admin_user,
        member("training_director", world.agency),
        commission_user,
    ]
    for user in allowed:
        report, _, rows = export_state_report(
            acting_user=user, agency=world.agency, period_label="2025", kind="training",
            fmt="csv",
        )  # fmt: skip
        assert len(rows) == len(report.training) > 0
    events = AuditEvent.objects.filter(action="state_report.export").order_by("id")
    assert events.count() == len(allowed)
    last = events.last()
    assert last is not None
    assert last.agency_id == world.agency.pk
    assert last.actor_id == commission_user.pk
    assert last.after["period"] == "2025"
    assert last.after["kind"] == "training"
    assert last.after["format"] == "csv"
