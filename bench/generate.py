"""Write a deterministic, realistic officers.csv and records.csv for benchmarking `muster check`.

    .venv/bin/python bench/generate.py --out /tmp/bench-data
    .venv/bin/python bench/generate.py --officers 2000 --records-per-officer 20 --pack us-ks-cpost

The same seed and options always give byte-identical files. The columns are those that
`muster check` reads (muster.compliance.tabular.OFFICER_COLUMNS and RECORD_COLUMNS); the
categories, requirements and period come from the chosen rule pack, the topics from
muster.compliance.vocabulary. Each officer gets exactly --records-per-officer records:

* one record per conditioned hours requirement of the pack (e.g. Missouri's legal studies,
  firearms skill development, racial profiling, 8 approved-provider hours), sized to meet it;
* a firearms qualification for most officers (pass, or a fail followed by a pass);
* general training for the rest, drawn from a catalogue of --courses courses (default 2000,
  Zipf-like popularity) on the topics no requirement asks for, each with its title, topics,
  category, delivery (in person, live virtual, online, recorded, college), approved provider
  or not, and how its length is written (minutes mostly, certificate hours, semester hours);
  now and then the officer is the instructor;
* about 3 % of records dated in the previous period, 0.5 % voided, and for packs that allow
  make-up hours 0.5 % attributed to the previous period (done early in this one).

About --deficient-share of the officers are made deficient (too few hours, or a missing
requirement), about 3 % are licensed during the period (first-period exemption), 1 %
separated before it and 4 % are reserves.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from pathlib import Path

from muster.compliance.periods import Period
from muster.compliance.rulepack import Match, RulePack, Version, load_pack, load_pack_file
from muster.compliance.tabular import OFFICER_COLUMNS, RECORD_COLUMNS
from muster.compliance.vocabulary import TOPIC_CODES, TOPICS, WEAPON_TYPES

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Carlos", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty",
    "Mark", "Sandra", "Luis", "Ashley", "Kevin", "Kimberly", "Brian", "Emily", "Jamal",
    "Donna", "Andrew", "Michelle", "Joshua", "Maria",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "O'Brien",
)  # fmt: skip
ASSIGNMENTS = (
    ("patrol", 60), ("investigations", 12), ("traffic", 8), ("school_resource", 5),
    ("k9", 3), ("administration", 7), ("training", 5),
)  # fmt: skip
EMPLOYMENT = (("full_time", 86), ("part_time", 10), ("reserve", 4))
DELIVERY = (("in_person", 62), ("live_virtual", 13), ("online", 20), ("recorded_media", 5))
TITLE_SUFFIXES = (
    "annual update", "in-service", "refresher", "workshop", "roll-call training", "seminar",
    "online module", "practical", "regional course", "academy block",
)  # fmt: skip
# Which Missouri-style category a topic falls under; other packs' categories are drawn at
# random. Packs without categories leave the column empty.
CATEGORY_OF_TOPIC = {
    "legal_update": "legal_studies", "civil_rights": "legal_studies",
    "civil_liability": "legal_studies", "court_testimony": "legal_studies",
    "traffic": "technical_studies", "investigations": "technical_studies",
    "policy_update": "technical_studies", "leadership": "technical_studies",
    "field_training": "technical_studies",
    "racial_profiling": "interpersonal_perspectives",
    "implicit_bias": "interpersonal_perspectives",
    "de_escalation": "interpersonal_perspectives",
    "bias_based_policing": "interpersonal_perspectives",
    "anti_bias": "interpersonal_perspectives", "community_policing": "interpersonal_perspectives",
    "disabilities": "interpersonal_perspectives", "mental_health": "interpersonal_perspectives",
    "officer_wellness": "interpersonal_perspectives", "ethics": "interpersonal_perspectives",
    "communications": "interpersonal_perspectives",
    "firearms": "skill_development", "arrest_control": "skill_development",
    "driving": "skill_development", "restraint_holds": "skill_development",
    "use_of_force": "skill_development", "first_aid": "skill_development",
    "emt": "skill_development",
}  # fmt: skip
TOPIC_NAMES = {code: name for code, name, _ in TOPICS}


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


@dataclass
class _Plan:
    """What the generator knows of the pack: the period, and what its rules ask for."""

    pack: RulePack
    version: Version
    period: Period
    previous: Period
    categories: tuple[str, ...]
    total_hours: Decimal  # the largest unconditioned hours requirement
    conditioned: list[tuple[str, Decimal, Match]]  # (id, hours, match)
    special_topics: frozenset[str]  # topics some requirement asks for
    qualification: str  # the qualification a requirement asks for, or "firearms"
    qualification_required: bool
    minutes_per_hour: int
    make_up: bool


def _plan(pack: RulePack, label: str) -> _Plan:
    version = pack.versions[-1]
    rule = version.period.rule()
    try:
        period = rule.by_label(label)
    except ValueError as exc:  # e.g. packs whose periods start on each officer's own date
        raise SystemExit(f"generate.py: {exc}") from None
    previous = rule.previous(period)
    version = pack.version_for(period.start)
    total = Decimal(0)
    conditioned: list[tuple[str, Decimal, Match]] = []
    special: set[str] = set()
    qualification = "firearms"
    for req in version.requirements:
        if req.kind == "qualification":
            qualification = req.qualification or qualification
            continue
        hours = req.hours.value if req.hours is not None and req.hours.value is not None else None
        if hours is None:
            continue
        match = req.match
        if not (match.categories or match.topics or match.delivery or match.roles) and (
            match.approved_provider is None
        ):
            total = max(total, hours)
            continue
        conditioned.append((req.id, hours, match))
        special.update(match.topics)
    attendee = version.credit.attendee_minutes_per_hour.value
    return _Plan(
        pack=pack,
        version=version,
        period=period,
        previous=previous,
        categories=tuple(sorted(pack.category_codes)),
        total_hours=total or Decimal(24),
        conditioned=conditioned,
        special_topics=frozenset(special),
        qualification=qualification,
        qualification_required=any(r.kind == "qualification" for r in version.requirements),
        minutes_per_hour=int(attendee) if attendee is not None else 60,
        make_up=version.make_up.allowed,
    )


def _day_in(rng: random.Random, period: Period) -> dt.date:
    return period.start + dt.timedelta(days=rng.randrange((period.end - period.start).days + 1))


def _officer(rng: random.Random, n: int, plan: _Plan) -> tuple[list[str], str]:
    """An officers.csv row, and what the officer is meant to be: ok, deficient, exempt."""
    period = plan.period
    fate = "ok"
    roll = rng.random()
    licensed = period.start - dt.timedelta(days=rng.randrange(365, 365 * 25))
    separated: dt.date | None = None
    if roll < 0.03:
        licensed = _day_in(rng, period)
        fate = "exempt"
    elif roll < 0.04:
        separated = plan.previous.start + dt.timedelta(days=rng.randrange(300))
        fate = "exempt"
    elif rng.random() < 0.005:
        separated = _day_in(rng, period)
    hired = licensed - dt.timedelta(days=rng.randrange(0, 120))
    if licensed < period.start and rng.random() < 0.15:  # lateral hire: licensed elsewhere
        hired = licensed + dt.timedelta(days=rng.randrange(365, 365 * 8))
        hired = min(hired, period.start - dt.timedelta(days=30))
    employment = _weighted(rng, EMPLOYMENT)
    row = [
        f"P{n:06d}",
        f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        employment,
        licensed.isoformat(),
        hired.isoformat(),
        separated.isoformat() if separated else "",
        "A" if rng.random() < 0.92 else "B",
        _weighted(rng, ASSIGNMENTS),
    ]
    return row, fate


def _amount(plan: _Plan, hours: float, role: str, unit: str) -> dict[str, str]:
    """About `hours` credit hours, written in `unit` the way agencies write it."""
    hours = max(hours, 0.25)
    if unit == "minutes":
        per_hour = plan.minutes_per_hour if role == "attendee" else 60
        minutes = max(15, round(hours * per_hour / 5) * 5)
        return {"minutes": str(minutes)}
    if unit == "hours" or role == "instructor":
        quarter = max(Decimal("0.25"), Decimal(round(hours * 4)) / 4)
        return {"hours": f"{quarter.normalize():f}"}
    return {"semester_hours": str(max(1, round(hours / 8))), "delivery": "college"}


def _unit(rng: random.Random, college: bool = True) -> str:
    roll = rng.random()
    if roll < 0.70:
        return "minutes"
    return "hours" if roll < 0.985 or not college else "semester_hours"


@dataclass(frozen=True)
class _Course:
    """A course in the statewide catalogue that officers' records are drawn from."""

    title: str
    topics: tuple[str, ...]
    category: str
    delivery: str
    approved: bool
    unit: str  # how its hours are written: minutes, hours or semester_hours


