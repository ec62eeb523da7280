"""Recompute every officer's compliance snapshots, e.g. after a rule pack changes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from muster.agencies.models import Agency
from muster.compliance.services import recompute_all


class Command(BaseCommand):
    """`muster recompute` / `muster manage recompute_compliance`."""

    help = "Recompute compliance snapshots and report the officers whose status changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", help="only this agency (ORI number)")

    def handle(self, *args: Any, **options: Any) -> None:
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(ori=options["agency"].upper()).first()
            if agency is None:
                raise CommandError(f"no agency has the ORI {options['agency']}")
        changes = recompute_all(agency=agency)
        for change in changes:
            self.stdout.write(
                f"{change.officer} ({change.period}): {change.before} -> {change.after}"
            )
        self.stdout.write(f"{len(changes)} officer-period status changes.")
