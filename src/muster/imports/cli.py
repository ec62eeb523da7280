"""`muster import`: the same check and all-or-nothing import as the web pages, from a terminal."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `muster import`."""
    parser.add_argument("--agency", required=True, metavar="ORI", help="the agency's ORI number")
    parser.add_argument("--kind", required=True, choices=("officers", "records", "qualifications"))
    parser.add_argument("file", type=Path, help="a .csv or .xlsx file (docs/formats.md)")
    parser.add_argument("--dry-run", action="store_true", help="check every row and write nothing")
    parser.add_argument(
        "--user",
        metavar="USERNAME",
        help="act as this login, with its permissions (default: the system, audited as such)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Check (and unless --dry-run, import) the file; print problems and one summary line.

    Exit 0 when every row was imported or was already there, 2 when any row is rejected or
    the file cannot be read (nothing is written then).
    """
    from tqdm import tqdm

    from muster.accounts.models import User
    from muster.agencies.models import Agency
    from muster.core.services import SYSTEM
    from muster.imports.services import ImportFailed, import_file

    agency = Agency.objects.filter(ori=args.agency).first()
    if agency is None:
        known = ", ".join(Agency.objects.order_by("ori").values_list("ori", flat=True))
        print(
            f"muster import: no agency with ORI '{args.agency}' (known: {known})", file=sys.stderr
        )
        return 2
    actor: Any = SYSTEM
    if args.user:
        actor = User.objects.filter(username=args.user, is_active=True).first()
        if actor is None:
            print(f"muster import: no active login '{args.user}'", file=sys.stderr)
            return 2
    path: Path = args.file
    if not path.is_file():
        print(f"muster import: {path}: no such file", file=sys.stderr)
        return 2
    bars: dict[str, Any] = {}

    def progress(phase: str, done: int, total: int) -> None:
        if args.quiet:
            return
        bar = bars.get(phase)
        if bar is None:
            for other in bars.values():
                other.close()
            label = "Checking" if phase == "checking" else "Writing"
            bar = bars[phase] = tqdm(total=total, desc=label, unit=" rows", file=sys.stderr)
        if total and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    from django.core.exceptions import PermissionDenied

    try:
        outcome = import_file(
            acting_user=actor,
            agency=agency,
            kind=args.kind,
            path=path,
            commit=not args.dry_run,
            progress=progress,
        )
    except PermissionDenied as error:
        print(f"muster import: not allowed: {error}", file=sys.stderr)
        return 2
    except ImportFailed as error:
        print(f"muster import: {error}", file=sys.stderr)
        return 2
    finally:
        for bar in bars.values():
            bar.close()
    for problem in outcome.problems:
        print(problem.text(path.name), file=sys.stderr)
    hidden = outcome.problem_count - len(outcome.problems)
    if hidden > 0:
        print(f"... and {hidden} more problems", file=sys.stderr)
    summary = outcome.summary()
    if args.dry_run:
        print(f"Dry run, nothing written: {summary}", file=sys.stderr)
    elif not outcome.ok:
        print(
            "Nothing was written: correct the rows named above and run it again.", file=sys.stderr
        )
    print(summary)
    return 0 if outcome.ok else 2
