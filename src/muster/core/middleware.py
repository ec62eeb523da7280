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


class RefusalAuditMiddleware:
    """Write an audit row for every refused request (403), whoever asked and however refused.

    Refusals come from `require()` in a service, a view's own check, CSRF, or a page that
    answers 403 itself; all end as a 403 response, so they are caught here in one place. The
    refused change itself was rolled back by then, so the row is written in its own
    transaction. It names the path and method, never the request's content.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403:
            self._record(request)
        return response

    def _record(self, request: HttpRequest) -> None:
        from django.db import transaction

        from muster.core.audit import record_audit

        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        agency_id = None
        if signed_in:
            # The user's own agency, so the agency's custodians see the refusal in its log.
            agencies = sorted(user.scope.member_agency_ids)  # type: ignore[union-attr]
            agency_id = agencies[0] if agencies else None
        with transaction.atomic():
            record_audit(
                actor=user,
                action="permission.refused",
                object_type="request",
                object_label=request.path[:255],
                agency_id=agency_id,
                after={"method": request.method, "path": request.path[:500]},
            )
