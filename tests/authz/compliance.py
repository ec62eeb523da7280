"""The rules pages: the state rule and the agency's overlay."""

from __future__ import annotations

from tests.authz.base import AGENCY_MEMBERS, Route

ROUTES = {
    # The rule of the user's own agency or state; a state without agencies has none to show.
    "rules": Route(allowed=AGENCY_MEMBERS | {"foreign_training", "commission"}),
    "agency-rules": Route(
        allowed=AGENCY_MEMBERS | {"commission"}, kwargs=lambda w: {"pk": w.agency.pk}
    ),
}
