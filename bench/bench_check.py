"""Time `muster check` against the floor: Python's csv.DictReader merely reading the same files.

    .venv/bin/python bench/generate.py --out /tmp/bench-data
    .venv/bin/python bench/bench_check.py --data /tmp/bench-data --repeat 3

Each round runs, one after the other and each in a fresh process: the floor (a Python
process that reads officers.csv and records.csv fully with csv.DictReader), then
`muster check --format json`, `--format table` and `--format csv` with stdout to a file.
Wall time is taken around the child; its CPU time (user + system) and peak resident memory
come from os.wait4's rusage for that child alone. The machine is shared and noisy, so the
figures that matter are ratios to the floor measured in the same run: the best-of-N ratio
(best time / best floor) and the median of the per-round ratios. Results are printed and
written as JSON to bench/results/check-<date>.json.

The target (issue): json at most 3 times the floor, peak memory under 400 MB.

To measure one commit while the working tree changes, unpack it and pass --src:

    mkdir /tmp/muster-HEAD && git archive HEAD src | tar -x -C /tmp/muster-HEAD
    .venv/bin/python bench/bench_check.py --src /tmp/muster-HEAD/src --label "$(git describe)"
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TARGET_RATIO = 3.0
TARGET_PEAK_MB = 400.0

# The floor: read both files completely with csv.DictReader, as plainly as Python can.
FLOOR = """
import csv, sys
rows = 0
for name in sys.argv[1:]:
    with open(name, newline="", encoding="utf-8") as handle:
        for _row in csv.DictReader(handle):
            rows += 1
