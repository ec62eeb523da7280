"""Golden cases: one YAML file per case under golden/<pack-id>/, run against the shipped packs.

Each case names a pack, a period (a label, an as-of date, or both), an officer, records and
the expected verdict. Every expectation given is compared; unknown keys and unknown values
(topics, delivery methods, categories...) fail loudly, so a typo cannot pass silently.
A case marked `known_bug: "<what is wrong>"` states the CORRECT result and runs as a strict
xfail until the engine or pack is fixed; then the marker must go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from muster.compliance.evaluator import STATUSES, Evaluator, OfficerResult, RequirementResult
from muster.compliance.facts import Leave, OfficerFacts, RecordFacts, Waiver
from muster.compliance.rulepack import RulePack, load_pack, pack_ids
from muster.compliance.vocabulary import (
    DELIVERY_CODES,
    EMPLOYMENT,
    LEAVE_KINDS,
    ROLES,
    TOPIC_CODES,
    WEAPON_TYPES,
)

GOLDEN = Path(__file__).parent / "golden"

CASE_KEYS = {
    "description",
    "pack",
    "period",
    "as_of",
    "officer",
    "records",
    "expect",
    "known_bug",
}
OFFICER_KEYS = {
    "officer_id",
    "name",
    "employment",
    "licensed_on",
    "hired_on",
    "separated_on",
    "licence_class",
    "assignment",
    "leaves",
    "waivers",
}
LEAVE_KEYS = {"kind", "start", "end"}
WAIVER_KEYS = {"period_label", "reason", "requirement_ids", "extended_until"}
RECORD_KEYS = {
    "id",
    "date",
    "title",
    "kind",
    "minutes",
    "hours",
    "semester_hours",
    "delivery",
    "role",
    "category",
    "topics",
    "approved_provider",
    "qualification",
    "weapon_type",
    "result",
    "score_percent",
    "voided",
    "void_reason",
    "attributed_to",
    "planned",
}
EXPECT_KEYS = {
    "status",
    "reason",
    "reason_contains",
    "version",
    "period",
    "deadline",
    "grace_until",
    "requirement_ids",
    "requirements",
}
EXPECT_PERIOD_KEYS = {"label", "start", "end"}
EXPECT_REQUIREMENT_KEYS = {
    "required",
    "credited",
    "shortfall",
    "met",
    "waived",
    "explanation_contains",
    "counted_records",
    "notes",
}


class CaseError(ValueError):
    """A golden case file that is malformed (unknown key, wrong type, unknown code)."""


# --- reading case files --------------------------------------------------------------------


def _check_keys(
    data: object, allowed: set[str], where: str, required: frozenset[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise CaseError(f"{where}: expected a mapping, got {type(data).__name__}")
    unknown = sorted(set(map(str, data)) - allowed)
    if unknown:
        raise CaseError(f"{where}: unknown key(s) {', '.join(unknown)}")
    missing = sorted(required - set(data))
    if missing:
        raise CaseError(f"{where}: missing key(s) {', '.join(missing)}")
    return data


def _date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise CaseError(f"{where}: expected a date (YYYY-MM-DD), got {value!r}")
    return value


def _opt_date(value: object, where: str) -> dt.date | None:
    return None if value is None else _date(value, where)


def _label(value: object, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CaseError(f"{where}: expected a period label, got {value!r}")
    return str(value)


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise CaseError(f"{where}: expected text, got {value!r}")
    return value


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise CaseError(f"{where}: expected true or false, got {value!r}")
    return value


def _decimal(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise CaseError(f"{where}: expected a number, got {value!r}")
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise CaseError(f"{where}: expected a number, got {value!r}") from None


def _one_of(value: object, allowed: Any, where: str) -> str:
    text = _str(value, where)
    if text not in allowed:
        raise CaseError(f"{where}: unknown value {text!r}; known: {', '.join(sorted(allowed))}")
    return text


def _str_list(value: object, where: str) -> list[str]:
    if not isinstance(value, list):
        raise CaseError(f"{where}: expected a list, got {value!r}")
    return [_str(item, f"{where}[{i}]") for i, item in enumerate(value)]


def load_officer(data: object, where: str = "officer") -> OfficerFacts:
    """OfficerFacts from a case's `officer:` mapping."""
    raw = _check_keys(data, OFFICER_KEYS, where, frozenset({"officer_id"}))
    leaves = []
    for i, item in enumerate(raw.get("leaves") or []):
        w = f"{where}.leaves[{i}]"
        leave = _check_keys(item, LEAVE_KEYS, w, frozenset({"kind", "start"}))
        leaves.append(
            Leave(
                kind=_one_of(leave["kind"], LEAVE_KINDS, f"{w}.kind"),
                start=_date(leave["start"], f"{w}.start"),
                end=_opt_date(leave.get("end"), f"{w}.end"),
            )
        )
    waivers = []
    for i, item in enumerate(raw.get("waivers") or []):
        w = f"{where}.waivers[{i}]"
        waiver = _check_keys(item, WAIVER_KEYS, w, frozenset({"period_label", "reason"}))
        waivers.append(
            Waiver(
                period_label=_label(waiver["period_label"], f"{w}.period_label"),
                reason=_str(waiver["reason"], f"{w}.reason"),
                requirement_ids=frozenset(
                    _str_list(waiver.get("requirement_ids", []), f"{w}.requirement_ids")
                ),
                extended_until=_opt_date(waiver.get("extended_until"), f"{w}.extended_until"),
            )
        )
    return OfficerFacts(
        officer_id=_label(raw["officer_id"], f"{where}.officer_id"),
        name=_str(raw.get("name", ""), f"{where}.name"),
        employment=_one_of(raw.get("employment", "full_time"), EMPLOYMENT, f"{where}.employment"),
        licensed_on=_opt_date(raw.get("licensed_on"), f"{where}.licensed_on"),
        hired_on=_opt_date(raw.get("hired_on"), f"{where}.hired_on"),
        separated_on=_opt_date(raw.get("separated_on"), f"{where}.separated_on"),
        licence_class=_str(raw.get("licence_class", ""), f"{where}.licence_class"),
        assignment=_str(raw.get("assignment", ""), f"{where}.assignment"),
        leaves=tuple(leaves),
        waivers=tuple(waivers),
    )


