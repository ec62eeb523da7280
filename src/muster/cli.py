"""The `muster` command: the project's own subcommands, and `manage` for Django's.

`muster --help` lists every subcommand. Anything Django itself offers is reached through
`muster manage ...` (for example `muster manage migrate` or `muster manage createsuperuser`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from muster import __version__


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.settings")
    import django

    django.setup()


def _cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["muster manage", *args.rest])
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    # No Django set-up: the check runs on files alone, without settings or a database.
    from muster.compliance.check import run

    return run(args)


def _cmd_recompute(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command

    options = {"agency": args.agency} if args.agency else {}
    call_command("recompute_compliance", **options)
    return 0


def _cmd_rulepack(args: argparse.Namespace) -> int:
    from muster.compliance.rulepack import (
        PackError,
        json_schema,
        load_pack,
        load_pack_file,
        pack_ids,
    )

    try:
        if args.action == "schema":
            print(json_schema())
        elif args.action == "list":
            for pack_id in pack_ids():
                pack = load_pack(pack_id)
                versions = ", ".join(
                    f"{v.version} (from {v.effective_from.isoformat()})" for v in pack.versions
                )
                print(f"{pack.id:<14} {pack.title}\n{'':<14} versions: {versions}")
        else:
            pack = load_pack_file(args.file)
            print(f"{args.file.name}: a valid pack ({pack.id}, {len(pack.versions)} versions)")
    except PackError as exc:
        print(exc, file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    """Check the whole audit chain; name the first row that breaks it."""
    _setup_django()
    from muster.core.audit import iter_chain_breaks
    from muster.core.models import AuditEvent

    total = AuditEvent.objects.count()
    first = next(iter_chain_breaks(), None)
    if first is None:
        print(f"The audit log is intact: {total} rows, every link and keyed hash holds.")
        return 0
    row = AuditEvent.objects.filter(pk=first.event_id).first()
    where = f"row {first.event_id}"
    if row is not None:
        when = row.occurred_at.isoformat(timespec="seconds")
        where += f" ({when}, {row.action} by {row.actor_label or 'system'})"
    print(f"The audit log is broken at {where}: {first.problem}.", file=sys.stderr)
    return 1


def _cmd_demo(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command

    from muster.demo import load_demo, print_logins

    call_command("migrate", interactive=False, verbosity=0)
    created = load_demo(today=None, stdout=sys.stdout)
    if not created:
        print("The demo data is already loaded; nothing changed.")
    print_logins(sys.stdout)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from waitress import serve

    from muster.wsgi import application

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        if args.migrate:
            call_command("migrate", interactive=False, verbosity=1)
        else:
            print(
                "The database needs migrating first: run `muster manage migrate` "
                "(or start with `muster serve --migrate`).",
                file=sys.stderr,
            )
            return 2
    if args.worker:
        from muster.core.worker import start_worker_thread

        start_worker_thread()
    print(f"Muster is serving at http://{args.host}:{args.port}/ (Ctrl+C stops it).")
    serve(application, host=args.host, port=args.port, threads=args.threads, ident="Muster")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    _setup_django()
    from muster.imports.cli import run

    return run(args)


def _cmd_scheduler(args: argparse.Namespace) -> int:
    _setup_django()
    import time

    from muster.reminders.scheduler import tick

    while True:
        result = tick(run_worker=args.worker)
        print(f"Reminders queued ({result}).", flush=True)
        if args.once:
            return 0
        time.sleep(args.every)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `muster` command."""
    parser = argparse.ArgumentParser(
        prog="muster",
        description="Muster keeps officers' training records and checks state in-service rules.",
    )
    parser.add_argument("--version", action="version", version=f"muster {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    demo = sub.add_parser(
        "demo",
        help="migrate the database and load the demo agencies, officers and logins",
        description="Migrate the database and load the demo data (does nothing if loaded).",
    )
    demo.set_defaults(func=_cmd_demo)

    serve = sub.add_parser(
        "serve",
        help="serve the web application (waitress)",
        description="Serve the web application with waitress, a production WSGI server.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--threads", type=int, default=8, help="worker threads")
    serve.add_argument("--migrate", action="store_true", help="apply migrations first")
    serve.add_argument(
        "--no-worker",
        dest="worker",
        action="store_false",
        help="do not run background jobs (large imports, reminders) in this process; "
        "run `muster manage db_worker` instead",
    )
    serve.set_defaults(func=_cmd_serve)

    check = sub.add_parser(
        "check",
        help="judge officers from two files against a rule pack (no database needed)",
        description="Judge officers from an officers file and a records file against a rule "
        "pack. Exit status 0: all compliant or exempt; 1: some deficient; 2: bad input.",
    )
    from muster.compliance.check import add_arguments

    add_arguments(check)
    check.set_defaults(func=_cmd_check)

    recompute = sub.add_parser(
        "recompute",
        help="recompute every officer's compliance (after a rule pack changes)",
        description="Recompute compliance snapshots and list whose status changed.",
    )
    recompute.add_argument("--agency", help="only this agency (ORI number)")
    recompute.set_defaults(func=_cmd_recompute)

    rulepack = sub.add_parser(
        "rulepack",
        help="list, show, validate rule packs, or print their JSON Schema",
        description="Work with rule packs: list the shipped packs, validate a pack file, "
        "or print the JSON Schema editors use.",
    )
    rulepack_sub = rulepack.add_subparsers(dest="action", metavar="ACTION", required=True)
    rulepack_sub.add_parser("list", help="the shipped packs and their versions")
    validate = rulepack_sub.add_parser("validate", help="check a pack file; errors name the line")
    validate.add_argument("file", type=Path)
    rulepack_sub.add_parser("schema", help="print the JSON Schema of a pack file")
    rulepack.set_defaults(func=_cmd_rulepack)

    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="action", metavar="ACTION", required=True)
    audit_sub.add_parser(
        "verify", help="check every row's link and keyed hash; exit 1 at the first break"
    )
    audit.set_defaults(func=_cmd_audit)

    importer = sub.add_parser(
        "import",
        help="import officers, training records or qualifications from a CSV or XLSX file",
        description="Check every row of a file and import all of it or nothing. Ends with "
        "`N created, M unchanged, K rejected`. Exit 0: imported or already there; 2: some row "
        "rejected or the file unreadable (nothing written).",
    )
    from muster.imports.cli import add_arguments as add_import_arguments

    add_import_arguments(importer)
    importer.set_defaults(func=_cmd_import)

    scheduler = sub.add_parser(
        "scheduler",
        help="queue the deadline reminders job once a day (a cron line can do it instead)",
    )
    scheduler.add_argument(
        "--every", type=int, default=86400, help="seconds between runs (default: a day)"
    )
    scheduler.add_argument(
        "--worker",
        action="store_true",
        help="also run the queued jobs in this process (otherwise `muster manage db_worker`)",
    )
    scheduler.add_argument("--once", action="store_true", help="queue once and exit")
    scheduler.set_defaults(func=_cmd_scheduler)

    manage = sub.add_parser(
        "manage",
        help="run any Django management command, e.g. `muster manage migrate`",
        description="Pass the rest of the line to Django's management commands.",
        add_help=False,
    )
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=_cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `muster` console script."""
    from django.core.exceptions import ImproperlyConfigured

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ImproperlyConfigured as exc:
        # A configuration mistake deserves one clear line, not a traceback.
        print(f"muster: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