def _catalogue(rng: random.Random, plan: _Plan, size: int) -> list[_Course]:
    """`size` courses on general topics (those no requirement asks for), most popular first."""
    general = sorted(TOPIC_CODES - plan.special_topics)
    courses = []
    for _ in range(size):
        topics = tuple(rng.sample(general, rng.choice((1, 1, 1, 2, 2, 3))))
        category = CATEGORY_OF_TOPIC.get(topics[0], "")
        if category not in plan.categories:
            category = rng.choice(plan.categories) if plan.categories else ""
        unit = _unit(rng)
        courses.append(
            _Course(
                title=f"{TOPIC_NAMES[topics[0]]} {rng.choice(TITLE_SUFFIXES)}",
                topics=topics,
                category=category,
                delivery="college" if unit == "semester_hours" else _weighted(rng, DELIVERY),
                approved=rng.random() < 0.4,
                unit=unit,
            )
        )
    return courses


def _record(
    rng: random.Random,
    plan: _Plan,
    officer_id: str,
    day: dt.date,
    hours: float,
    *,
    topics: tuple[str, ...],
    title: str,
    unit: str,
    category: str,
    delivery: str,
    approved: bool,
    role: str = "",
) -> dict[str, str]:
    role = role or ("instructor" if rng.random() < 0.04 else "attendee")
    if role == "instructor":
        delivery = "in_person"
    row = {
        "officer_id": officer_id,
        "date": day.isoformat(),
        "title": title,
        "kind": "training",
        "delivery": delivery,
        "role": role,
        "category": category,
        "topics": ";".join(topics),
        "approved_provider": "true" if approved else "false",
    }
    row.update(_amount(plan, hours, role, unit))
    return row