def load_record(
    data: object, officer_id: str, categories: frozenset[str], where: str
) -> RecordFacts:
    """RecordFacts from one entry of a case's `records:` list."""
    raw = _check_keys(data, RECORD_KEYS, where, frozenset({"id", "date"}))
    kind = _one_of(raw.get("kind", "training"), {"training", "qualification"}, f"{where}.kind")
    category = _str(raw.get("category", ""), f"{where}.category")
    if category and category not in categories:
        raise CaseError(
            f"{where}.category: {category!r} is not a category of this pack "
            f"({', '.join(sorted(categories)) or 'it has none'})"
        )
    topics = _str_list(raw.get("topics", []), f"{where}.topics")
    unknown = sorted(set(topics) - TOPIC_CODES)
    if unknown:
        raise CaseError(f"{where}.topics: unknown topic(s) {', '.join(unknown)}")
    minutes = raw.get("minutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int)):
        raise CaseError(f"{where}.minutes: expected whole minutes, got {minutes!r}")
    weapon_type = raw.get("weapon_type", "")
    if weapon_type:
        _one_of(weapon_type, WEAPON_TYPES, f"{where}.weapon_type")
    result = raw.get("result", "")
    if result:
        _one_of(result, {"pass", "fail"}, f"{where}.result")
    optional_decimal = {
        name: None if raw.get(name) is None else _decimal(raw[name], f"{where}.{name}")
        for name in ("hours", "semester_hours", "score_percent")
    }
    return RecordFacts(
        record_id=_label(raw["id"], f"{where}.id"),
        officer_id=officer_id,
        date=_date(raw["date"], f"{where}.date"),
        title=_str(raw.get("title", ""), f"{where}.title"),
        kind=kind,
        minutes=minutes,
        hours=optional_decimal["hours"],
        semester_hours=optional_decimal["semester_hours"],
        delivery=_one_of(raw.get("delivery", "in_person"), DELIVERY_CODES, f"{where}.delivery"),
        role=_one_of(raw.get("role", "attendee"), ROLES, f"{where}.role"),
        category=category,
        topics=frozenset(topics),
        approved_provider=_bool(raw.get("approved_provider", False), f"{where}.approved_provider"),
        qualification=_str(raw.get("qualification", ""), f"{where}.qualification"),
        weapon_type=weapon_type,
        result=result,
        score_percent=optional_decimal["score_percent"],
        voided=_bool(raw.get("voided", False), f"{where}.voided"),
        void_reason=_str(raw.get("void_reason", ""), f"{where}.void_reason"),
        attributed_to=(
            "" if raw.get("attributed_to") is None else _label(raw["attributed_to"], where)
        ),
        planned=_bool(raw.get("planned", False), f"{where}.planned"),
    )


@dataclass(frozen=True)
class Case:
    """A parsed golden case."""

    name: str
    pack: RulePack
    label: str | None
    as_of: dt.date | None
    officer: OfficerFacts
    records: tuple[RecordFacts, ...]
    expect: dict[str, Any]
    known_bug: str


def _validate_expect(data: object, where: str) -> dict[str, Any]:
    expect = _check_keys(data, EXPECT_KEYS, where)
    if "status" in expect:
        _one_of(expect["status"], STATUSES, f"{where}.status")
    if "period" in expect:
        _check_keys(expect["period"], EXPECT_PERIOD_KEYS, f"{where}.period")
    for req_id, req in (expect.get("requirements") or {}).items():
        w = f"{where}.requirements.{req_id}"
        _check_keys(req, EXPECT_REQUIREMENT_KEYS, w)
        for name in ("required", "credited", "shortfall"):
            if name in req:
                _decimal(req[name], f"{w}.{name}")
        if "met" in req:
            _bool(req["met"], f"{w}.met")
        for name in ("explanation_contains", "counted_records"):
            if name in req:
                _str_list(req[name], f"{w}.{name}")
        if "notes" in req and not isinstance(req["notes"], dict):
            raise CaseError(f"{w}.notes: expected a mapping of record id to text")
    return expect


def parse_case(text: str, name: str) -> Case:
    """A case from its YAML text; CaseError for anything malformed."""
    raw = _check_keys(
        yaml.safe_load(text),
        CASE_KEYS,
        name,
        frozenset({"description", "pack", "officer", "expect"}),
    )
    _str(raw["description"], f"{name}: description")
    pack = load_pack(_str(raw["pack"], f"{name}: pack"))
    label = None if raw.get("period") is None else _label(raw["period"], f"{name}: period")
    as_of = _opt_date(raw.get("as_of"), f"{name}: as_of")
    if label is None and as_of is None:
        raise CaseError(f"{name}: give `period`, `as_of` or both")
    officer = load_officer(raw["officer"], f"{name}: officer")
    categories = pack.category_codes
    records_raw = raw.get("records") or []
    if not isinstance(records_raw, list):
        raise CaseError(f"{name}: records must be a list")
    records = tuple(
        load_record(item, officer.officer_id, categories, f"{name}: records[{i}]")
        for i, item in enumerate(records_raw)
    )
    ids = [r.record_id for r in records]
    if len(set(ids)) != len(ids):
        raise CaseError(f"{name}: record ids must be unique")
    known_bug = raw.get("known_bug", "")
    if known_bug is not None and not isinstance(known_bug, str):
        raise CaseError(f"{name}: known_bug must be a one-line description")
    return Case(
        name=name,
        pack=pack,
        label=label,
        as_of=as_of,
        officer=officer,
        records=records,
        expect=_validate_expect(raw["expect"], f"{name}: expect"),
        known_bug=known_bug or "",
    )


def case_files() -> list[Path]:
    """Every golden case file, sorted."""
    return sorted(GOLDEN.glob("*/*.yaml"))


def _case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _params() -> list[Any]:
    params = []
    for path in case_files():
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        marks = []
        if isinstance(raw, dict) and raw.get("known_bug"):
            marks.append(pytest.mark.xfail(strict=True, reason=str(raw["known_bug"])))
        params.append(pytest.param(path, id=_case_id(path), marks=marks))
    return params


# --- comparing -------------------------------------------------------------------------------


def run_case(case: Case) -> OfficerResult:
    """Evaluate a case as `muster check` would."""
    evaluator = Evaluator(case.pack)
    period = evaluator.period_for(case.officer, label=case.label, as_of=case.as_of)
    return evaluator.evaluate(case.officer, case.records, period, as_of=case.as_of)


def _same_number(actual: Decimal, expected: object) -> bool:
    return actual == Decimal(str(expected))


def _describe(result: OfficerResult) -> str:
    lines = [f"status={result.status} reason={result.reason!r} version={result.version}"]
    for r in result.requirements:
        lines.append(
            f"  {r.id}: required={r.required} credited={r.credited} met={r.met}"
            f"{' waived=' + r.waived if r.waived else ''}"
        )
        lines.extend(
            f"      {line.record_id} {'+' if line.counted else '-'} {line.note}"
            for line in r.explanation
        )
    return "\n".join(lines)


def _compare_requirement(res: RequirementResult, want: Mapping[str, Any]) -> list[str]:
    errors = []
    for name in ("required", "credited", "shortfall"):
        if name in want and not _same_number(getattr(res, name), want[name]):
            errors.append(f"{res.id}.{name}: expected {want[name]}, got {getattr(res, name)}")
    if "met" in want and res.met is not want["met"]:
        errors.append(f"{res.id}.met: expected {want['met']}, got {res.met}")
    if "waived" in want and res.waived != (want["waived"] or ""):
        errors.append(f"{res.id}.waived: expected {want['waived']!r}, got {res.waived!r}")
    notes = [line.note for line in res.explanation]
    for text in want.get("explanation_contains", []):
        if not any(text in note for note in notes):
            errors.append(f"{res.id}: no explanation line contains {text!r}")
    if "counted_records" in want:
        counted = sorted(line.record_id for line in res.explanation if line.counted)
        if counted != sorted(want["counted_records"]):
            errors.append(
                f"{res.id}.counted_records: expected {sorted(want['counted_records'])}, "
                f"got {counted}"
            )
    for record_id, text in (want.get("notes") or {}).items():
        mine = [line.note for line in res.explanation if line.record_id == str(record_id)]
        if not any(str(text) in note for note in mine):
            errors.append(
                f"{res.id}: record {record_id} should be explained with {text!r}; got {mine}"
            )
    return errors


def compare(result: OfficerResult, expect: Mapping[str, Any]) -> list[str]:
    """Every difference between the result and the expectations given."""
    errors = []
    if "status" in expect and result.status != expect["status"]:
        errors.append(f"status: expected {expect['status']}, got {result.status}")
    if "reason" in expect and result.reason != (expect["reason"] or ""):
        errors.append(f"reason: expected {expect['reason']!r}, got {result.reason!r}")
    if "reason_contains" in expect and str(expect["reason_contains"]) not in result.reason:
        errors.append(f"reason: expected to contain {expect['reason_contains']!r}")
    if "version" in expect and result.version != str(expect["version"]):
        errors.append(f"version: expected {expect['version']}, got {result.version}")
    period = expect.get("period") or {}
    if "label" in period and result.period.label != str(period["label"]):
        errors.append(f"period.label: expected {period['label']}, got {result.period.label}")
    for end in ("start", "end"):
        if end in period and getattr(result.period, end) != period[end]:
            errors.append(
                f"period.{end}: expected {period[end]}, got {getattr(result.period, end)}"
            )
    for name in ("deadline", "grace_until"):
        if name in expect and getattr(result, name) != expect[name]:
            errors.append(f"{name}: expected {expect[name]}, got {getattr(result, name)}")
    by_id = {r.id: r for r in result.requirements}
    if "requirement_ids" in expect and sorted(by_id) != sorted(expect["requirement_ids"]):
        errors.append(
            f"requirement_ids: expected {sorted(expect['requirement_ids'])}, got {sorted(by_id)}"
        )
    for req_id, want in (expect.get("requirements") or {}).items():
        if req_id not in by_id:
            errors.append(f"requirement {req_id}: not in the result ({', '.join(by_id)})")
            continue
        errors.extend(_compare_requirement(by_id[req_id], want))
    return errors


# --- tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _params())
def test_golden_case(path: Path) -> None:
    case = parse_case(path.read_text(encoding="utf-8"), _case_id(path))
    assert case.pack.id == path.parent.name, "a case lives in the folder of its pack"
    result = run_case(case)
    errors = compare(result, case.expect)
    assert not errors, "\n".join(errors) + "\n\n" + _describe(result)


@pytest.mark.parametrize("pack_id", pack_ids())
def test_every_requirement_of_every_pack_has_a_golden_case(pack_id: str) -> None:
    pack = load_pack(pack_id)
    declared = {r.id for version in pack.versions for r in version.requirements}
    covered: set[str] = set()
    for path in case_files():
        if path.parent.name != pack_id:
            continue
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        covered |= set((raw.get("expect") or {}).get("requirements") or {})
    assert declared - covered == set(), f"{pack_id}: requirements without a golden case"


def test_every_golden_folder_is_a_shipped_pack() -> None:
    folders = {p.name for p in GOLDEN.iterdir() if p.is_dir()}
    assert folders == set(pack_ids())


_MINIMAL = """
description: minimal
pack: us-mo-clee
period: "2025"
officer: {officer_id: "1"}
records: [{id: r1, date: 2025-02-01, minutes: 50, category: legal_studies}]
expect: {status: deficient}
"""


def test_a_minimal_case_parses() -> None:
    case = parse_case(_MINIMAL, "minimal")
    assert case.records[0].minutes == 50
    assert case.officer.employment == "full_time"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("description: minimal", "descripton: minimal", "unknown key(s) descripton"),
        ('officer_id: "1"', 'officer_id: "1", licenced_on: 2020-01-01', "licenced_on"),
        ("minutes: 50", "minutes: 50, topic: [firearms]", "unknown key(s) topic"),
        ("minutes: 50", "minutes: 50, topics: [firearm]", "unknown topic(s) firearm"),
        ("minutes: 50", "minutes: 50, delivery: onlne", "unknown value 'onlne'"),
        ("category: legal_studies", "category: legal", "not a category of this pack"),
        ("minutes: 50", "minutes: 50.5", "whole minutes"),
        ("{status: deficient}", "{status: noncompliant}", "unknown value 'noncompliant'"),
        ("{status: deficient}", "{statsu: deficient}", "unknown key(s) statsu"),
        (
            "{status: deficient}",
            "{requirements: {total: {credit: 1}}}",
            "unknown key(s) credit",
        ),
    ],
)
def test_a_typo_in_a_case_fails_loudly(old: str, new: str, message: str) -> None:
    text = _MINIMAL.replace(old, new)
    assert text != _MINIMAL
    with pytest.raises(CaseError) as info:
        parse_case(text, "typo")
    assert message in str(info.value)


def test_an_expected_requirement_missing_from_the_result_is_an_error() -> None:
    case = parse_case(_MINIMAL, "minimal")
    errors = compare(run_case(case), {"requirements": {"implicit_bias_typo": {"met": True}}})
    assert errors
    assert "not in the result" in errors[0]
