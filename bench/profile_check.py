"""Where `muster check` spends its time and memory, phase by phase and function by function.

    .venv/bin/python bench/profile_check.py --data /tmp/bench-data
    .venv/bin/python bench/profile_check.py --data /tmp/bench-data --cprofile --top 25

Without --cprofile it replays what muster.compliance.check._run does for --format json, one
phase at a time, timing each with no profiler attached and noting the peak resident memory
after it (ru_maxrss only grows, so each figure is the peak so far). With --cprofile it runs
`muster check` itself (muster.cli.main) under cProfile, with stdout to /dev/null, prints the
top functions by own time and by cumulative time and saves the stats for snakeviz/pstats.
The floor (csv.DictReader reading both files) is timed in the same process for comparison.
--no-gc runs with the cyclic garbage collector disabled, to show what it costs. To profile
another source tree (e.g. `git archive HEAD src | tar -x -C /tmp/muster-head`), run with
PYTHONPATH=/tmp/muster-head/src.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import gc
import io
import os
import pstats
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def _floor(officers: Path, records: Path) -> float:
    started = time.perf_counter()
    for path in (officers, records):
        with path.open(newline="", encoding="utf-8") as handle:
            for _row in csv.DictReader(handle):
                pass
    return time.perf_counter() - started


def phases(officers: Path, records: Path, pack_id: str, label: str) -> None:
    """Time each phase of a `--format json` check without a profiler."""
    import orjson

    from muster.compliance.evaluator import Evaluator
    from muster.compliance.rulepack import load_pack
    from muster.compliance.tabular import read_officers, read_records

    rows: list[tuple[str, float, float]] = []

    def timed(name: str, work: Callable[[], T]) -> T:
        started = time.perf_counter()
        value = work()
        rows.append((name, time.perf_counter() - started, _peak_mb()))
        return value

    floor = _floor(officers, records)
    pack = timed("load pack", lambda: load_pack(pack_id))
    evaluator = Evaluator(pack)
    people = timed("read_officers", lambda: read_officers(officers))
    by_officer = timed("read_records", lambda: read_records(records, people, pack.category_codes))

    def evaluate_all() -> list[Any]:
        out = []
        for officer_id, officer in people.items():
            period = evaluator.period_for(officer, label=label)
            out.append(evaluator.evaluate(officer, by_officer[officer_id], period))
        return out

    results = timed("evaluate (all officers)", evaluate_all)
    dicts = timed("as_dict (all results)", lambda: [r.as_dict() for r in results])
    document = {"pack": {"id": pack.id, "version": results[0].version}, "officers": dicts}
    data = timed("orjson.dumps", lambda: orjson.dumps(document))

    def write() -> None:
        with open(os.devnull, "wb") as sink:
            sink.write(data)

    timed("write to /dev/null", write)
    explanation_lines = sum(len(q.explanation) for r in results for q in r.requirements)
    total = sum(t for _, t, _ in rows)
    print(f"floor (csv.DictReader, same process): {floor:.2f} s")
    print(f"{'phase':<26} {'seconds':>8} {'share':>6} {'x floor':>8} {'peak MB so far':>15}")
    for name, seconds, peak in rows:
        print(
            f"{name:<26} {seconds:>8.2f} {seconds / total:>6.0%} {seconds / floor:>7.1f}x "
            f"{peak:>15.0f}"
        )
    print(f"{'total (no start-up)':<26} {total:>8.2f} {'':>6} {total / floor:>7.1f}x")
    print(
        f"{len(results)} officers, {sum(len(v) for v in by_officer.values())} records, "
        f"{explanation_lines} explanation lines, JSON {len(data) / 1e6:.0f} MB"
    )


def profile(officers: Path, records: Path, pack_id: str, label: str, top: int, out: Path) -> None:
    """Run `muster check --format json` under cProfile; print the top functions."""
    from muster.cli import main

    floor = _floor(officers, records)
    argv = [
        "check", "--pack", pack_id, "--period", label, "--officers", str(officers),
        "--records", str(records), "--format", "json",
    ]  # fmt: skip
    profiler = cProfile.Profile()
    with open(os.devnull, "w", encoding="utf-8") as sink, contextlib.redirect_stdout(sink):
        started = time.perf_counter()
        profiler.runcall(main, argv)
        took = time.perf_counter() - started
    profiler.dump_stats(out)
    print(f"floor {floor:.2f} s; muster check under cProfile {took:.2f} s; stats in {out}")
    for order in ("tottime", "cumulative"):
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats(order).print_stats(top)
        print(f"\n=== top {top} by {order} ===")
        value = text.getvalue()
        start = value.find("   ncalls")
        print(value[start:] if start >= 0 else value)


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/bench-data"))  # noqa: S108
    parser.add_argument("--pack", default="us-mo-clee")
    parser.add_argument("--period", default="2025")
    parser.add_argument("--cprofile", action="store_true", help="profile muster.cli.main")
    parser.add_argument(
        "--no-gc", action="store_true", help="gc.disable() first, to see what the collector costs"
    )
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--stats", type=Path, default=Path("/tmp/muster-check.prof"))  # noqa: S108
    args = parser.parse_args(argv)
    officers, records = args.data / "officers.csv", args.data / "records.csv"
    if args.no_gc:
        gc.disable()
    if args.cprofile:
        profile(officers, records, args.pack, args.period, args.top, args.stats)
    else:
        phases(officers, records, args.pack, args.period)
    return 0


if __name__ == "__main__":
    sys.exit(main())
