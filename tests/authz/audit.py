"""The audit log, for records custodians and agency administrators."""

from __future__ import annotations

import datetime as dt

from muster.core.models import AuditEvent
from muster.core.services import SYSTEM
from muster.training.services import record_training
from tests.authz.base import AuthzWorld, Route

READERS = frozenset({"custodian", "admin", "superuser"})


def setup(w: AuthzWorld) -> None:
    """A record of the officer's, whose audit row the detail page shows."""
    record_training(
        acting_user=SYSTEM,
        officer=w.officer,
        completed_on=w.agency.today() - dt.timedelta(days=3),
        source="manual",
        title="Ethics",
        minutes=60,
        delivery="in_person",
        category="legal_studies",
    )
    w.objects["event"] = AuditEvent.objects.filter(agency=w.agency).latest("id")


ROUTES = {
    "audit-log": Route(allowed=READERS),
    "audit-event": Route(allowed=READERS, kwargs=lambda w: {"pk": w.objects["event"].pk}),
}