class _Catalogue:
    """The courses with Zipf-like popularity, and the same without some categories."""

    def __init__(self, courses: list[_Course]) -> None:
        self.courses = courses
        self._cache: dict[frozenset[str], tuple[list[_Course], list[float]]] = {}

    def without(self, categories: frozenset[str]) -> tuple[list[_Course], list[float]]:
        """Courses outside `categories`, and their cumulative weights for rng.choices."""
        cached = self._cache.get(categories)
        if cached is None:
            kept = [c for c in self.courses if c.category not in categories] or self.courses
            cached = (kept, list(accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(kept)))))
            self._cache[categories] = cached
        return cached


def _records(
    rng: random.Random, plan: _Plan, catalogue: _Catalogue, officer_id: str, fate: str, m: int
) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    period = plan.period
    # A firearms (or the pack's) qualification for most officers; sometimes a failed first try.
    quals = 0 if rng.random() < (0.02 if plan.qualification_required else 0.1) or m < 4 else 1
    for _ in range(quals):
        weapon = WEAPON_TYPES[0] if rng.random() < 0.85 else rng.choice(WEAPON_TYPES)
        passed = rng.random() > 0.06
        first = _day_in(rng, period)
        for result in ("fail", "pass") if not passed else ("pass",):
            out.append(
                {
                    "officer_id": officer_id,
                    "date": first.isoformat(),
                    "title": f"{plan.qualification.capitalize()} qualification",
                    "kind": "qualification",
                    "qualification": plan.qualification,
                    "result": result,
                    "weapon_type": weapon,
                }
            )
            first = min(period.end, first + dt.timedelta(days=rng.randrange(1, 30)))
    deficient = fate == "deficient"
    dropped: set[str] = set()
    scale = rng.uniform(1.1, 1.5)
    if deficient and plan.conditioned and rng.random() < 0.5:
        dropped.add(rng.choice(plan.conditioned)[0])
    elif deficient:
        scale = rng.uniform(0.45, 0.9)
    avoid_categories: set[str] = set()
    core_hours = 0.0
    for req_id, hours, match in plan.conditioned:
        if len(out) >= m:
            break
        if req_id in dropped:  # its topics are never in the catalogue; avoid its category
            avoid_categories.update(match.categories)
            continue
        wanted = float(hours) * (scale if deficient else rng.uniform(1.0, 1.6))
        # A topic that fits the requirement's category (legal studies: a legal update...).
        fitting = sorted(
            t
            for t in TOPIC_CODES - plan.special_topics
            if not match.categories or CATEGORY_OF_TOPIC.get(t) in match.categories
        ) or sorted(TOPIC_CODES - plan.special_topics)
        topic = match.topics[0] if match.topics else rng.choice(fitting)
        delivery = match.delivery[0] if match.delivery else ""
        if not delivery:
            delivery = "in_person" if match.exclude_delivery else _weighted(rng, DELIVERY)
        category = match.categories[0] if match.categories else ""
        if not category and plan.categories:
            mapped = CATEGORY_OF_TOPIC.get(topic, "")
            category = mapped if mapped in plan.categories else rng.choice(plan.categories)
        out.append(
            _record(
                rng,
                plan,
                officer_id,
                _day_in(rng, period),
                wanted,
                topics=(topic,),
                title=f"{TOPIC_NAMES[topic]} {rng.choice(TITLE_SUFFIXES)}",
                unit=_unit(rng, college=False),
                category=category,
                delivery=delivery,
                approved=(
                    match.approved_provider
                    if match.approved_provider is not None
                    else rng.random() < 0.4
                ),
                role=match.roles[0] if match.roles else "attendee",
            )
        )
        core_hours += wanted
    fillers = m - len(out)
    courses, weights = catalogue.without(frozenset(avoid_categories))
    remaining = max(float(plan.total_hours) * scale - core_hours, fillers * 0.25)
    for course in rng.choices(courses, cum_weights=weights, k=fillers):
        roll = rng.random()
        day = _day_in(rng, period)
        if roll < 0.03:
            day = _day_in(rng, plan.previous)
        row = _record(
            rng,
            plan,
            officer_id,
            day,
            remaining / fillers * rng.uniform(0.6, 1.4),
            topics=course.topics,
            title=course.title,
            unit=course.unit,
            category=course.category,
            delivery=course.delivery,
            approved=course.approved,
        )
        if roll > 0.995:
            row["voided"] = "true"
        elif plan.make_up and roll > 0.99 and day >= period.start:
            # Make-up hours for last period, done early in this one (before any grace date).
            row["attributed_to"] = plan.previous.label
            row["date"] = (period.start + dt.timedelta(days=rng.randrange(70))).isoformat()
        out.append(row)
    return out[:m]


