"""The compliance evaluator: pure, deterministic, explainable.

`Evaluator(pack).evaluate(officer, records, period)` answers, for one officer and one period, each
requirement's required and credited hours with an explanation of every record that counted
and every record that did not and why, and the officer's status: compliant, deficient,
exempt (with the reason) or waived. No database, no clock: everything comes in as data.

Credit is counted in whole credit units (3600 to the hour, see rulepack.UNITS_PER_HOUR),
so 50-minute and 60-minute hours add up exactly. Records are taken in date order (then by
id) wherever order matters, so caps fill the same way whatever order the records arrive in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any

import orjson
from pydantic import ValidationError

from muster.compliance.facts import OfficerFacts, RecordFacts, Waiver
from muster.compliance.periods import Period, PeriodRule, months_employed
from muster.compliance.rulepack import (
    UNITS_PER_HOUR,
    AppliesTo,
    Match,
    Overlay,
    PackError,
    Requirement,
    RulePack,
    Value,
    Version,
)

COMPLIANT = "compliant"
DEFICIENT = "deficient"
EXEMPT = "exempt"
WAIVED = "waived"
STATUSES = (COMPLIANT, DEFICIENT, EXEMPT, WAIVED)

_HUNDREDTH = Decimal("0.01")


def hours(units: int, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Credit units as hours, to the hundredth."""
    return (Decimal(units) / UNITS_PER_HOUR).quantize(_HUNDREDTH, rounding=rounding)


def _hundredths_half_up(units: int) -> float:
    """Credit units as hours to the hundredth, half up, by integer arithmetic (as hours())."""
    per = UNITS_PER_HOUR // 100
    return (units * 2 + per) // (2 * per) / 100


def _units(value: Decimal) -> int:
    return int((value * UNITS_PER_HOUR).to_integral_value(rounding=ROUND_HALF_UP))


def _fmt(units: int) -> str:
    text = f"{hours(units):f}".rstrip("0").rstrip(".")
    return f"{text} h"


# --- Results ---------------------------------------------------------------------------------


@dataclass(slots=True)  # not frozen: built by the hundred thousand, and never changed
class Line:
    """One record's part in one requirement: what it contributed, or why nothing."""

    # The fields are exactly the JSON keys: orjson writes a Line as it is, without a dict.
    record: str
    date: dt.date
    title: str
    hours: float  # for reading; the exact figure is the requirement's credited hours
    counted: bool
    note: str

    @property
    def record_id(self) -> str:
        """The record's id."""
        return self.record


