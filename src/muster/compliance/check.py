"""`muster check`: judge officers from two files against a rule pack, with no database.

Exit status: 0 when every officer is compliant, exempt or waived; 1 when any is deficient;
2 for bad input (the message names the file, line and column).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from muster.compliance.evaluator import (
    DEFICIENT,
    Evaluator,
    OfficerResult,
    check_overlay,
)
from muster.compliance.facts import OfficerFacts
from muster.compliance.periods import Period
from muster.compliance.rulepack import PackError, load_pack, load_pack_file, parse_overlay
from muster.compliance.tabular import InputError, read_officers, read_records

EXIT_OK, EXIT_DEFICIENT, EXIT_BAD_INPUT = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `muster check`."""
    parser.add_argument(
        "--pack", required=True, help="rule pack id, e.g. us-mo-clee, or a .yaml file"
    )
    parser.add_argument(
        "--period", help="period label: 2025 (Kansas: the year the training year ends)"
    )
    parser.add_argument(
        "--as-of",
        help="the date of the check (YYYY-MM-DD): without --period, the period containing it; "
        "with --period, the day against which grace periods are judged",
    )
    parser.add_argument(
        "--officers", required=True, type=Path, help="officers file (.csv or .xlsx)"
    )
    parser.add_argument("--records", required=True, type=Path, help="records file (.csv or .xlsx)")
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
    parser.add_argument("--officer", help="only this officer id")
    parser.add_argument("--overlay", type=Path, help="an agency overlay file (.yaml)")


def run(args: argparse.Namespace, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """Run the check; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        return _run(args, out)
    except (PackError, InputError) as exc:
        print(str(exc), file=err)
        return EXIT_BAD_INPUT


def _run(args: argparse.Namespace, out: IO[str]) -> int:
    if args.period is None and args.as_of is None:
        raise InputError(["give --period LABEL or --as-of DATE (or both)"])
    pack_arg = str(args.pack)
    pack = (
        load_pack_file(Path(pack_arg))
        if pack_arg.endswith((".yaml", ".yml"))
        else load_pack(pack_arg)
    )
    overlay = None
    if args.overlay is not None:
        if not args.overlay.is_file():
            raise InputError([f"{args.overlay.name}: no such file ({args.overlay})"])
        overlay = parse_overlay(args.overlay.read_text(encoding="utf-8"), args.overlay.name)
        check_overlay(pack, overlay)
    as_of = None
    if args.as_of is not None:
        try:
            as_of = dt.date.fromisoformat(args.as_of)
        except ValueError:
            raise InputError([f"--as-of: '{args.as_of}' is not a date (YYYY-MM-DD)"]) from None
    evaluator = Evaluator(pack, overlay)
    if args.period is not None and pack.versions[-1].period.kind != "anniversary":
        try:
            pack.versions[-1].period.rule().by_label(args.period)
        except ValueError as exc:
            raise InputError([f"--period: {exc}"]) from None
    officers = read_officers(args.officers)
    if args.officer is not None and args.officer not in officers:
        raise InputError([f"--officer: '{args.officer}' is not in {args.officers.name}"])
    categories = pack.category_codes
    # The run builds millions of short-lived, cycle-free objects; Python's cycle collector
    # would keep re-scanning the hundreds of thousands of records read above. Collect more
    # rarely, and never look at the input again once it is read.
    gc.set_threshold(50_000, 20, 100)
    records = read_records(args.records, officers, categories)
    gc.freeze()

    # Every officer's period first, so that bad input stops the run before any output.
    jobs: list[tuple[OfficerFacts, Period]] = []
    problems: list[str] = []
    for officer_id, officer in officers.items():
        if args.officer is not None and officer_id != args.officer:
            continue
        try:
            period = evaluator.period_for(
                officer, label=args.period, as_of=None if args.period else as_of
            )
        except ValueError as exc:
            problems.append(f"--period: {exc}" if args.period else f"officer {officer_id}: {exc}")
            if args.period:
                break
            continue
        jobs.append((officer, period))
    if problems:
        raise InputError(problems)

    def results() -> Iterator[OfficerResult]:
        # One officer at a time, written as it is judged: memory stays flat however many.
        for officer, period in jobs:
            yield evaluator.evaluate(
                officer, records.pop(officer.officer_id, []), period, as_of=as_of
            )

    writer = {"json": _write_json, "csv": _write_csv, "table": _write_table}[args.format]
    deficient = writer(pack.id, evaluator, results(), out)
    return EXIT_DEFICIENT if deficient else EXIT_OK


def _write_json(
    pack_id: str, evaluator: Evaluator, results: Iterator[OfficerResult], out: IO[str]
) -> bool:
    binary = getattr(out, "buffer", None)
    write: Any = binary.write if binary is not None else (lambda b: out.write(b.decode()))
    if binary is not None:
        out.flush()
    deficient = False
    first = True
    for result in results:
        if first:
            pack = orjson.dumps({"id": pack_id, "version": result.version})
            write(b'{"pack":' + pack + b',"officers":[')
        else:
            write(b",")
        first = False
        deficient |= result.status == DEFICIENT
        write(orjson.dumps(result.as_dict()))
    if first:
        pack = orjson.dumps({"id": pack_id, "version": evaluator.pack.versions[-1].version})
        write(b'{"pack":' + pack + b',"officers":[')
    write(b"]}\n")
    return deficient


def _write_csv(
    pack_id: str, evaluator: Evaluator, results: Iterator[OfficerResult], out: IO[str]
) -> bool:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["officer_id", "name", "status", "period", "requirement", "unit", "required",
         "credited", "shortfall", "met", "reason"]
    )  # fmt: skip
    deficient = False
    for r in results:
        deficient |= r.status == DEFICIENT
        for req in r.requirements:
            writer.writerow(
                [r.officer_id, r.name, r.status, r.period.label, req.id, req.unit,
                 f"{req.required:f}", f"{req.credited:f}", f"{req.shortfall:f}",
                 "true" if req.met else "false", r.reason]
            )  # fmt: skip
    return deficient


def _missing_text(result: OfficerResult) -> str:
    if result.reason and result.status != DEFICIENT:
        return result.reason
    parts = []
    for req in result.missing:
        # The shortfall as JSON and CSV give it: rounded up, never shown as 0 when unmet.
        amount = (
            f"{req.shortfall.normalize():f} h" if req.kind == "hours" else f"{req.shortfall} pass"
        )
        parts.append(f"{req.id} {amount}")
    text = ", ".join(parts) or "-"
    return f"{text} ({result.reason})" if result.reason else text


def _write_table(
    pack_id: str, evaluator: Evaluator, results: Iterator[OfficerResult], out: IO[str]
) -> bool:
    counts = dict.fromkeys(("compliant", "deficient", "exempt", "waived"), 0)
    first = True
    for r in results:
        if first:
            print(
                f"{pack_id} {r.version}, period {r.period.label} "
                f"({r.period.start.isoformat()} to {r.period.end.isoformat()})",
                file=out,
            )
            print(f"{'OFFICER':<10} {'NAME':<20} {'STATUS':<10} MISSING", file=out)
            first = False
        counts[r.status] += 1
        line = f"{r.officer_id[:10]:<10} {r.name[:20]:<20} {r.status:<10} {_missing_text(r)}"
        # Keep to 80 columns; the JSON and CSV formats carry the whole text.
        print(line if len(line) <= 80 else line[:77] + "...", file=out)
    if first:
        print(f"{'OFFICER':<10} {'NAME':<20} {'STATUS':<10} MISSING", file=out)
    print(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no officers", file=out)
    return counts["deficient"] > 0