def generate(
    out_dir: Path, pack: RulePack, officers: int, per_officer: int, label: str, seed: int,
    deficient_share: float = 0.12, courses: int = 2000,
) -> dict[str, object]:  # fmt: skip
    """Write officers.csv and records.csv into `out_dir`; returns a short summary."""
    rng = random.Random(seed)
    plan = _plan(pack, label)
    catalogue = _Catalogue(_catalogue(rng, plan, courses))
    out_dir.mkdir(parents=True, exist_ok=True)
    officer_rows: list[list[str]] = []
    records: list[dict[str, str]] = []
    fates = {"ok": 0, "deficient": 0, "exempt": 0}
    for n in range(1, officers + 1):
        row, fate = _officer(rng, n, plan)
        if fate == "ok" and rng.random() < deficient_share:
            fate = "deficient"
        fates[fate] += 1
        officer_rows.append(row)
        records.extend(_records(rng, plan, catalogue, row[0], fate, per_officer))
    # An export from a records system: in date order, ids given in that order.
    records.sort(key=lambda r: (r["date"], r["officer_id"]))
    with (out_dir / "officers.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(OFFICER_COLUMNS)
        writer.writerows(officer_rows)
    with (out_dir / "records.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(RECORD_COLUMNS)
        for i, record in enumerate(records, 1):
            record["record_id"] = f"R{i:08d}"
            writer.writerow([record.get(c, "") for c in RECORD_COLUMNS])
    return {
        "pack": pack.id,
        "period": plan.period.label,
        "officers": officers,
        "records": len(records),
        "intended": fates,
        "seed": seed,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--officers", type=int, default=20_000)
    parser.add_argument("--records-per-officer", type=int, default=20)
    parser.add_argument("--pack", default="us-mo-clee", help="pack id or a .yaml file")
    parser.add_argument("--period", default="2025", help="period label (default 2025)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench-data"))  # noqa: S108
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--deficient-share", type=float, default=0.12)
    parser.add_argument("--courses", type=int, default=2000, help="catalogue size (2000)")
    args = parser.parse_args(argv)
    pack = (
        load_pack_file(Path(args.pack))
        if args.pack.endswith((".yaml", ".yml"))
        else load_pack(args.pack)
    )
    started = time.perf_counter()
    summary = generate(
        args.out,
        pack,
        args.officers,
        args.records_per_officer,
        args.period,
        args.seed,
        args.deficient_share,
        args.courses,
    )
    took = time.perf_counter() - started
    sizes = {name: (args.out / name).stat().st_size for name in ("officers.csv", "records.csv")}
    print(
        f"wrote {args.out}/officers.csv ({summary['officers']} officers, "
        f"{sizes['officers.csv'] / 1e6:.1f} MB) and records.csv ({summary['records']} records, "
        f"{sizes['records.csv'] / 1e6:.1f} MB) for {summary['pack']} {summary['period']} "
        f"in {took:.1f} s; intended {summary['intended']}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