@dataclass(slots=True)
class RequirementResult:
    """A requirement's verdict for the period, with its explanation."""

    id: str
    title: str
    kind: str
    required_units: int  # for qualifications: passes required
    credited_units: int  # for qualifications: passes counted
    met: bool
    local: bool = False
    unit: str = ""  # the nested unit's label, for requirements per unit of a cycle
    waived: str = ""  # the waiver's reason, when waived
    explanation: list[Line] = field(default_factory=list)

    @property
    def required(self) -> Decimal:
        """Required hours (or passes)."""
        return hours(self.required_units) if self.kind == "hours" else Decimal(self.required_units)

    @property
    def credited(self) -> Decimal:
        """Credited hours (or passes), rounded down so an unmet requirement never shows as met."""
        if self.kind != "hours":
            return Decimal(self.credited_units)
        return hours(self.credited_units, ROUND_DOWN)

    @property
    def shortfall(self) -> Decimal:
        """What is still missing (0 when met), rounded up so it is never understated."""
        if self.kind != "hours":
            return Decimal(max(0, self.required_units - self.credited_units) if not self.met else 0)
        if self.met:
            return hours(0)
        return hours(max(0, self.required_units - self.credited_units), ROUND_UP)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form; hours as numbers (the same roundings as the properties above)."""
        if self.kind == "hours":
            # Whole hundredths by integer arithmetic: as exact as the Decimals, and faster.
            per = UNITS_PER_HOUR // 100
            required = _hundredths_half_up(self.required_units)
            credited = self.credited_units // per / 100  # down
            missing = 0 if self.met else max(0, self.required_units - self.credited_units)
            shortfall = -(-missing // per) / 100  # up
        else:
            required, credited = float(self.required_units), float(self.credited_units)
            shortfall = float(self.shortfall)
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "required": required,
            "credited": credited,
            "shortfall": shortfall,
            "met": self.met,
            # Line objects: orjson writes them directly; use plain() for the standard json module.
            "explanation": self.explanation,
        }
        if self.unit:
            out["unit"] = self.unit
        if self.local:
            out["local"] = True
        if self.waived:
            out["waived"] = self.waived
        return out


@dataclass(slots=True)
class OfficerResult:
    """An officer's verdict for one period under one pack version."""

    officer_id: str
    name: str
    pack_id: str
    version: str
    period: Period
    status: str
    reason: str = ""
    deadline: dt.date | None = None
    grace_until: dt.date | None = None
    requirements: list[RequirementResult] = field(default_factory=list)

    @property
    def missing(self) -> list[RequirementResult]:
        """The requirements not yet met."""
        return [r for r in self.requirements if not r.met]

    def plain(self) -> dict[str, Any]:
        """as_dict() made of plain JSON types only, for json.dumps (stored snapshots)."""
        data: dict[str, Any] = orjson.loads(orjson.dumps(self.as_dict()))
        return data

    def as_dict(self) -> dict[str, Any]:
        """The result for orjson, as `muster check --format json` prints it."""
        out: dict[str, Any] = {
            "officer_id": self.officer_id,
            "name": self.name,
            "status": self.status,
            "period": {
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "requirements": [r.as_dict() for r in self.requirements],
        }
        if self.reason:
            out["reason"] = self.reason
        if self.deadline:
            out["deadline"] = self.deadline.isoformat()
        if self.grace_until:
            out["grace_until"] = self.grace_until.isoformat()
        return out


# --- Compiling a version (with an agency overlay) -------------------------------------------


@dataclass(frozen=True, slots=True)
class _Req:
    spec: Requirement
    local: bool
    required: dict[str, int | None]  # by employment; "" is the default
    prorate_units: int | None
    conditions: tuple[tuple[str, Any], ...]
    relevant_if_any: bool  # list near-misses: records meeting some condition
    list_all_in_period: bool  # boolean-only match: list every record it turned away


@dataclass(frozen=True, slots=True)
class _Cap:
    id: str
    title: str
    max_units: int | None
    conditions: tuple[tuple[str, Any], ...]
    requirement_ids: frozenset[str]
    suspended: frozenset[str]


def _conditions(match: Match) -> tuple[tuple[str, Any], ...]:
    conds: list[tuple[str, Any]] = []
    if match.categories:
        conds.append(("categories", frozenset(match.categories)))
    if match.topics:
        conds.append(("topics", frozenset(match.topics)))
    if match.delivery:
        conds.append(("delivery", frozenset(match.delivery)))
    if match.roles:
        conds.append(("roles", frozenset(match.roles)))
    if match.approved_provider is not None:
        conds.append(("approved_provider", match.approved_provider))
    return tuple(conds)


def _holds(kind: str, wanted: Any, sig: tuple[str, frozenset[str], str, str, bool]) -> bool:
    category, topics, delivery, role, approved = sig
    if kind == "categories":
        return category in wanted
    if kind == "topics":
        return bool(topics & wanted)
    if kind == "delivery":
        return delivery in wanted
    if kind == "roles":
        return role in wanted
    return approved is wanted


def _why_not(kind: str, wanted: Any, sig: tuple[str, frozenset[str], str, str, bool]) -> str:
    category, _topics, delivery, role, _approved = sig
    if kind == "categories":
        return f"category {category or '(none)'}, not {' or '.join(sorted(wanted))}"
    if kind == "topics":
        return f"not tagged {' or '.join(sorted(wanted))}"
    if kind == "delivery":
        return f"delivered {delivery}, not {' or '.join(sorted(wanted))}"
    if kind == "roles":
        return f"as {role}, not {' or '.join(sorted(wanted))}"
    return "provider not approved" if wanted else "provider approved"


def _resolve(data: dict[str, Any], path: str) -> tuple[dict[str, Any], str] | None:
    """The mapping holding the value at `path` (e.g. caps.online.max_hours), and its key."""
    parts = path.split(".")
    target: Any = data
    try:
        if parts[0] in ("requirements", "caps"):
            target = next(x for x in data[parts[0]] if x["id"] == parts[1])
            parts = parts[2:]
        for part in parts[:-1]:
            target = target[part]
        value = target[parts[-1]]
    except (KeyError, StopIteration, IndexError, TypeError):
        return None
    # Only numbers (Values) can be overridden; rules such as a match or make-up cannot.
    if not isinstance(value, dict) or not {"value", "source", "confirmed"} <= set(value):
        return None
    return target, parts[-1]


def check_overlay(pack: RulePack, overlay: Overlay) -> None:
    """Raise PackError unless every override names an unconfirmed value of some version."""
    if overlay.pack != pack.id:
        raise PackError(f"overlay: it is for {overlay.pack}, not {pack.id}")
    for item in overlay.overrides:
        found = [_resolve(v.model_dump(mode="python"), item.path) for v in pack.versions]
        places = [f for f in found if f is not None]
        if not places:
            raise PackError(f"overlay: {item.path} names no value of {pack.id}")
        if any(target[key]["confirmed"] for target, key in places):
            raise PackError(
                f"overlay: {item.path} is a confirmed state value and cannot be overridden"
            )
    for local in overlay.requirements:
        unknown = sorted(set(local.match.categories) - pack.category_codes)
        if unknown:
            raise PackError(
                f"overlay: {local.id} names unknown categories {', '.join(unknown)}; "
                f"{pack.id} has: {', '.join(sorted(pack.category_codes)) or 'none'}"
            )
    for version in pack.versions:
        CompiledVersion(pack, version, overlay)


def _override(version: Version, overlay: Overlay) -> Version:
    """Apply an overlay's overrides that this version has (check_overlay vets them all)."""
    data = version.model_dump(mode="python")
    for item in overlay.overrides:
        place = _resolve(data, item.path)
        if place is None:
            continue  # a value of another version, e.g. a cap added later
        target, key = place
        if target[key]["confirmed"]:
            raise PackError(
                f"overlay: {item.path} is a confirmed state value and cannot be overridden"
            )
        target[key] = {
            **target[key],
            "value": item.value,
            "note": f"overridden by the agency: {item.reason}",
        }
    try:
        return Version.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(str(err["msg"]).removeprefix("Value error, ") for err in exc.errors())
        raise PackError(f"overlay: the overridden values do not fit the rule: {problems}") from None


class CompiledVersion:
    """A pack version (and an agency's overlay) made ready for fast, repeated evaluation."""

    def __init__(self, pack: RulePack, version: Version, overlay: Overlay | None = None) -> None:
        if overlay is not None:
            if overlay.pack != pack.id:
                raise PackError(f"overlay is for {overlay.pack}, not {pack.id}")
            version = _override(version, overlay)
        self.pack = pack
        self.version = version
        self.period_rule: PeriodRule = version.period.rule()
        credit = version.credit
        assert credit.attendee_minutes_per_hour.value is not None
        assert credit.instructor_minutes_per_hour.value is not None
        self.attendee_factor = UNITS_PER_HOUR // int(credit.attendee_minutes_per_hour.value)
        self.instructor_factor = UNITS_PER_HOUR // int(credit.instructor_minutes_per_hour.value)
        college = credit.college_hours_per_semester_hour.value
        self.college_units = None if college is None else _units(college)
        specs = [(r, False) for r in version.requirements]
        if overlay is not None:
            known = {r.id for r in version.requirements}
            for local in overlay.requirements:
                if local.id in known:
                    raise PackError(
                        f"overlay: requirement {local.id} already exists in the state pack"
                    )
                specs.append((local, True))
        self.requirements = [self._compile_requirement(r, local) for r, local in specs]
        self.caps = [
            _Cap(
                id=c.id,
                title=c.title,
                max_units=c.max_hours.units(),
                conditions=_conditions(c.match),
                requirement_ids=frozenset(c.applies_to_requirements),
                suspended=frozenset(c.suspended_for_periods),
            )
            for c in version.caps
        ]
        self._signatures: dict[tuple[str, frozenset[str], str, str, bool], Any] = {}

    @staticmethod
    def _compile_requirement(spec: Requirement, local: bool) -> _Req:
        required: dict[str, int | None] = {}
        if spec.kind == "hours":
            assert spec.hours is not None
            required[""] = spec.hours.units()
            for employment, value in spec.hours_by_employment.items():
                required[employment] = value.units()
        else:
            assert spec.count is not None
            required[""] = None if spec.count.value is None else int(spec.count.value)
        conditions = _conditions(spec.match)
        booleans_only = bool(conditions) and all(
            kind in ("approved_provider", "roles") for kind, _ in conditions
        )
        return _Req(
            spec=spec,
            local=local,
            required=required,
            prorate_units=spec.prorate.hours_per_month.units() if spec.prorate else None,
            conditions=conditions,
            relevant_if_any=bool(conditions) and not booleans_only,
            list_all_in_period=booleans_only,
        )

    def outcomes(self, sig: tuple[str, frozenset[str], str, str, bool]) -> Any:
        """Per requirement and cap, what a record of this description does (cached)."""
        cached = self._signatures.get(sig)
        if cached is not None:
            return cached
        per_req = []
        delivery = sig[2]
        for req in self.requirements:
            if req.spec.kind != "hours":
                per_req.append((False, False, ""))
                continue
            failing = [(k, w) for k, w in req.conditions if not _holds(k, w, sig)]
            excluded = delivery in req.spec.match.exclude_delivery
            if not failing and not excluded:
                per_req.append((True, True, ""))
            elif not failing and excluded:
                per_req.append(
                    (False, True, f"{delivery} training never counts toward {req.spec.title}")
                )
            else:
                near = req.list_all_in_period or (
                    req.relevant_if_any and len(failing) < len(req.conditions)
                )
                per_req.append((False, near, _why_not(*failing[0], sig)))
        caps = tuple(
            i
            for i, cap in enumerate(self.caps)
            if all(_holds(k, w, sig) for k, w in cap.conditions)
        )
        cached = (tuple(per_req), caps)
        self._signatures[sig] = cached
        return cached


# --- Evaluating ---------------------------------------------------------------------------


class Evaluator:
    """Evaluates many officers against one pack, compiling each version once."""

    def __init__(self, pack: RulePack, overlay: Overlay | None = None) -> None:
        self.pack = pack
        self.overlay = overlay
        self._compiled: dict[str, CompiledVersion] = {}

    def compiled_for(self, day: dt.date) -> CompiledVersion:
        """The compiled version in force on `day`."""
        version = self.pack.version_for(day)
        compiled = self._compiled.get(version.version)
        if compiled is None:
            compiled = CompiledVersion(self.pack, version, self.overlay)
            self._compiled[version.version] = compiled
        return compiled

    def period_for(
        self, officer: OfficerFacts, *, label: str | None = None, as_of: dt.date | None = None
    ) -> Period:
        """The officer's period named by `label`, or the one containing `as_of`."""
        rule = self.pack.versions[-1].period.rule()
        anchor = _anchor(self.pack.versions[-1], officer)
        if label is not None:
            return rule.by_label(label, anchor)
        assert as_of is not None
        return rule.containing(as_of, anchor)

    def evaluate(
        self,
        officer: OfficerFacts,
        records: Iterable[RecordFacts],
        period: Period,
        *,
        as_of: dt.date | None = None,
    ) -> OfficerResult:
        """The officer's verdict for `period` (see the module docstring)."""
        return _evaluate(self.compiled_for(period.start), officer, records, period, as_of)


def _anchor(version: Version, officer: OfficerFacts) -> dt.date | None:
    return officer.licensed_on if version.period.anchor == "licensed_on" else officer.hired_on


def _grace_date(compiled: CompiledVersion, period: Period) -> dt.date | None:
    grace = compiled.version.grace
    if grace is None:
        return None
    candidate = dt.date(period.end.year, grace.month, grace.day)
    if candidate <= period.end:
        candidate = dt.date(period.end.year + 1, grace.month, grace.day)
    return candidate


def _late_make_up(compiled: CompiledVersion, record: RecordFacts) -> bool:
    """Make-up done after the grace date of the period it was meant for: it counts where done."""
    if not compiled.version.make_up.until_grace:
        return False
    try:
        target = compiled.period_rule.by_label(record.attributed_to)
    except ValueError:
        return False
    grace = _grace_date(compiled, target)
    return grace is not None and record.date > grace


def _not_applicable(applies: AppliesTo, officer: OfficerFacts) -> str:
    """Why a rule does not apply to the officer, or "" when it does."""
    if applies.employment and officer.employment not in applies.employment:
        who = ", ".join(applies.employment)
        return f"the rule applies to {who} officers; this officer is {officer.employment}"
    if applies.licence_classes and officer.licence_class not in applies.licence_classes:
        return f"the rule applies to licence classes {', '.join(applies.licence_classes)}"
    if applies.assignments and officer.assignment not in applies.assignments:
        return f"the rule applies to assignments {', '.join(applies.assignments)}"
    return ""


def _exemption(compiled: CompiledVersion, officer: OfficerFacts, period: Period) -> str:
    not_applicable = _not_applicable(compiled.version.applies_to, officer)
    if not_applicable:
        return not_applicable
    if officer.hired_on and officer.hired_on > period.end:
        return f"hired on {officer.hired_on.isoformat()}, after the period"
    if officer.separated_on and officer.separated_on < period.start:
        return f"separated on {officer.separated_on.isoformat()}, before the period"
    licensed = officer.licensed_on
    rule = compiled.version.first_period.rule
    if licensed is None or rule == "none":
        return ""
    if licensed > period.end:
        return f"not yet licensed in this period (licensed on {licensed.isoformat()})"
    periods = compiled.period_rule
    if rule == "rest_of_first_period" and licensed in period:
        return f"first licensed on {licensed.isoformat()}: exempt for the rest of that period"
    if rule == "until_second_full_period":
        first = periods.containing(licensed, licensed)
        first_full = (
            first
            if first.start == licensed
            else periods.containing(first.end + dt.timedelta(days=1), licensed)
        )
        second_full = periods.containing(first_full.end + dt.timedelta(days=1), licensed)
        if period.start < second_full.start:
            return (
                f"certified on {licensed.isoformat()}: training is owed from the second full "
                f"period after certification ({second_full.label})"
            )
    return ""


def _waiver(
    compiled: CompiledVersion, officer: OfficerFacts, period: Period
) -> tuple[str, list[Waiver]]:
    """A whole-period waiver's reason (or ""), and waivers of single requirements."""
    allowed = set(compiled.version.waivers.reasons)
    partial: list[Waiver] = []
    for waiver in officer.waivers:
        if waiver.period_label != period.label or waiver.reason not in allowed:
            continue
        if (
            waiver.extended_until is not None
            or waiver.reason in compiled.version.waivers.extension_only
        ):
            continue
        scoped = compiled.version.waivers.scope.get(waiver.reason)
        if scoped and not waiver.requirement_ids:
            waiver = Waiver(waiver.period_label, waiver.reason, frozenset(scoped))
        if waiver.requirement_ids:
            partial.append(waiver)
        else:
            return f"waiver granted: {waiver.reason.replace('_', ' ')}", partial
    kinds = set(compiled.version.waivers.leave_kinds_waive_whole_period)
    for leave in officer.leaves:
        if (
            leave.kind in kinds
            and leave.start <= period.start
            and (leave.end is None or leave.end >= period.end)
        ):
            return f"on {leave.kind} leave for the whole period", partial
    return "", partial


def _credit_units(compiled: CompiledVersion, record: RecordFacts) -> tuple[int, str]:
    if record.hours is not None:
        return _units(record.hours), "certificate hours"
    if record.semester_hours is not None:
        if compiled.college_units is None:
            return 0, "this pack has no confirmed credit for college courses"
        return int(record.semester_hours * compiled.college_units), (
            f"{record.semester_hours} semester h × {_fmt(compiled.college_units)}"
        )
    if record.minutes is not None:
        if record.role == "instructor":
            allowed = compiled.version.credit.instructor_delivery
            if allowed and record.delivery not in allowed:
                where = " or ".join(d.replace("_", " ") for d in allowed)
                return 0, f"instructor credit is for teaching {where} only"
            return record.minutes * compiled.instructor_factor, f"{record.minutes} min taught"
        return record.minutes * compiled.attendee_factor, f"{record.minutes} min attended"
    return 0, "no minutes or hours given"


def _evaluate(
    compiled: CompiledVersion,
    officer: OfficerFacts,
    records: Iterable[RecordFacts],
    period: Period,
    as_of: dt.date | None,
) -> OfficerResult:
    version = compiled.version
    result = OfficerResult(
        officer_id=officer.officer_id,
        name=officer.name,
        pack_id=compiled.pack.id,
        version=version.version,
        period=period,
        status=COMPLIANT,
        deadline=period.end,
        grace_until=_grace_date(compiled, period),
    )
    exempt = _exemption(compiled, officer, period)
    waived, partial_waivers = ("", []) if exempt else _waiver(compiled, officer, period)
    for waiver in officer.waivers:
        if (
            waiver.period_label == period.label
            and waiver.extended_until is not None
            and waiver.reason in compiled.version.waivers.reasons
        ):
            result.deadline = waiver.extended_until
            result.grace_until = None
    ordered = sorted(records, key=lambda r: (r.date, r.record_id))
    # What each training record does is the same for every requirement: work it out once.
    prepared = [
        (
            record,
            *compiled.outcomes(
                (
                    record.category,
                    record.topics,
                    record.delivery,
                    record.role,
                    record.approved_provider,
                )
            ),
            *_credit_units(compiled, record),
        )
        for record in ordered
        if record.kind == "training"
    ]
    units = compiled.period_rule.units(period)
    classified: dict[Period, list[_Classified]] = {}
    for index, req in enumerate(compiled.requirements):
        if _not_applicable(req.spec.applies_to, officer):
            continue
        spans = units if req.spec.per == "unit" else [period]
        for span in spans:
            if req.spec.kind == "qualification":
                res = _qualification(req, officer, ordered, span)
            else:
                rows = classified.get(span)
                if rows is None:
                    rows = classified[span] = _classify(compiled, prepared, span, period)
                res = _requirement(compiled, index, req, officer, rows, span, period)
            if span is not period:
                res.unit = span.label
            for waiver in partial_waivers:
                if req.spec.waivable and req.spec.id in waiver.requirement_ids:
                    res.waived = waiver.reason
                    res.met = True
            result.requirements.append(res)
    unwaivable = [
        r.id
        for r, spec in zip(result.requirements, _specs(compiled, result), strict=True)
        if not spec.waivable and not r.met
    ]
    if exempt:
        result.status, result.reason = EXEMPT, exempt
    elif waived and unwaivable:
        result.status = DEFICIENT
        result.reason = f"{waived}, but {', '.join(unwaivable)} cannot be waived"
    elif waived:
        result.status, result.reason = WAIVED, waived
    elif all(r.met for r in result.requirements):
        result.status = COMPLIANT
    else:
        result.status = DEFICIENT
        if as_of and result.grace_until and period.end < as_of <= result.grace_until:
            result.reason = f"in the grace period until {result.grace_until.isoformat()}"
    return result


def _specs(compiled: CompiledVersion, result: OfficerResult) -> list[Requirement]:
    """The requirement spec behind each result (local ones included)."""
    by_id = {r.spec.id: r.spec for r in compiled.requirements}
    return [by_id[r.id] for r in result.requirements]


def _required_units(req: _Req, officer: OfficerFacts, span: Period) -> int:
    required = req.required.get(officer.employment, req.required[""])
    if required is None:
        # An unconfirmed, unknown value: nothing can be required until someone sets it.
        return 0
    if req.prorate_units is not None:
        months = months_employed(span, officer.hired_on, officer.separated_on)
        required = min(required, months * req.prorate_units)
    return required


# A record's standing in one span, the same for every requirement: counts (IN), or which
# note it gets where it is listed. (record, per-requirement outcomes, caps, units, how, state,
# note or prefix)
_Classified = tuple[RecordFacts, Any, tuple[int, ...], int, str, int, str]
_IN, _VOID, _ELSEWHERE, _OUTSIDE = 0, 1, 2, 3


def _classify(
    compiled: CompiledVersion,
    prepared: Sequence[tuple[RecordFacts, Any, tuple[int, ...], int, str]],
    span: Period,
    period: Period,
) -> list[_Classified]:
    make_up = compiled.version.make_up
    grace_until = _grace_date(compiled, period)
    start, end = span.start, span.end
    rows: list[_Classified] = []
    for record, per_req, cap_ids, amount, how in prepared:
        if record.voided:
            note = f"voided: {record.void_reason or 'no reason given'}"
            rows.append((record, per_req, cap_ids, amount, how, _VOID, note))
            continue
        in_span = start <= record.date <= end
        prefix = "planned: " if record.planned else ""
        if record.attributed_to and make_up.allowed:
            if record.attributed_to == period.label:
                if make_up.until_grace and grace_until is not None and record.date > grace_until:
                    note = f"make-up after the grace date {grace_until}"
                    rows.append((record, per_req, cap_ids, amount, how, _ELSEWHERE, note))
                    continue
                in_span = True
                prefix += f"make-up for {period.label}, done {record.date.isoformat()}; "
            elif (
                in_span
                and not make_up.counts_in_current_period_too
                and not _late_make_up(compiled, record)
            ):
                note = f"counted as make-up for {record.attributed_to}"
                rows.append((record, per_req, cap_ids, amount, how, _ELSEWHERE, note))
                continue
        if not in_span:
            note = f"outside the period {span.label}"
            rows.append((record, per_req, cap_ids, amount, how, _OUTSIDE, note))
            continue
        rows.append((record, per_req, cap_ids, amount, how, _IN, prefix))
    return rows


def _requirement(
    compiled: CompiledVersion,
    index: int,
    req: _Req,
    officer: OfficerFacts,
    rows: Sequence[_Classified],
    span: Period,
    period: Period,
) -> RequirementResult:
    spec = req.spec
    required = _required_units(req, officer, span)
    caps = [
        (position, cap)
        for position, cap in enumerate(compiled.caps)
        if spec.id in cap.requirement_ids
        and cap.max_units is not None
        and period.label not in cap.suspended
    ]
    is_total_like = not req.conditions
    # Lines in date order; a counted record's line is filled in once the caps are shared out.
    lines: list[Line | None] = []
    candidates: list[tuple[int, RecordFacts, int, str, list[_Cap]]] = []
    for record, per_req, cap_ids, amount, how, state, text in rows:
        matches, relevant, why = per_req[index]
        if state != _IN:
            # Voided and made-up records are listed where they would have counted; records
            # outside the period only under the total, so the other lists stay short.
            if is_total_like or (matches and state != _OUTSIDE):
                lines.append(Line(record.record_id, record.date, record.title, 0.0, False, text))
            continue
        if not matches:
            if relevant:
                lines.append(
                    Line(record.record_id, record.date, record.title, 0.0, False, text + why)
                )
            continue
        if amount == 0:
            lines.append(Line(record.record_id, record.date, record.title, 0.0, False, text + how))
            continue
        under = [cap for position, cap in caps if position in cap_ids] if caps else []
        candidates.append((len(lines), record, amount, text + how, under))
        lines.append(None)

    # Share capped hours out record by record, those under fewer caps first (then by date):
    # a record under two caps would otherwise use up both and leave credit unclaimed.
    cap_left = {cap.id: cap.max_units for _, cap in caps}
    credited = 0
    for slot, record, amount, how, under in (
        sorted(candidates, key=lambda c: (len(c[4]), c[1].date, c[1].record_id))
        if caps
        else candidates
    ):
        counted = amount
        limited_by: _Cap | None = None
        for cap in under:
            left = cap_left[cap.id]
            assert left is not None
            if counted > left:
                counted, limited_by = left, cap
        for cap in under:
            left = cap_left[cap.id]
            assert left is not None
            cap_left[cap.id] = left - counted
        note = how
        if limited_by is not None:
            assert limited_by.max_units is not None
            over, limit = _fmt(amount - counted), _fmt(limited_by.max_units)
            note = f"{over} of {_fmt(amount)} over the {limited_by.title.lower()} limit of {limit}"
        lines[slot] = Line(
            record.record_id, record.date, record.title, _hundredths_half_up(counted),
            counted > 0, note,
        )  # fmt: skip
        credited += counted
    return RequirementResult(
        id=spec.id,
        title=spec.title,
        kind="hours",
        required_units=required,
        credited_units=credited,
        met=credited >= required,
        local=req.local,
        explanation=[line for line in lines if line is not None],
    )


def _qualification(
    req: _Req, officer: OfficerFacts, ordered: Sequence[RecordFacts], span: Period
) -> RequirementResult:
    spec = req.spec
    required = req.required[""] or 0
    pass_percent = spec.pass_percent.value if isinstance(spec.pass_percent, Value) else None
    types = spec.per_weapon_type or [""]
    counts = dict.fromkeys(types, 0)
    lines: list[Line] = []
    for record in ordered:
        if record.kind != "qualification" or record.qualification != spec.qualification:
            continue

        def add(counted: bool, note: str, r: RecordFacts = record) -> None:
            lines.append(
                Line(
                    r.record_id,
                    r.date,
                    r.title or f"{spec.qualification} qualification",
                    0.0,
                    counted,
                    note,
                )
            )

        if record.voided:
            add(False, f"voided: {record.void_reason or 'no reason given'}")
            continue
        if not span.start <= record.date <= span.end:
            add(False, f"outside the period {span.label}")
            continue
        if spec.per_weapon_type and record.weapon_type not in counts:
            add(False, f"weapon type {record.weapon_type or '(none)'} is not one this rule counts")
            continue
        if record.result:
            passed = record.result == "pass"
        else:
            passed = (
                record.score_percent is not None
                and pass_percent is not None
                and record.score_percent >= pass_percent
            )
        if not passed:
            add(
                False,
                "failed"
                if record.result
                else (
                    f"score {record.score_percent}% below {pass_percent}%"
                    if record.score_percent is not None
                    else "no result or score given"
                ),
            )
            continue
        key = record.weapon_type if spec.per_weapon_type else ""
        counts[key] += 1
        add(True, f"passed{f' ({record.weapon_type})' if key else ''}")
    credited = min(counts.values()) if counts else 0
    return RequirementResult(
        id=spec.id,
        title=spec.title,
        kind="qualification",
        required_units=required,
        credited_units=min(credited, required) if required else credited,
        met=all(n >= required for n in counts.values()),
        local=req.local,
        explanation=lines,
    )
