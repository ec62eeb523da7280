"""Rule packs: the schema of a pack's YAML file, and loading it with errors that name the line.

A pack is data a non-programmer can read (docs/rulepacks.md). Every number in it carries
its source and whether it is confirmed. A pack has effective-dated versions; a period is
judged by the version in force on the period's first day.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from muster.compliance.periods import PeriodRule
from muster.compliance.vocabulary import DELIVERY_CODES, LEAVE_KINDS, TOPIC_CODES

# Credit is counted in whole "credit seconds" (3600 to the hour), so that 50-minute hours,
# 60-minute hours and hundredths of an hour all add up exactly, with no rounding drift.
UNITS_PER_HOUR = 3600

Employment = Literal["full_time", "part_time", "reserve"]
Role = Literal["attendee", "instructor"]


class PackError(Exception):
    """A pack (or overlay) that cannot be used; the message names the file and line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Value(_Strict):
    """A number with its citation: `{value: 24, source: csr-15-010, confirmed: true}`."""

    value: Decimal | None
    source: str
    confirmed: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _known_or_unconfirmed(self) -> Value:
        if self.value is None and self.confirmed:
            raise ValueError("a value may be empty (null) only when it is marked confirmed: false")
        if self.value is not None and self.value < 0:
            raise ValueError("a value cannot be negative")
        return self

    def units(self) -> int | None:
        """The value as credit units (for hour values)."""
        if self.value is None:
            return None
        units = self.value * UNITS_PER_HOUR
        if units != units.to_integral_value():
            raise ValueError(f"{self.value} hours is finer than a second of credit")
        return int(units)


class Source(_Strict):
    """A document a value is taken from."""

    title: str
    url: str = ""
    note: str = ""


class Category(_Strict):
    """A state's own category of training (Missouri's core areas)."""

    code: str
    title: str
    description: str = ""


class PeriodSpec(_Strict):
    """How the pack cuts time into periods."""

    kind: Literal["calendar_year", "training_year", "cycle", "anniversary"]
    start_month: int = Field(1, ge=1, le=12)
    start_day: int = Field(1, ge=1, le=28)
    label_year: Literal["start", "end"] = "end"
    years: int = Field(1, ge=1, le=10)
    anchor_year: int = 2000
    unit_years: int | None = Field(None, ge=1, le=10)
    months: int = Field(12, ge=1, le=120)
    anchor: Literal["licensed_on", "hired_on"] = "licensed_on"
    source: str

    @model_validator(mode="after")
    def _units_divide_cycle(self) -> PeriodSpec:
        if self.unit_years and (self.kind != "cycle" or self.years % self.unit_years):
            raise ValueError("unit_years must divide the years of a cycle")
        return self

    def rule(self) -> PeriodRule:
        """The period arithmetic for this spec."""
        return PeriodRule(
            kind=self.kind,
            start_month=self.start_month,
            start_day=self.start_day,
            label_year=self.label_year,
            years=self.years,
            anchor_year=self.anchor_year,
            unit_years=self.unit_years,
            months=self.months,
        )


class Match(_Strict):
    """Which training a requirement or cap looks at; every condition given must hold."""

    categories: list[str] = []  # any of these categories
    topics: list[str] = []  # any of these topics
    delivery: list[str] = []  # any of these delivery methods
    roles: list[Role] = []
    approved_provider: bool | None = None
    exclude_delivery: list[str] = []  # never counts, whatever else matches
    source: str = ""  # where a condition comes from, when it needs saying
    confirmed: bool = True

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - TOPIC_CODES)
        if unknown:
            raise ValueError(
                f"unknown topic {', '.join(unknown)}; "
                f"known topics: {', '.join(sorted(TOPIC_CODES))}"
            )
        return value

    @field_validator("delivery", "exclude_delivery")
    @classmethod
    def _known_delivery(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(DELIVERY_CODES))
        if unknown:
            raise ValueError(
                f"unknown delivery {', '.join(unknown)}; known: {', '.join(DELIVERY_CODES)}"
            )
        return value

    def is_empty(self) -> bool:
        """True when the match takes all training."""
        return not (
            self.categories
            or self.topics
            or self.delivery
            or self.roles
            or self.approved_provider is not None
            or self.exclude_delivery
        )


