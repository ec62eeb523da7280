"""Writing and verifying the audit log.

Every service function calls `record_audit` inside its own transaction, so the change and
its audit row are committed together or not at all. Rows form a keyed hash chain: each row's
hash is an HMAC-SHA256, under a key derived from SECRET_KEY, of its content and the previous
row's hash. A row edited, removed or inserted afterwards in the database breaks the chain at
that point, and without the key nobody can forge hashes that hold; `verify_chain` (and
`muster audit verify`) finds the first break.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from muster.core.context import current_request_id
from muster.core.models import AuditEvent

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same in every process that writes audit rows.
_POSTGRES_AUDIT_LOCK = 0x4D555354  # "MUST"


def snapshot(obj: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON-ready values of a model's concrete fields (foreign keys as ids)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        data[field.attname] = jsonable(field.value_from_object(obj))
    return data


def jsonable(value: Any) -> Any:
    """A value as JSON holds it: dates and times in ISO form, decimals as text."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or None
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def _payload(event: AuditEvent) -> bytes:
    return _payload_bytes(
        {
            "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
            "actor_id": event.actor_id,
            "actor_label": event.actor_label,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "object_label": event.object_label,
            "agency_id": event.agency_id,
            "before": event.before,
            "after": event.after,
            "reason": event.reason,
            "request_id": event.request_id,
            "prev_hash": event.prev_hash,
        }
    )


def _payload_bytes(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


_KEY_LABEL = b"muster-audit-chain-v1"


def _chain_keys() -> list[bytes]:
    """The current chain key first, then those of SECRET_KEY_FALLBACKS (after a key rotation,
    older rows still verify)."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [hmac.new(str(s).encode(), _KEY_LABEL, hashlib.sha256).digest() for s in secrets]


def chain_hash(payload: bytes, key: bytes | None = None) -> str:
    """The keyed hash of one row's payload."""
    return hmac.new(key or _chain_keys()[0], payload, hashlib.sha256).hexdigest()


def _hash_holds(event: AuditEvent, keys: list[bytes]) -> bool:
    payload = _payload(event)
    return any(hmac.compare_digest(chain_hash(payload, key), event.hash) for key in keys)


def row_hash_holds(event: AuditEvent) -> bool:
    """Whether one row's own hash still matches its content (under any chain key)."""
    return _hash_holds(event, _chain_keys())


def _lock_chain() -> None:
    # SQLite transactions here are IMMEDIATE, so writers are already serialised at BEGIN.
    # PostgreSQL lets writers run side by side, so the chain's tail is locked until commit.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_POSTGRES_AUDIT_LOCK])


def record_audit(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    agency_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit row; must run inside the transaction of the change it records."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_audit must run inside the transaction of the change.")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or str(obj)[:255]
    _lock_chain()
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    # The system actor (and an anonymous visitor) has no user row; its label says who it was.
    real_actor = actor if getattr(actor, "pk", None) is not None else None
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor=real_actor,
        actor_label=(actor.get_username() or "anonymous") if actor is not None else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        agency_id=agency_id,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        reason=reason,
        request_id=current_request_id.get() or "",
        prev_hash=last or GENESIS_HASH,
    )
    event.hash = chain_hash(_payload(event))
    event.save()
    return event


@dataclass(frozen=True)
class AuditEntry:
    """One row for record_audit_many: what changed, on which object."""

    action: str
    object_type: str
    object_id: str
    object_label: str
    agency_id: int | None
    after: dict[str, Any] | None = None
    before: dict[str, Any] | None = None
    reason: str = ""


_AUDIT_COLUMNS = (
    "occurred_at", "actor", "actor_label", "action", "object_type", "object_id", "object_label",
    "agency", "before", "after", "reason", "request_id", "prev_hash", "hash",
)  # fmt: skip


