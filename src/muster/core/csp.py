"""The Content-Security-Policy header, and the violation reports browsers post back.

The policy itself is in settings.CONTENT_SECURITY_POLICY. A report says that a page tried
to load or run something the policy forbids: a template that slipped in an inline style or
script, or something injected into a page. Anyone may post one (browsers send them without
a CSRF token, and from the login page too), so a report is small, is logged as plain text
with its addresses cut to their paths, and at most REPORTS_PER_MINUTE are logged a minute.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import orjson
from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from muster.accounts.oidc import sso_settings

logger = logging.getLogger("muster.csp")

# A browser's report is well under 2 KB; anything much larger is not one.
REPORT_MAX_BYTES = 8 * 1024
REPORTS_PER_MINUTE = 30
FIELD_MAX_CHARS = 200


def sso_form_action_origins() -> list[str]:
    """The origins of the single sign-on provider's issuer and configured sign-in and
    end-session endpoints, while single sign-on is on; addresses that are not http(s) are
    left out (the sign-in itself then fails and says why)."""
    config = sso_settings()
    if not config.enabled:
        return []
    origins = []
    for address in (config.issuer, config.authorization_endpoint, config.end_session_endpoint):
        parts = urlsplit(address)
        if parts.scheme in ("https", "http") and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return list(dict.fromkeys(origins))


class MusterCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, adding the single sign-on provider to form-action.

    Signing out is a POST that, after a single sign-on, is redirected to the provider's
    end-session endpoint, and browsers hold such redirects to the form page's form-action.
    The provider is read from the settings in force for each response, not once at start-up.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        origins = sso_form_action_origins()
        if origins and not report_only:
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", ()), *origins]
            parts.update = update
        return parts


class _Budget:
    """How many reports this process may still log in the current minute."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._minute = -1
        self._used = 0
        self._dropped = 0

    def take(self, now: float) -> tuple[bool, int]:
        """(whether this report may be logged, how many were dropped in the previous minute)."""
        minute = int(now // 60)
        with self._lock:
            dropped_before = 0
            if minute != self._minute:
                dropped_before = self._dropped
                self._minute, self._used, self._dropped = minute, 0, 0
            if self._used >= self.per_minute:
                self._dropped += 1
                return False, dropped_before
            self._used += 1
            return True, dropped_before


budget = _Budget(REPORTS_PER_MINUTE)


def _path_only(value: Any) -> str:
    """An address without its query or fragment (they may hold names typed into a search)."""
    text = str(value or "")
    if "://" in text:
        try:
            parts = urlsplit(text)
        except ValueError:  # not an address at all (a browser never sends one; anyone may)
            return text.split("?", 1)[0].split("#", 1)[0][:FIELD_MAX_CHARS]
        text = f"{parts.scheme}://{parts.netloc}{parts.path}"
    else:
        text = text.split("?", 1)[0].split("#", 1)[0]
    return text[:FIELD_MAX_CHARS]


def _violation(payload: Any) -> dict[str, str] | None:
    """The logged fields of a report, in either the report-uri or the Reporting API shape."""
    if isinstance(payload, list) and payload and isinstance(payload[0], dict):
        payload = payload[0]
    if not isinstance(payload, dict):
        return None
    if isinstance(payload.get("csp-report"), dict):  # report-uri: hyphenated keys
        body = payload["csp-report"]
        keys = ("document-uri", "effective-directive", "violated-directive", "blocked-uri")
        source = ("source-file", "line-number")
    elif isinstance(payload.get("body"), dict):  # Reporting API: camelCase keys
        body = payload["body"]
        keys = ("documentURL", "effectiveDirective", "effectiveDirective", "blockedURL")
        source = ("sourceFile", "lineNumber")
    else:
        return None
    document, effective, violated, blocked = (body.get(k) for k in keys)
    return {
        "page": _path_only(document),
        "directive": str(effective or violated or "")[:FIELD_MAX_CHARS],
        "blocked": _path_only(blocked),
        "source": f"{_path_only(body.get(source[0]))}:{str(body.get(source[1]) or '')[:10]}",
    }


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log a CSP violation a browser reports (anyone may post; size- and rate-limited)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    raw = request.read(REPORT_MAX_BYTES + 1)
    if len(raw) > REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        violation = _violation(orjson.loads(raw))
    except orjson.JSONDecodeError:
        violation = None
    if violation is None:
        return HttpResponse(status=204)
    allowed, dropped = budget.take(time.monotonic())
    if dropped:
        logger.warning("%d more CSP violation reports were not logged last minute", dropped)
    if allowed:
        # %r quotes the values, so a crafted report cannot forge log lines.
        logger.warning(
            "CSP violation: page=%r directive=%r blocked=%r source=%r",
            violation["page"],
            violation["directive"],
            violation["blocked"],
            violation["source"],
        )
    return HttpResponse(status=204)
