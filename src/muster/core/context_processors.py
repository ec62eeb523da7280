"""Template context shared by every page: the navigation a user's roles call for."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from muster.accounts.models import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Menu entries for the signed-in user, by role."""
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": []}
    scope = user.scope
    items = [("home", "Home", reverse("home"))]
    officer_id = getattr(user, "officer_id", None)
    if officer_id:
        items.append(("my-record", "My training", reverse("officer-detail", args=[officer_id])))
    if scope.everything or scope.agency_ids or scope.states or scope.unit_paths:
        label = "My unit" if scope.all_roles() <= {Role.SUPERVISOR, Role.OFFICER} else "Officers"
        items.append(("officers", label, reverse("officer-list")))
    if scope.everything or scope.member_agency_ids:
        items.append(("rules", "Rules", reverse("rules")))
    if user.is_staff:
        items.append(("admin", "Site administration", reverse("admin:index")))
    current = request.resolver_match.url_name if request.resolver_match else ""
    return {"nav_items": items, "nav_current": current}
