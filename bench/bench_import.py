"""Benchmark: `muster import --kind records` of 100,000 training records on SQLite.

Target (issue 7): 100,000 records import in under 60 s on SQLite. Each round builds a fresh
database (migrate, one Missouri agency, its roster imported with `muster import --kind
officers`), then times, one after the other:

- the floor: Python's csv.DictReader merely reading the same records file, and
- `muster import --kind records` of that file (check, write, audit, compliance refresh),

and reports seconds and the ratio import/floor per round (the machines are noisy; the
ratio is what compares across runs). Nothing here runs under pytest.

    .venv/bin/python bench/bench_import.py --records 100000 --officers 1000 --repeat 3
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUSTER = [sys.executable, "-m", "muster.cli"]
ORI = "MO0990000"
CATEGORIES = [
    "legal_studies",
    "technical_studies",
    "interpersonal_perspectives",
    "skill_development",
]
TOPICS = ["", "", "", "racial_profiling", "implicit_bias", "de_escalation"]


def generate(out: Path, officers: int, records: int, seed: int, year: int) -> tuple[Path, Path]:
    """A roster of `officers` and `records` training rows spread over them (deterministic)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    roster = out / "officers.csv"
    with roster.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["serial_number", "first_name", "last_name", "rank", "hired_on"])
        for n in range(officers):
            writer.writerow([f"S{n:05d}", f"First{n}", f"Last{n}", "Officer", "2015-01-05"])
    rows = out / "records.csv"
    start = dt.date(year, 1, 1)
    with rows.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["serial_number", "date", "title", "minutes", "hours", "category", "topics",
             "delivery", "record_id"]
        )  # fmt: skip
        for n in range(records):
            day = start + dt.timedelta(days=rng.randrange(330))
            stated = rng.random() < 0.1
            writer.writerow(
                [
                    f"S{rng.randrange(officers):05d}",
                    day.isoformat(),
                    f"In-service block {rng.randrange(400)}",
                    "" if stated else rng.choice([60, 120, 240, 480]),
                    rng.choice(["1", "2.5", "8"]) if stated else "",
                    rng.choice(CATEGORIES),
                    rng.choice(TOPICS),
                    rng.choice(["in_person", "in_person", "online", "live_virtual"]),
                    f"LMS-{n}",
                ]
            )
    return roster, rows


def _env(data_dir: Path, src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        MUSTER_DATA_DIR=str(data_dir),
        MUSTER_ENV_FILE=os.devnull,
        SECRET_KEY="bench-only",  # noqa: S106 (a throwaway database)
        PYTHONPATH=str(src),
    )
    return env


def _fresh_database(data_dir: Path, src: Path, roster: Path) -> None:
    env = _env(data_dir, src)
    subprocess.run([*MUSTER, "manage", "migrate", "-v", "0"], env=env, check=True)
    make_agency = (
        "from muster.agencies.models import Agency;"
        f"Agency.objects.create(name='Bench PD', state='MO', ori='{ORI}',"
        " time_zone='America/Chicago', rule_pack='us-mo-clee', course_id_prefix='BPD')"
    )
    subprocess.run([*MUSTER, "manage", "shell", "-c", make_agency], env=env, check=True)
    subprocess.run(
        [*MUSTER, "import", "--agency", ORI, "--kind", "officers", str(roster), "--quiet"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _floor(rows: Path) -> float:
    """The best of five reads of the file with csv.DictReader (a short floor is noisy)."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        with rows.open(newline="") as handle:
            for _row in csv.DictReader(handle):
                pass
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    """Run the rounds and print (and save) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--officers", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--results", type=Path, default=ROOT / "bench/results/import.json")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    year = dt.date.today().year - 1
    rounds = []
    with tempfile.TemporaryDirectory(prefix="muster-bench-import-") as scratch:
        roster, rows = generate(
            Path(scratch) / "data", args.officers, args.records, args.seed, year
        )
        for n in range(args.repeat):
            data_dir = Path(scratch) / f"round{n}"
            _fresh_database(data_dir, args.src, roster)
            floor = _floor(rows)
            cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(
                [*MUSTER, "import", "--agency", ORI, "--kind", "records", str(rows), "--quiet"],
                env=_env(data_dir, args.src),
                capture_output=True,
                text=True,
            )
            seconds = time.perf_counter() - started
            cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
                cpu_after.ru_stime - cpu_before.ru_stime
            )
            if done.returncode != 0:
                print(done.stderr[-3000:], file=sys.stderr)
                return 1
            line = done.stdout.strip().splitlines()[-1]
            rounds.append(
                {"import_s": seconds, "cpu_s": cpu, "floor_s": floor, "ratio": seconds / floor}
            )
            print(
                f"round {n + 1}: import {seconds:.1f} s, CPU {cpu:.1f} s ({line}); "
                f"floor {floor:.2f} s; ratio {seconds / floor:.0f}x",
                flush=True,
            )
    best = min(r["import_s"] for r in rounds)
    result = {
        "records": args.records,
        "officers": args.officers,
        "best_import_s": round(best, 2),
        "median_import_s": round(statistics.median(r["import_s"] for r in rounds), 2),
        "median_ratio": round(statistics.median(r["ratio"] for r in rounds), 1),
        "best_cpu_s": round(min(r["cpu_s"] for r in rounds), 2),
        "target_s": 60,
        "rounds": rounds,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "rounds"}))
    if not args.no_save:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if best < 60 else 1


if __name__ == "__main__":
    sys.exit(main())
