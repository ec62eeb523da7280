"""Benchmark: recomputing one officer's compliance snapshot after one new record.

Target (issue 3): under 10 ms on SQLite with a 1,000-record history. The machine is noisy,
so the script also times a floor in the same run: reading that officer's 1,000 records
through the ORM (`list(TrainingRecord.objects.filter(officer=...))`), and prints ratios.

    .venv/bin/python bench/bench_snapshot.py [--records 1000] [--repeat 50]

It builds its own SQLite database in a temporary folder; nothing else is touched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="muster-bench-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "muster.settings",
            "SECRET_KEY": "bench-only",
            "MUSTER_DATA_DIR": data_dir,
            "MUSTER_ENV_FILE": os.devnull,
        }
    )
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from muster.agencies.services import create_agency
    from muster.compliance.services import deferred_refresh, refresh_compliance
    from muster.core.services import SYSTEM
    from muster.people.models import Officer
    from muster.people.services import create_officer
    from muster.training.models import TrainingRecord
    from muster.training.services import record_training

    call_command("migrate", verbosity=0)
    agency = create_agency(
        acting_user=SYSTEM, name="Bench PD", state="MO", ori="MO0000001",
        time_zone="America/Chicago", rule_pack="us-mo-clee", course_id_prefix="B",
    )  # fmt: skip
    results = {}
    today = dt.date.today()
    for layout, span_days in (("20-year career", 365 * 20), ("all in two periods", 700)):
        officer = create_officer(
            acting_user=SYSTEM, agency=agency, first_name="Bench", last_name=layout,
            serial_number=layout, rank="Officer",
            hired_on=today - dt.timedelta(days=span_days + 30),
            first_licensed_on=today - dt.timedelta(days=span_days + 60),
        )  # fmt: skip
        with transaction.atomic(), deferred_refresh():
            for i in range(args.records):
                record_training(
                    acting_user=SYSTEM, officer=officer, title=f"Course {i}",
                    minutes=50 + (i % 5) * 25, delivery="in_person",
                    category=("legal_studies", "technical_studies", "skill_development")[i % 3],
                    topics=["firearms"] if i % 7 == 0 else [],
                    completed_on=today - dt.timedelta(days=(i * span_days) // args.records),
                    source="import",
                )  # fmt: skip
        record_training(
            acting_user=SYSTEM, officer=officer, title="The new one", credit_hours=Decimal(2),
            delivery="in_person", completed_on=today, source="manual",
        )  # fmt: skip

        def refresh(officer: Officer = officer) -> None:
            with transaction.atomic():
                refresh_compliance([officer])

        def floor(officer: Officer = officer) -> None:
            list(TrainingRecord.objects.filter(officer=officer))

        timings: dict[str, list[float]] = {"floor": [], "refresh": []}
        for _ in range(args.repeat):
            for name, fn in (("floor", floor), ("refresh", refresh)):
                start = time.perf_counter()
                fn()
                timings[name].append((time.perf_counter() - start) * 1000)
        best = {k: min(v) for k, v in timings.items()}
        median = {k: statistics.median(v) for k, v in timings.items()}
        results[layout] = (best, median)
        print(
            f"{layout:<20} refresh best {best['refresh']:6.2f} ms,"
            f" median {median['refresh']:6.2f} ms"
            f" | floor (read 1,000 records) best {best['floor']:6.2f} ms"
            f" | ratio {best['refresh'] / best['floor']:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
