"""Re-chain the audit log under the keyed hash (HMAC-SHA256, key derived from SECRET_KEY).

Earlier rows were chained with plain SHA-256, which anyone with write access to the database
could recompute after an edit. This walks the log once, oldest first, and writes each row's
new link and keyed hash; the content of the rows is not touched. Run `muster audit verify`
before upgrading to be sure the log being re-keyed is intact.
"""

import datetime as dt
import hashlib
import hmac
import json

from django.conf import settings
from django.db import migrations

GENESIS_HASH = "0" * 64
KEY_LABEL = b"muster-audit-chain-v1"


def _payload(event, prev_hash):
    # The row content as core.audit hashes it (frozen here: a migration must not change).
    content = {
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
        "prev_hash": prev_hash,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


def rekey(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    key = hmac.new(settings.SECRET_KEY.encode(), KEY_LABEL, hashlib.sha256).digest()
    prev = GENESIS_HASH
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        digest = hmac.new(key, _payload(event, prev), hashlib.sha256).hexdigest()
        # Queryset update: the model refuses save() and update() of audit rows through
        # its own manager; the historical model here has no such guard.
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=digest)
        prev = digest


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
