"""The keyed audit chain: tampering of every kind is caught, and concurrent writers never fork
it (on SQLite and on PostgreSQL alike); `muster audit verify` names the first broken row."""

from __future__ import annotations

import hashlib
import threading

import pytest
from django.db import close_old_connections, connection, transaction

from muster.cli import main
from muster.core.audit import GENESIS_HASH, _payload, record_audit, verify_chain
from muster.core.models import AuditEvent
from muster.core.services import SYSTEM


def write(n: int, action: str = "test.event") -> list[AuditEvent]:
    rows = []
    for i in range(n):
        with transaction.atomic():
            rows.append(record_audit(actor=SYSTEM, action=action, reason=f"row {i}"))
    return rows


def raw(sql: str, params: list[object]) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_intact_log_verifies_and_the_command_says_so(db, capsys):
    write(5)
    assert verify_chain() == []
    assert main(["audit", "verify"]) == 0
    assert "intact: 5 rows" in capsys.readouterr().out


def test_an_edited_row_is_caught_and_named(db, capsys):
    rows = write(5)
    raw("UPDATE core_auditevent SET reason = %s WHERE id = %s", ["nothing happened", rows[2].pk])
    breaks = verify_chain()
    assert breaks[0].event_id == rows[2].pk
    assert "edited" in breaks[0].problem
    assert main(["audit", "verify"]) == 1
    assert f"broken at row {rows[2].pk}" in capsys.readouterr().err


def test_a_deleted_row_is_caught_at_the_row_after_it(db):
    rows = write(5)
    raw("DELETE FROM core_auditevent WHERE id = %s", [rows[1].pk])
    breaks = verify_chain()
    assert breaks[0].event_id == rows[2].pk
    assert "removed or inserted" in breaks[0].problem


def test_an_inserted_row_cannot_be_given_a_hash_that_holds(db):
    rows = write(3)
    forged = AuditEvent(
        occurred_at=rows[-1].occurred_at,
        actor_label="system",
        action="record.void",
        object_type="training.trainingrecord",
        object_id="1",
        reason="cover-up",
        prev_hash=rows[-1].hash,
    )
    # The best a forger without the key can do: a plain SHA-256 in the right place.
    forged.hash = hashlib.sha256(_payload(forged)).hexdigest()
    raw(
        "INSERT INTO core_auditevent (occurred_at, actor_label, action, object_type, object_id,"
        " object_label, before, after, reason, request_id, prev_hash, hash)"
        " VALUES (%s, %s, %s, %s, %s, '', NULL, NULL, %s, '', %s, %s)",
        [
            forged.occurred_at,
            forged.actor_label,
            forged.action,
            forged.object_type,
            forged.object_id,
            forged.reason,
            forged.prev_hash,
            forged.hash,
        ],
    )
    breaks = verify_chain()
    assert len(breaks) == 1
    assert breaks[0].event_id > rows[-1].pk
    assert "keyed hash" in breaks[0].problem


def test_the_chain_survives_a_key_rotation_listed_in_the_fallbacks(db, settings):
    write(2)
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key"
    assert len(verify_chain()) == 2  # the old rows no longer verify under the new key alone
    settings.SECRET_KEY_FALLBACKS = [old]
    write(1)
    assert verify_chain() == []


def test_the_first_row_links_to_the_genesis_hash(db):
    first = write(1)[0]
    assert first.prev_hash == GENESIS_HASH


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    writers, each = 4, 10
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def work(number: int) -> None:
        try:
            start.wait()
            write(each, action=f"writer.{number}")
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.count() == writers * each
    # Every row links to the one before it: no two writers took the same tail.
    hashes = list(AuditEvent.objects.order_by("id").values_list("prev_hash", "hash"))
    assert len({prev for prev, _ in hashes}) == len(hashes)
    assert verify_chain() == []


def test_upgrading_re_keys_a_log_chained_with_plain_sha256(db):
    import importlib

    from django.db.migrations.executor import MigrationExecutor

    rows = write(3)
    prev = GENESIS_HASH
    for row in rows:  # as the log was written before the chain was keyed
        row.prev_hash = prev
        digest = hashlib.sha256(_payload(row)).hexdigest()
        raw(
            "UPDATE core_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [prev, digest, row.pk],
        )
        prev = digest
    assert verify_chain() != []
    # The models as the migration sees them (historical, without the append-only guard).
    apps = MigrationExecutor(connection).loader.project_state(("core", "0001_initial")).apps
    importlib.import_module("muster.core.migrations.0002_rekey_audit_chain").rekey(apps, None)
    assert verify_chain() == []
    assert list(AuditEvent.objects.order_by("id").values_list("reason", flat=True)) == [
        "row 0",
        "row 1",
        "row 2",
    ]
