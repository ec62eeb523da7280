"""Template context shared by every page: the navigation a user's roles call for."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from muster.accounts.models import TRAINING_WRITE_ROLES, Role
from muster.core.audit_views import AUDIT_READERS
from muster.retention.models import RETENTION_READ_ROLES


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
    only_supervises = scope.all_roles() <= {Role.SUPERVISOR, Role.OFFICER}
    if only_supervises and len(scope.unit_paths) == 1 and not scope.everything:
        # A unit's path ends with its own id ("/3/17/" is unit 17).
        unit_id = int(scope.unit_paths[0].strip("/").split("/")[-1])
        items.append(("my-unit", "My unit", reverse("unit-compliance", args=[unit_id])))
    elif scope.everything or scope.agency_ids or scope.states or scope.unit_paths:
        label = "My unit" if only_supervises else "Officers"
        items.append(("officers", label, reverse("officer-list")))
    member = scope.everything or bool(scope.member_agency_ids)
    if member:
        items.append(("sessions", "Sessions", reverse("session-list")))
        items.append(("courses", "Catalog", reverse("course-list")))
    if officer_id or scope.everything or scope.all_roles() & TRAINING_WRITE_ROLES:
        items.append(("outside", "Outside training", reverse("outside-list")))
    if scope.everything or scope.unit_paths or scope.all_roles() & TRAINING_WRITE_ROLES:
        items.append(("rollcall", "Roll-call", reverse("rollcall-list")))
    if scope.everything or scope.all_roles() & TRAINING_WRITE_ROLES:
        items.append(("xapi", "E-learning", reverse("xapi-list")))
        items.append(("imports", "Imports", reverse("imports:list")))
    if member:
        items.append(("certification", "Course certification", reverse("certification-list")))
        items.append(("rules", "Rules", reverse("rules")))
    if scope.everything or scope.agency_ids:
        # The agency-wide roles: records staff enter and produce releases, counsel decides.
        items.append(("release", "Records release", reverse("release-list")))
    if scope.everything or scope.agencies_with(AUDIT_READERS):
        items.append(("audit", "Audit log", reverse("audit-log")))
    if scope.everything or scope.agencies_with(RETENTION_READ_ROLES):
        items.append(("retention", "Retention", reverse("retention:index")))
    if user.is_staff:
        items.append(("admin", "Site administration", reverse("admin:index")))
    current = request.resolver_match.url_name if request.resolver_match else ""
    return {"nav_items": items, "nav_current": current}