print(rows)
"""


@dataclass
class Run:
    """One child process: wall seconds, CPU seconds (user + system), peak RSS in MB."""

    wall: float
    cpu: float
    peak_mb: float
    exit: int
    output_bytes: int


def _run(command: list[str], stdout_path: Path | None, env: dict[str, str] | None = None) -> Run:
    """Run `command`, stdout to `stdout_path` (or /dev/null), and measure it alone."""
    target = stdout_path if stdout_path is not None else Path(os.devnull)
    # stderr to a file, not a pipe: a chatty child must not block on a full pipe.
    with target.open("wb") as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        errors = err.read().decode(errors="replace")
    if child.returncode not in (0, 1):  # 1 is `muster check`'s "some officer is deficient"
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{errors}")
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mb=usage.ru_maxrss * 1024 / 1e6,  # Linux reports KiB
        exit=child.returncode,
        output_bytes=stdout_path.stat().st_size if stdout_path is not None else 0,
    )


def _muster(src: Path | None) -> tuple[list[str], dict[str, str] | None]:
    """The command that runs `muster`, and its environment (None: inherit)."""
    if src is not None:  # another source tree, e.g. `git archive HEAD` unpacked in /tmp
        return [sys.executable, "-m", "muster"], {**os.environ, "PYTHONPATH": str(src)}
    script = Path(sys.executable).with_name("muster")
    return ([str(script)] if script.exists() else [sys.executable, "-m", "muster"]), None


def _machine() -> dict[str, object]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _git(where: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(where), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return ""
    return head.stdout.strip()


def _summary(rounds: list[dict[str, Run]], name: str) -> dict[str, float]:
    floors = [r["floor"] for r in rounds]
    runs = [r[name] for r in rounds]
    best_floor_wall = min(f.wall for f in floors)
    best_floor_cpu = min(f.cpu for f in floors)
    return {
        "best_wall": min(r.wall for r in runs),
        "median_wall": statistics.median(r.wall for r in runs),
        "best_cpu": min(r.cpu for r in runs),
        "ratio_best": min(r.wall for r in runs) / best_floor_wall,
        "ratio_median": statistics.median(
            r.wall / f.wall for r, f in zip(runs, floors, strict=True)
        ),
        "cpu_ratio_best": min(r.cpu for r in runs) / best_floor_cpu,
        "cpu_ratio_median": statistics.median(
            r.cpu / f.cpu for r, f in zip(runs, floors, strict=True)
        ),
        "peak_mb": max(r.peak_mb for r in runs),
        "output_mb": runs[-1].output_bytes / 1e6,
    }


def _rounded(value: object) -> object:
    """Floats to 3 decimals, all the way down (readable result files)."""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/bench-data"))  # noqa: S108
    parser.add_argument("--pack", default="us-mo-clee")
    parser.add_argument("--period", default="2025")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument(
        "--formats", default="json,table,csv", help="comma-separated (default json,table,csv)"
    )
    parser.add_argument(
        "--devnull", action="store_true", help="send muster's stdout to /dev/null, not a file"
    )
    parser.add_argument(
        "--generate",
        action="store_true",
        help="write the default data set into --data first when it is missing",
    )
    parser.add_argument(
        "--src",
        type=Path,
        help="run muster from this source folder (PYTHONPATH) instead of the installed one",
    )
    parser.add_argument(
        "--label", help="what was measured, for the JSON (default: git describe, or --src's folder)"
    )
    parser.add_argument("--results", type=Path, help="default bench/results/check-<date>.json")
    parser.add_argument("--no-save", action="store_true", help="print only; write no JSON")
    args = parser.parse_args(argv)

    officers, records = args.data / "officers.csv", args.data / "records.csv"
    if not (officers.is_file() and records.is_file()):
        if not args.generate:
            raise SystemExit(
                f"no data in {args.data}; run: {sys.executable} {BENCH / 'generate.py'} "
                f"--pack {args.pack} --out {args.data}   (or pass --generate)"
            )
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "generate.py"),
                "--pack",
                args.pack,
                "--out",
                str(args.data),
            ],
            check=True,
        )
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    floor_cmd = [sys.executable, "-c", FLOOR, str(officers), str(records)]
    muster, env = _muster(args.src)
    check_cmd = [
        *muster, "check", "--pack", args.pack, "--period", args.period,
        "--officers", str(officers), "--records", str(records),
    ]  # fmt: skip

    def out_path(name: str) -> Path | None:
        return None if args.devnull else args.data / f"bench-out.{name}"

    loads = [os.getloadavg()[0]]
    # Warm-up (page cache) and a row count, untimed.
    warm = subprocess.run(floor_cmd, capture_output=True, text=True, check=True)
    rows = int(warm.stdout)
    print(
        f"data: {args.data} ({rows} rows, "
        f"{(officers.stat().st_size + records.stat().st_size) / 1e6:.1f} MB); "
        f"{os.cpu_count()} CPUs; Python {platform.python_version()}; "
        f"load {loads[0]:.2f}; warm-up done",
        file=sys.stderr,
    )
    rounds: list[dict[str, Run]] = []
    for n in range(1, args.repeat + 1):
        this: dict[str, Run] = {"floor": _run(floor_cmd, None)}
        for name in formats:
            this[name] = _run([*check_cmd, "--format", name], out_path(name), env)
        rounds.append(this)
        loads.append(os.getloadavg()[0])
        print(
            f"round {n}: "
            + ", ".join(f"{k} {v.wall:.2f} s ({v.peak_mb:.0f} MB)" for k, v in this.items()),
            file=sys.stderr,
        )
    for name in formats:
        out = out_path(name)
        if out is not None:
            out.unlink(missing_ok=True)

    floors = [r["floor"] for r in rounds]
    summary = {name: _summary(rounds, name) for name in formats}
    best_floor = min(f.wall for f in floors)
    print(
        f"\nfloor (csv.DictReader, both files): best {best_floor:.2f} s wall, "
        f"median {statistics.median(f.wall for f in floors):.2f} s, "
        f"best {min(f.cpu for f in floors):.2f} s CPU, peak {max(f.peak_mb for f in floors):.0f} MB"
    )
    header = (
        f"{'format':<7} {'best s':>7} {'median s':>9} {'ratio best':>11} {'ratio med':>10} "
        f"{'CPU ratio':>10} {'peak MB':>8} {'out MB':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, s in summary.items():
        print(
            f"{name:<7} {s['best_wall']:>7.2f} {s['median_wall']:>9.2f} {s['ratio_best']:>10.1f}x "
            f"{s['ratio_median']:>9.1f}x {s['cpu_ratio_best']:>9.1f}x {s['peak_mb']:>8.0f} "
            f"{s['output_mb']:>7.1f}"
        )
    verdict = ""
    if "json" in summary:
        s = summary["json"]
        ok_time = s["ratio_best"] <= TARGET_RATIO
        ok_mem = s["peak_mb"] < TARGET_PEAK_MB
        verdict = (
            f"json: ratio {s['ratio_best']:.1f}x (target <= {TARGET_RATIO:g}x) "
            f"{'MET' if ok_time else 'NOT MET'}; peak {s['peak_mb']:.0f} MB "
            f"(target < {TARGET_PEAK_MB:g} MB) {'MET' if ok_mem else 'NOT MET'}"
        )
        print(f"\n{verdict}")

    if not args.no_save:
        today = dt.date.today().isoformat()
        path = args.results or BENCH / "results" / f"check-{today}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "date": dt.datetime.now().isoformat(timespec="seconds"),
            "label": args.label or (args.src.parent.name if args.src else _git(ROOT)),
            "repo_head_at_run": _git(ROOT),
            "src": str(args.src) if args.src else "installed (editable: this tree)",
            "machine": {**_machine(), "load_1min": loads},
            "data": {
                "dir": str(args.data),
                "rows": rows,
                "officers_bytes": officers.stat().st_size,
                "records_bytes": records.stat().st_size,
            },
            "pack": args.pack,
            "period": args.period,
            "stdout": "devnull" if args.devnull else "file",
            "floor": {
                "best_wall": best_floor,
                "median_wall": statistics.median(f.wall for f in floors),
                "best_cpu": min(f.cpu for f in floors),
                "peak_mb": max(f.peak_mb for f in floors),
            },
            "summary": summary,
            "target": {"ratio": TARGET_RATIO, "peak_mb": TARGET_PEAK_MB, "verdict": verdict},
            "rounds": [{k: asdict(v) for k, v in r.items()} for r in rounds],
        }
        path.write_text(json.dumps(_rounded(document), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
