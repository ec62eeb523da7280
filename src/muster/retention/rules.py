"""Who may read and change retention schedules, legal holds and disposition batches.

Records custodians keep the schedules and alone approve and execute a disposition;
agency administrators may keep schedules and propose; general counsel / HR place and
release legal holds. Each reads the agency's retention pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import rules

from muster.accounts.models import Role
from muster.accounts.rules import agency_id_of, is_agency_admin, is_counsel_or_hr

add_perm = cast(Callable[[str, Any], None], rules.add_perm)


@rules.predicate
def is_records_custodian(user: Any, obj: Any) -> bool:
    """The user is a records custodian of the object's agency."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Role.RECORDS_CUSTODIAN in user.scope.roles_in(agency_id_of(obj))


@rules.predicate
def proposed_it(user: Any, obj: Any) -> bool:
    """The user proposed this disposition batch."""
    proposer = getattr(obj, "proposed_by_id", None)
    return proposer is not None and proposer == getattr(user, "pk", None)


add_perm("retention.view", is_records_custodian | is_agency_admin | is_counsel_or_hr)
add_perm("retention.manage_schedules", is_records_custodian | is_agency_admin)
add_perm("retention.manage_holds", is_records_custodian | is_agency_admin | is_counsel_or_hr)
add_perm("retention.propose", is_records_custodian | is_agency_admin)
# Approval and execution: records custodians only (the service also refuses superusers,
# whose permission checks always pass: a site administrator holds no agency role).
add_perm("retention.approve", is_records_custodian)
add_perm("retention.execute", is_records_custodian)
add_perm("retention.cancel", is_records_custodian | (is_agency_admin & proposed_it))
