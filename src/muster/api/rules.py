"""Who may hold and revoke API tokens."""

from __future__ import annotations

from typing import Any

import rules

from muster.accounts.rules import is_self


@rules.predicate
def is_person(user: Any, obj: Any) -> bool:
    """The login belongs to a person, not to an e-learning integration (whose service login
    never signs in and acts only through its own xAPI credentials)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return not hasattr(user, "xapi_integration")


@rules.predicate
def owns_token(user: Any, obj: Any) -> bool:
    """The token is the user's own."""
    return obj is not None and getattr(obj, "user_id", None) == getattr(user, "pk", None)


# Anyone who signs in may make tokens for themselves; they read and change exactly what the
# person may, no more.
rules.add_perm("api.create_token", is_self & is_person)
# The owner revokes their token; a site administrator may revoke anyone's (a leaked token).
rules.add_perm("api.revoke_token", owns_token | rules.is_superuser)