class AppliesTo(_Strict):
    """Whom a version or requirement applies to; an empty list means everyone."""

    employment: list[Employment] = []
    licence_classes: list[str] = []
    assignments: list[str] = []


class Prorate(_Strict):
    """Required hours pro-rated by months employed in the period."""

    hours_per_month: Value


class Requirement(_Strict):
    """One thing an officer must do in a period: hours of some training, or qualifications."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    description: str = ""
    kind: Literal["hours", "qualification"] = "hours"
    hours: Value | None = None
    hours_by_employment: dict[Employment, Value] = {}
    match: Match = Match()
    per: Literal["period", "unit"] = "period"
    applies_to: AppliesTo = AppliesTo()
    waivable: bool = True  # false: no waiver, leave or extension excuses it (Kansas firearms)
    prorate: Prorate | None = None
    # qualification requirements
    qualification: str | None = None
    count: Value | None = None
    per_weapon_type: list[str] = []
    pass_percent: Value | None = None

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Requirement:
        if self.kind == "hours":
            if self.hours is None:
                raise ValueError("an hours requirement needs `hours`")
            if self.qualification or self.count or self.per_weapon_type:
                raise ValueError("qualification fields belong to a qualification requirement")
        else:
            if not self.qualification or self.count is None:
                raise ValueError("a qualification requirement needs `qualification` and `count`")
            if self.hours is not None or self.prorate is not None:
                raise ValueError("a qualification requirement counts passes, not hours")
        return self


class Cap(_Strict):
    """At most so many hours of some training count toward some requirements."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    match: Match
    max_hours: Value
    applies_to_requirements: list[str] = ["total"]
    suspended_for_periods: list[str] = []
    suspension_source: str = ""


class Credit(_Strict):
    """How minutes, certificate hours and college semester hours become credit hours.

    An unknown college rate (null, unconfirmed) gives college courses no credit, said so.
    """

    attendee_minutes_per_hour: Value
    instructor_minutes_per_hour: Value
    college_hours_per_semester_hour: Value
    # Deliveries that earn instructor credit (empty: any); Missouri credits an in-person audience.
    instructor_delivery: list[str] = []

    @model_validator(mode="after")
    def _exact_minutes(self) -> Credit:
        for name in ("attendee_minutes_per_hour", "instructor_minutes_per_hour"):
            value = getattr(self, name).value
            if value is None or value <= 0 or value != int(value) or UNITS_PER_HOUR % int(value):
                raise ValueError(f"{name} must be a whole number of minutes that divides 3600")
        return self


class FirstPeriod(_Strict):
    """The exemption of newly licensed officers."""

    rule: Literal["none", "rest_of_first_period", "until_second_full_period"]
    source: str
    confirmed: bool = True


class Grace(_Strict):
    """Time after the period's end to finish, before consequences (e.g. March 15)."""

    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    source: str
    confirmed: bool = True

    @model_validator(mode="after")
    def _a_real_day(self) -> Grace:
        try:
            dt.date(2001, self.month, self.day)  # a common year: February 29 is refused
        except ValueError:
            raise ValueError(f"{self.month}/{self.day} is not a day of every year") from None
        return self


class Waivers(_Strict):
    """The reasons for which the state waives or extends a period's requirements."""

    reasons: list[str] = []
    # Reasons that waive only some requirements, e.g. perishable_skills: [perishable_skills, ...]
    scope: dict[str, list[str]] = {}
    # Reasons that only extend the deadline (with a date); they never waive (Kansas).
    extension_only: list[str] = []
    leave_kinds_waive_whole_period: list[str] = []
    source: str
    confirmed: bool = True

    @field_validator("leave_kinds_waive_whole_period")
    @classmethod
    def _known_leave(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(LEAVE_KINDS))
        if unknown:
            raise ValueError(
                f"unknown leave kind {', '.join(unknown)}; known: {', '.join(LEAVE_KINDS)}"
            )
        return value


