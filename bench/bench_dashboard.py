"""Benchmark: the agency dashboard and the supervisor's home page at agency scale, on SQLite.

Target (issue): for an agency of 5,000 officers with 20 records each, the agency dashboard and
the supervisor's list answer in under 300 ms of server time on SQLite, with no query per
officer. The machine is noisy, so each round also times a floor in the same process: one
`SELECT count(*)` of the agency's officers plus reading all of their rows through the ORM.

    .venv/bin/python bench/bench_dashboard.py [--officers 5000] [--records 20] [--repeat 9]
    .venv/bin/python bench/bench_dashboard.py --db /tmp/dash.sqlite3   # reuse a built database

It builds its own SQLite database (in a temporary folder, or at --db, kept for reuse): one
Missouri agency with a 39-unit tree, officers bulk-created (12 % made deficient, 3 % newly
licensed, 1 % separated, 4 % reserves), 20 records each (16 in the current period, 4 in the
previous one, with categories, topics and approved providers so most officers comply),
enrolments of a third of the deficient officers in scheduled sessions, and then every
snapshot through `recompute_all`. Each page is fetched with Django's test Client (server
time: the whole request cycle in process, no network); one warm-up, then --repeat rounds.
Prints JSON and writes it to bench/results/dashboard.json unless --no-save.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ("legal_studies", "technical_studies", "interpersonal_perspectives")
TOPICS = ("racial_profiling", "implicit_bias", "de_escalation", "firearms", "legal_update")


def _setup(db: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "muster.settings",
            "SECRET_KEY": "bench-only",
            "MUSTER_DATA_DIR": str(db.parent),
            "MUSTER_ENV_FILE": os.devnull,
            "DATABASE_URL": f"sqlite:///{db}",
            "ALLOWED_HOSTS": "testserver",
        }
    )
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _build(officers: int, per_officer: int, seed: int) -> dict[str, Any]:
    """Fill the empty database; returns what the timing needs and how long building took."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from muster.accounts.models import Membership, Role, User
    from muster.agencies.models import Unit
    from muster.agencies.services import create_agency
    from muster.compliance.services import recompute_all
    from muster.core.services import SYSTEM
    from muster.people.models import Officer
    from muster.training.models import Course, Enrolment, Session, Topic, TrainingRecord

    rng = random.Random(seed)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    agency = create_agency(
        acting_user=SYSTEM, name="Bench County Sheriff", state="MO", ori="MO0000001",
        time_zone="America/Chicago", rule_pack="us-mo-clee", course_id_prefix="BC",
    )  # fmt: skip
    today = agency.today()
    year = today.year
    units: list[Unit] = []
    sections: list[Unit] = []
    for b in range(3):
        bureau = Unit.objects.create(agency=agency, name=f"Bureau {b + 1}", kind="bureau")
        units.append(bureau)
        for d in range(3):
            division = Unit.objects.create(
                agency=agency, parent=bureau, name=f"Division {b + 1}.{d + 1}", kind="division"
            )
            units.append(division)
            for s in range(3):
                section = Unit.objects.create(
                    agency=agency, parent=division, name=f"Section {b + 1}.{d + 1}.{s + 1}",
                    kind="section",
                )  # fmt: skip
                units.append(section)
                sections.append(section)
    topics = {
        code: Topic.objects.get_or_create(
            code=code, defaults={"name": code.replace("_", " ").capitalize()}
        )[0]
        for code in TOPICS
    }
    plan: list[tuple[Officer, str]] = []
    batch: list[Officer] = []
    for i in range(officers):
        roll = rng.random()
        kind = (
            "deficient" if roll < 0.12 else "new" if roll < 0.15
            else "separated" if roll < 0.16 else "ok"
        )  # fmt: skip
        unit = (
            None if rng.random() < 0.02 else rng.choice(sections if rng.random() < 0.9 else units)
        )
        officer = Officer(
            agency=agency, unit=unit, first_name=f"First{i}", last_name=f"Last{i:05d}",
            serial_number=f"S{i:05d}", rank="Deputy",
            employment="reserve" if rng.random() < 0.04 else "full_time",
            hired_on=dt.date(year, 1, 15) if kind == "new" else dt.date(2010, 6, 1),
            first_licensed_on=dt.date(year, 1, 10) if kind == "new" else dt.date(2010, 5, 1),
            status="separated" if kind == "separated" else "active",
            separated_on=dt.date(year - 1, 3, 1) if kind == "separated" else None,
        )  # fmt: skip
        batch.append(officer)
        plan.append((officer, kind))
    Officer.objects.bulk_create(batch, batch_size=1000)
    span = (today - dt.date(year, 1, 1)).days
    records: list[TrainingRecord] = []
    record_topics: list[tuple[int, str]] = []  # (index in records, topic code)
    for officer, kind in plan:
        current = per_officer * 4 // 5
        for j in range(per_officer):
            this_year = j < current
            day = (
                dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, span))
                if this_year
                else dt.date(year - 1, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
            )
            # Deficient officers attend short sessions only this period.
            short = this_year and kind == "deficient"
            minutes = 30 if short else rng.choice((100, 100, 150, 200))
            category = "skill_development" if j % 5 == 4 else CATEGORIES[j % 3]
            records.append(
                TrainingRecord(
                    officer=officer,
                    kind="outside",
                    completed_on=day,
                    title=f"Course {j % 40}",
                    minutes=minutes,
                    delivery="in_person",
                    category=category,
                    approved_provider=j % 2 == 0,
                    provider="Regional academy",
                    source="import",
                )
            )
            if j % 5 == 4:
                record_topics.append((len(records) - 1, "firearms"))
            elif j < 3:
                record_topics.append((len(records) - 1, TOPICS[j]))
            elif j % 7 == 0:
                record_topics.append((len(records) - 1, "legal_update"))
    with transaction.atomic():
        TrainingRecord.objects.bulk_create(records, batch_size=2000)
        through = TrainingRecord.topics.through
        through.objects.bulk_create(
            [
                through(trainingrecord_id=records[i].pk, topic_id=topics[code].pk)
                for i, code in record_topics
            ],
            batch_size=5000,
        )
    courses = [
        Course.objects.create(
            agency=agency,
            course_id=f"BC-{n:05d}",
            title=f"Make-up course {n}",
            credit_minutes=rng.choice((100, 200, 400)),
            delivery="in_person",
            category=CATEGORIES[n % 3],
            provider="Training Unit",
        )
        for n in range(10)
    ]
    soon = timezone.now() + dt.timedelta(days=3)
    sessions = [
        Session.objects.create(
            course=c,
            starts_at=soon + dt.timedelta(days=n),
            location="Academy",
            ends_at=soon + dt.timedelta(days=n, hours=4),
        )
        for n, c in enumerate(courses)
    ]
    Enrolment.objects.bulk_create(
        [
            Enrolment(officer=o, session=rng.choice(sessions), status="enrolled")
            for o, kind in plan
            if kind == "deficient" and rng.random() < 0.33
        ]
    )
    built = time.perf_counter() - started
    started = time.perf_counter()
    recompute_all(agency=agency)
    snapshots = time.perf_counter() - started
    director = User.objects.create_user("director")  # force_login: no password
    Membership.objects.create(user=director, role=Role.TRAINING_DIRECTOR, agency=agency)
    supervisor = User.objects.create_user("supervisor")
    Membership.objects.create(user=supervisor, role=Role.SUPERVISOR, agency=agency, unit=units[0])
    return {"build_s": round(built, 1), "snapshots_s": round(snapshots, 1)}


