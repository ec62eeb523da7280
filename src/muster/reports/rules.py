"""Who may read the reports: the state report and the dashboard."""

from __future__ import annotations

from typing import Any

import rules

from muster.accounts.models import Role
from muster.accounts.rules import _has_role, is_commission_of_state

# Who prepares the state report, and who keeps the records it is drawn from.
STATE_REPORT_ROLES = frozenset(
    {Role.TRAINING_STAFF, Role.TRAINING_DIRECTOR, Role.AGENCY_ADMIN, Role.RECORDS_CUSTODIAN}
)


@rules.predicate
def prepares_state_report(user: Any, obj: Any) -> bool:
    """The user prepares or keeps the agency's training records."""
    return _has_role(user, obj, STATE_REPORT_ROLES)


rules.add_perm("reports.state_report", prepares_state_report | is_commission_of_state)