class MakeUp(_Strict):
    """Whether hours done later may be attributed to a past period, and where they count."""

    allowed: bool
    counts_in_current_period_too: bool = False
    until_grace: bool = False  # only make-up done by the grace date counts
    source: str
    confirmed: bool = True


class CarryOver(_Strict):
    """Whether surplus hours roll into the next period (no shipped state allows it)."""

    allowed: Literal[False] = False
    source: str
    confirmed: bool = True


class Version(_Strict):
    """The rule as it stood from one date until the next version."""

    version: str
    effective_from: dt.date
    effective_from_confirmed: bool = True
    summary: str = ""
    period: PeriodSpec
    applies_to: AppliesTo = AppliesTo()
    credit: Credit
    requirements: list[Requirement]
    caps: list[Cap] = []
    first_period: FirstPeriod
    grace: Grace | None = None
    waivers: Waivers
    make_up: MakeUp
    carry_over: CarryOver

    @model_validator(mode="after")
    def _ids_are_unique_and_linked(self) -> Version:
        ids = [r.id for r in self.requirements]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"requirement ids must be unique: {', '.join(duplicates)}")
        for cap in self.caps:
            missing = sorted(set(cap.applies_to_requirements) - set(ids))
            if missing:
                raise ValueError(f"cap {cap.id} names unknown requirements: {', '.join(missing)}")
        return self

    def all_sources(self) -> Iterable[str]:
        """Every source key this version cites."""
        yield self.period.source
        for value in _values(self):
            yield value.source
        yield self.first_period.source
        if self.grace:
            yield self.grace.source
        yield self.waivers.source
        yield self.make_up.source
        yield self.carry_over.source


def _values(model: BaseModel) -> Iterable[Value]:
    for name in type(model).model_fields:
        item = getattr(model, name)
        for sub in (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else [item]
        ):
            if isinstance(sub, Value):
                yield sub
            elif isinstance(sub, BaseModel):
                yield from _values(sub)


class OutOfState(_Strict):
    """Which other states' courses earn this state's credit (for example Missouri: a course
    from a state that Missouri POST approves, seed 001 II.A). An empty list credits none."""

    recognised_states: list[str] = []
    source: str
    confirmed: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _state_codes(self) -> OutOfState:
        bad = [s for s in self.recognised_states if len(s) != 2 or not s.isupper()]
        if bad:
            raise ValueError(f"recognised_states are two-letter codes like KS: {', '.join(bad)}")
        return self


class RulePack(_Strict):
    """A jurisdiction's in-service rule: sources, categories, and dated versions."""

    id: str = Field(pattern=r"^[a-z]{2}-[a-z]{2}-[a-z0-9-]+$")
    title: str
    jurisdiction: str
    authority: str
    summary: str = ""
    sources: dict[str, Source]
    categories: list[Category] = []
    out_of_state: OutOfState | None = None
    versions: list[Version] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> RulePack:
        codes = {c.code for c in self.categories}
        if self.out_of_state and self.out_of_state.source not in self.sources:
            raise ValueError(
                f"out_of_state cites source {self.out_of_state.source}, "
                "which is not listed under sources"
            )
        dates = [v.effective_from for v in self.versions]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError(
                "versions must be listed oldest first, with different effective_from dates"
            )
        for version in self.versions:
            missing = sorted(set(version.all_sources()) - set(self.sources))
            if missing:
                raise ValueError(
                    f"version {version.version} cites sources not listed under sources: "
                    f"{', '.join(missing)}"
                )
            cited = [r.match.source for r in version.requirements if r.match.source]
            cited += [c.suspension_source for c in version.caps if c.suspension_source]
            uncited = sorted(set(cited) - set(self.sources))
            if uncited:
                raise ValueError(
                    f"version {version.version} cites sources not listed under sources: "
                    f"{', '.join(uncited)}"
                )
            ids = {r.id for r in version.requirements}
            for reason, scoped in version.waivers.scope.items():
                if reason not in version.waivers.reasons:
                    raise ValueError(f"waivers.scope names '{reason}', which is not in reasons")
                unknown_ids = sorted(set(scoped) - ids)
                if unknown_ids:
                    raise ValueError(
                        f"waivers.scope.{reason} names unknown requirements: "
                        f"{', '.join(unknown_ids)}"
                    )
            items: list[Requirement | Cap] = [*version.requirements, *version.caps]
            for item in items:
                unknown = sorted(set(item.match.categories) - codes)
                if unknown:
                    raise ValueError(
                        f"{item.id} names unknown categories {', '.join(unknown)}; "
                        f"this pack's categories: {', '.join(sorted(codes)) or 'none'}"
                    )
        return self

    def recognises_state(self, state: str) -> bool:
        """Whether a course from `state` may earn this pack's (POST) credit."""
        if state.upper() == self.jurisdiction_state:
            return True
        recognised = self.out_of_state.recognised_states if self.out_of_state else []
        return state.upper() in recognised

    @property
    def jurisdiction_state(self) -> str:
        """The two-letter state of the pack, from its id (us-mo-clee: MO)."""
        return self.id.split("-")[1].upper()

    @property
    def category_codes(self) -> frozenset[str]:
        """The pack's category codes."""
        return frozenset(c.code for c in self.categories)

    def version_for(self, day: dt.date) -> Version:
        """The version in force on `day` (the first version for days before any)."""
        chosen = self.versions[0]
        for version in self.versions:
            if version.effective_from <= day:
                chosen = version
        return chosen


