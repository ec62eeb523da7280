"""`muster import` from the terminal: its summary line, exit status, and a killed import."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from muster import cli
from muster.core.audit import verify_chain
from muster.core.models import AuditEvent
from muster.imports.models import ImportBatch, ImportedRow
from muster.training.models import TrainingRecord

HEADER = ["serial_number", "date", "title", "minutes"]


def _records(world):
    serial = world.officer.serial_number
    return [[serial, "2025-02-11", "Legal update", "240"], [serial, "2025-03-01", "Range", "120"]]


def test_the_last_line_counts_created_unchanged_and_rejected(world, write_csv, capsys):
    path = write_csv("records.csv", HEADER, _records(world))
    args = ["import", "--agency", world.agency.ori, "--kind", "records", str(path), "--quiet"]
    assert cli.main(args) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "2 created, 0 unchanged, 0 rejected"
    assert cli.main(args) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "0 created, 2 unchanged, 0 rejected"
    assert TrainingRecord.objects.count() == 2
    batch = ImportBatch.objects.order_by("pk").first()
    assert batch is not None
    assert (batch.status, batch.to_create, batch.created_by) == ("committed", 2, None)


def test_a_rejected_row_exits_2_names_the_cell_and_writes_nothing(world, write_csv, capsys):
    rows = [*_records(world), [world.officer.serial_number, "2025-13-01", "Bad", "60"]]
    path = write_csv("records.csv", HEADER, rows)
    before = AuditEvent.objects.count()
    code = cli.main(["import", "--agency", world.agency.ori, "--kind", "records", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "records.csv, line 4, column date: '2025-13-01' is not a date (YYYY-MM-DD)" in err
    assert out.strip() == "2 created, 0 unchanged, 1 rejected"
    assert TrainingRecord.objects.count() == 0
    assert ImportBatch.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_a_dry_run_checks_and_writes_nothing(world, write_csv, capsys):
    path = write_csv("records.csv", HEADER, _records(world))
    args = ["import", "--agency", world.agency.ori, "--kind", "records", str(path), "--dry-run"]
    assert cli.main(args) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "2 created, 0 unchanged, 0 rejected"
    assert "Dry run, nothing written" in err
    assert TrainingRecord.objects.count() == 0


def test_unknown_agency_file_or_login_exit_2(world, write_csv, capsys, tmp_path):
    path = write_csv("records.csv", HEADER, _records(world))
    assert cli.main(["import", "--agency", "XX0000000", "--kind", "records", str(path)]) == 2
    assert "no agency with ORI 'XX0000000'" in capsys.readouterr().err
    missing = str(tmp_path / "nope.csv")
    assert cli.main(["import", "--agency", world.agency.ori, "--kind", "records", missing]) == 2
    assert "no such file" in capsys.readouterr().err
    args = ["import", "--agency", world.agency.ori, "--kind", "records", str(path)]
    assert cli.main([*args, "--user", world.officer_user.username]) == 2
    assert "not allowed" in capsys.readouterr().err
    assert cli.main([*args, "--user", world.training_user.username, "--quiet"]) == 0
    assert TrainingRecord.objects.get(title="Range").entered_by == world.training_user


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_process_killed_in_the_middle_leaves_the_database_as_it_was(world, tmp_path):
    """SIGKILL once the import has started writing: no record, batch or audit row remains,
    the audit chain holds, and the same file imports in full afterwards."""
    path = tmp_path / "big.csv"
    serials = [world.officer.serial_number, world.colleague.serial_number]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*HEADER, "record_id"])
        for n in range(30_000):
            writer.writerow([serials[n % 2], "2025-05-01", f"Block {n % 50}", "30", f"R{n}"])
    before = AuditEvent.objects.count()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=_database_url(),
        MUSTER_ENV_FILE=os.devnull,
        DJANGO_SETTINGS_MODULE="muster.settings",
        PYTHONPATH=os.pathsep.join(sys.path),
    )
    args = [sys.executable, "-m", "muster.cli", "import", "--agency", world.agency.ori]
    process = subprocess.Popen(
        [*args, "--kind", "records", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + 120
    # The "Writing" bar appears once the first rows are inserted, inside the transaction.
    while b"Writing" not in seen and time.monotonic() < deadline:
        chunk = os.read(process.stderr.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
    assert b"Writing" in seen, seen.decode(errors="replace")[-2000:]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the import ended before it could be killed"
    assert TrainingRecord.objects.count() == 0
    assert ImportedRow.objects.count() == 0
    assert ImportBatch.objects.count() == 0
    assert AuditEvent.objects.count() == before
    assert verify_chain() == []
    done = subprocess.run(
        [*args, "--kind", "records", str(path), "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "30000 created, 0 unchanged, 0 rejected"
    assert TrainingRecord.objects.count() == 30_000
    assert Path(path).exists()
