"""Who manages xAPI integrations and who may send statements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules

from muster.accounts.rules import is_training_writer

add_perm: Callable[[str, Any], None] = rules.add_perm


@rules.predicate
def is_the_integration(user: Any, obj: Any) -> bool:
    """The user is the integration's own service login, and the integration is active."""
    integration = getattr(obj, "integration", obj)
    return bool(
        integration is not None
        and getattr(integration, "active", False)
        and getattr(integration, "service_user_id", None) == getattr(user, "pk", -1)
    )


# The Training Unit of the agency sets up providers and maps their activities to courses.
add_perm("xapi.manage", is_training_writer)
# Only an integration's own login stores statements under it.
add_perm("xapi.receive", is_the_integration)
