"""Request ids for the audit log, and each agency's own time zone."""

from __future__ import annotations

import re
import uuid
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from muster.core.context import current_request_id

_VALID_ID = re.compile(r"^[A-Za-z0-9-]{8,36}$")


class RequestIdMiddleware:
    """Give every request an id (or keep a proxy's X-Request-ID) that audit rows carry."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else str(uuid.uuid4())
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


def agency_time_zone(user: object) -> str:
    """The time zone a user's dates are shown in: their agency's, else the site default."""
    from muster.agencies.models import Agency

    if not getattr(user, "is_authenticated", False):
        return str(settings.TIME_ZONE)
    officer = getattr(user, "officer", None)
    if officer is not None:
        return str(officer.agency.time_zone)
    scope = user.scope  # type: ignore[attr-defined]
    if scope.member_agency_ids:
        zone = (
            Agency.objects.filter(pk__in=scope.member_agency_ids)
            .order_by("pk")
            .values_list("time_zone", flat=True)
            .first()
        )
        if zone:
            return str(zone)
    return str(settings.TIME_ZONE)


class AgencyTimezoneMiddleware:
    """Show every date and time in the signed-in person's agency's time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.activate(zoneinfo.ZoneInfo(agency_time_zone(request.user)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