def record_audit_many(*, actor: Any, entries: Iterable[AuditEntry]) -> int:
    """Append many audit rows at once (a bulk import), chained in order; returns how many.

    The same rows record_audit would write one by one, hashed the same way, inserted with
    plain INSERTs in order (so ids follow the chain): an import of 100,000 records audits
    each record without building 100,000 model instances. The `before` and `after` of each
    entry must already be JSON-ready. Like record_audit, it runs inside the change's
    transaction.
    """
    from muster.core.bulk import insert_rows

    if not connection.in_atomic_block:
        raise RuntimeError("record_audit_many must run inside the transaction of the change.")
    _lock_chain()
    prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    prev = prev or GENESIS_HASH
    actor_id = getattr(actor, "pk", None)
    label = (actor.get_username() or "anonymous") if actor is not None else "system"
    request_id = current_request_id.get() or ""
    now = timezone.now()
    occurred = now.astimezone(dt.UTC).isoformat()
    key = _chain_keys()[0]
    rows = []
    for e in entries:
        object_label = e.object_label[:255]
        content = {
            "occurred_at": occurred,
            "actor_id": actor_id,
            "actor_label": label,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "object_label": object_label,
            "agency_id": e.agency_id,
            "before": e.before,
            "after": e.after,
            "reason": e.reason,
            "request_id": request_id,
            "prev_hash": prev,
        }
        digest = chain_hash(_payload_bytes(content), key)
        rows.append(
            (
                now, actor_id, label, e.action, e.object_type, e.object_id, object_label,
                e.agency_id, e.before, e.after, e.reason, request_id, prev, digest,
            )
        )  # fmt: skip
        prev = digest
    return insert_rows(AuditEvent, _AUDIT_COLUMNS, rows)


def create_audited(obj: models.Model, *, actor: Any, action: str) -> None:
    """Validate and insert a new row, and audit its values under its agency (an agency's
    own row under itself). Runs inside the change's transaction, like record_audit."""
    obj.full_clean()
    obj.save()
    agency_id = getattr(obj, "agency_id", None)
    record_audit(actor=actor, action=action, obj=obj, agency_id=agency_id, after=snapshot(obj))


def change_audited(
    obj: models.Model,
    changes: dict[str, Any],
    *,
    actor: Any,
    action: str,
    agency_id: int | None,
    reason: str = "",
    validate: bool = False,
) -> None:
    """Set fields on a row, save only them, and audit the values before and after.

    Must run inside the transaction of the change, like record_audit.
    """
    before = snapshot(obj)
    for name, value in changes.items():
        setattr(obj, name, value)
    if validate:
        obj.full_clean()
    obj.save(update_fields=list(changes))
    record_audit(
        actor=actor,
        action=action,
        obj=obj,
        agency_id=agency_id,
        before=before,
        after=snapshot(obj),
        reason=reason,
    )


@dataclass(frozen=True)
class ChainBreak:
    """Where the audit chain stops matching its content."""

    event_id: int
    problem: str


def iter_chain_breaks(batch_size: int = 2000) -> Iterator[ChainBreak]:
    """Walk the whole audit log in order and yield every row whose hash does not hold."""
    keys = _chain_keys()
    expected_prev = GENESIS_HASH
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        if event.prev_hash != expected_prev:
            yield ChainBreak(
                event.pk,
                "its link does not match the row before it (a row was removed or inserted "
                "before this one)",
            )
        if not _hash_holds(event, keys):
            yield ChainBreak(event.pk, "its content does not match its keyed hash (edited)")
        expected_prev = event.hash


def verify_chain() -> list[ChainBreak]:
    """Every break in the audit chain; an empty list means the log is intact."""
    with transaction.atomic():
        return list(iter_chain_breaks())


def audit_read(*, actor: Any, officer: Any, what: str) -> None:
    """Log that `actor` opened or exported `what` of another officer's confidential record.

    An officer reading their own record is not logged; anyone else is, once per request.
    """
    if getattr(actor, "officer_id", None) == officer.pk:
        return
    with transaction.atomic():
        record_audit(
            actor=actor,
            action="officer.read",
            obj=officer,
            agency_id=officer.agency_id,
            after={"what": what},
        )
