"""Sending Muster's e-mails: plain text and HTML from one template name, to addresses that can
be delivered, after the change that caused them; a mail server that is down never undoes it."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from muster.accounts.models import Membership, Role

log = logging.getLogger(__name__)


def deliverable(addresses: Iterable[str]) -> list[str]:
    """The addresses worth sending to, each once: not empty, and not under .invalid (RFC 2606,
    used by the demo), which can never be delivered."""
    return sorted({a for a in addresses if a and not a.lower().endswith(".invalid")})


def send_templated(
    template: str, context: Mapping[str, object], to: Iterable[str], subject: str
) -> None:
    """Send email/<template>.txt with email/<template>.html beside it; a failure is logged,
    never raised (callers send after their change has committed)."""
    recipients = deliverable(to)
    if not recipients:
        return
    text = render_to_string(f"email/{template}.txt", dict(context))
    html = render_to_string(f"email/{template}.html", dict(context))
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, recipients)
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except OSError:
        log.exception("Could not send %s to %s", template, recipients)


def _units_above(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    # "/3/17/" is under "/3/": the officer's unit and every unit above it.
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


def supervisor_addresses(officer: Any) -> list[str]:
    """Addresses of the active supervisors (with active logins) of the officer's unit or a
    unit above it."""
    if officer.unit is None:
        return []
    rows = Membership.objects.active().filter(
        unit__path__in=_units_above(officer.unit.path),
        role=Role.SUPERVISOR,
        agency_id=officer.agency_id,
        user__is_active=True,
    )
    return sorted({m.user.email for m in rows.select_related("user") if m.user.email})