def _time(fn: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--officers", type=int, default=5000)
    parser.add_argument("--records", type=int, default=20, help="records per officer")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--db", type=Path, help="SQLite file to build (or reuse if present)")
    parser.add_argument("--results", type=Path, default=ROOT / "bench/results/dashboard.json")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()

    db = args.db or Path(tempfile.mkdtemp(prefix="muster-bench-")) / "bench.sqlite3"
    reuse = db.exists()
    _setup(db.resolve())
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from muster.accounts.models import Membership, User
    from muster.agencies.models import Agency
    from muster.compliance.models import ComplianceSnapshot
    from muster.people.models import Officer
    from muster.training.models import TrainingRecord

    build = {"reused": str(db)} if reuse else _build(args.officers, args.records, args.seed)
    agency = Agency.objects.get(ori="MO0000001")
    pages = {
        "dashboard": (
            User.objects.get(username="director"),
            reverse("dashboard", args=[agency.pk]),
        ),
        "supervisor_home": (User.objects.get(username="supervisor"), reverse("home")),
        "supervisor_unit_list": (
            User.objects.get(username="supervisor"),
            reverse(
                "unit-compliance",
                args=[Membership.objects.get(user__username="supervisor").unit_id],
            ),
        ),
    }

    def floor() -> None:
        officers = Officer.objects.filter(agency=agency)
        officers.count()
        list(officers)

    results: dict[str, Any] = {}
    floor_ms: list[float] = []
    for name, (user, address) in pages.items():
        client = Client()
        client.force_login(user)
        warm = client.get(address)
        assert warm.status_code == 200, (name, warm.status_code)
        statements: list[str] = []

        def count(execute: Any, sql: str, *rest: Any, log: list[str] = statements) -> Any:
            log.append(sql)
            return execute(sql, *rest)

        # Not CaptureQueriesContext: the request_started signal empties the query log.
        with connection.execute_wrapper(count):
            client.get(address)
        page_ms: list[float] = []
        ratios: list[float] = []
        for _ in range(args.repeat):
            f = _time(floor, 1)[0]
            p = _time(lambda c=client, a=address: c.get(a), 1)[0]
            floor_ms.append(f)
            page_ms.append(p)
            ratios.append(p / f)
        results[name] = {
            "url": address,
            "queries": len(statements),
            "best_ms": round(min(page_ms), 1),
            "median_ms": round(statistics.median(page_ms), 1),
            "median_ratio_to_floor": round(statistics.median(ratios), 2),
            "under_300_ms": statistics.median(page_ms) < 300,
        }
    out = {
        "benchmark": "dashboard",
        "date": dt.date.today().isoformat(),
        "machine": (
            f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}"
        ),
        "data": {
            "officers": Officer.objects.filter(agency=agency).count(),
            "records": TrainingRecord.objects.filter(officer__agency=agency).count(),
            "snapshots": ComplianceSnapshot.objects.filter(officer__agency=agency).count(),
            **build,
        },
        "floor": {
            "what": "SELECT count(*) of the agency's officers + reading all their rows (ORM)",
            "best_ms": round(min(floor_ms), 1),
            "median_ms": round(statistics.median(floor_ms), 1),
        },
        "repeat": args.repeat,
        "pages": results,
    }
    text = json.dumps(out, indent=2)
    print(text)
    if not args.no_save:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
