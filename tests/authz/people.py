"""The officer list, an officer's page and their training history."""

from __future__ import annotations

from tests.authz.base import READS_OFFICER, SIGNED_IN, Route

ROUTES = {
    # Everyone signed in gets the list, filtered to whom they may read.
    "officer-list": Route(allowed=SIGNED_IN),
    "officer-detail": Route(allowed=READS_OFFICER, kwargs=lambda w: {"pk": w.officer.pk}),
    "officer-history": Route(allowed=READS_OFFICER, kwargs=lambda w: {"pk": w.officer.pk}),
}