# --- Overlays: an agency's stricter local requirements and its unconfirmed values ---------


class Override(_Strict):
    """A new value for an unconfirmed number of the state pack, for one agency."""

    path: str = Field(description="e.g. requirements.total.hours or caps.media.max_hours")
    value: Decimal
    reason: str


class Overlay(_Strict):
    """An agency's additions to a state pack: local requirements and overridden values."""

    pack: str
    requirements: list[Requirement] = []
    overrides: list[Override] = []


# --- Loading --------------------------------------------------------------------------------


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the YAML node at a pydantic error location."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if node is None:
            break
        if isinstance(node, yaml.MappingNode):
            found = None
            for key, value in node.value:
                if key.value == part:
                    found = value
                    line = key.start_mark.line + 1
                    break
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
            if node is not None:
                line = node.start_mark.line + 1
        else:
            break
    return line


def _describe(error: ErrorDetails) -> str:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    where = ".".join(str(p) for p in loc)
    if error["type"] == "extra_forbidden":
        return f"unknown key '{loc[-1]}'" + (
            f" in {'.'.join(str(p) for p in loc[:-1])}" if len(loc) > 1 else ""
        )
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _parse(model: type[_Strict], text: str, name: str) -> Any:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise PackError(f"{name}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            line = _line_of(node, tuple(error["loc"]))
            lines.append(
                f"{name}, line {line}: {_describe(error)}"
                if line
                else f"{name}: {_describe(error)}"
            )
        raise PackError("\n".join(lines)) from None


def parse_pack(text: str, name: str = "<pack>") -> RulePack:
    """A pack from YAML text; PackError names the line of every problem."""
    pack: RulePack = _parse(RulePack, text, name)
    return pack


def parse_overlay(text: str, name: str = "<overlay>") -> Overlay:
    """An agency overlay from YAML text."""
    overlay: Overlay = _parse(Overlay, text, name)
    return overlay


def pack_ids() -> list[str]:
    """The ids of the packs Muster ships."""
    folder = resources.files("muster") / "rulepacks"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


@cache
def load_pack(pack_id: str) -> RulePack:
    """A shipped pack by id; PackError lists the known ids when there is no such pack."""
    if pack_id not in pack_ids():
        raise PackError(f"unknown rule pack '{pack_id}'; known packs: {', '.join(pack_ids())}")
    path = resources.files("muster") / "rulepacks" / f"{pack_id}.yaml"
    return parse_pack(path.read_text(encoding="utf-8"), f"{pack_id}.yaml")


def load_pack_file(path: Path) -> RulePack:
    """A pack from a file of one's own (for authors trying a change)."""
    return parse_pack(path.read_text(encoding="utf-8"), path.name)


def json_schema() -> str:
    """The JSON Schema of a pack file, for editors."""
    return json.dumps(RulePack.model_json_schema(), indent=2, sort_keys=True)
