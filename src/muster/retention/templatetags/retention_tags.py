"""The legal-hold note on an officer's page, for the agency's wide roles."""

from __future__ import annotations

from typing import Any

from django import template

from muster.accounts.models import AGENCY_WIDE_ROLES
from muster.retention.models import LegalHold

register = template.Library()


@register.inclusion_tag("retention/_hold_note.html", takes_context=True)
def legal_hold_note(context: dict[str, Any], officer: Any) -> dict[str, Any]:
    """Whether a legal hold keeps this officer's records, shown to agency-wide roles only
    (an officer or a supervisor is not told of a hold); the matter itself only to those
    who place holds."""
    user = context["request"].user
    scope = user.scope
    if not (scope.everything or scope.roles_in(officer.agency_id) & AGENCY_WIDE_ROLES):
        return {"holds": []}
    # Read without the retention scope on purpose: training staff are told records are
    # held, not why.
    holds = list(LegalHold.objects.covering(officer.agency_id, officer.pk).order_by("placed_at"))
    return {
        "officer": officer,
        "holds": holds,
        "agency_wide": any(h.officer_id is None for h in holds),
        "show_reasons": user.has_perm("retention.manage_holds", officer),
        "can_view": user.has_perm("retention.view", officer),
        "can_place": user.has_perm("retention.manage_holds", officer),
    }
