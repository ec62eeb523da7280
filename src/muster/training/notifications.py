"""E-mails about sessions: a member's notice of absence to their supervisors, and a new date
to the member. Sent after the change commits; a mail server that is down never undoes it."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string

from muster.accounts.models import Membership, Role
from muster.training.models import AbsenceNotice

log = logging.getLogger(__name__)


def _send(template: str, context: Mapping[str, object], to: list[str], subject: str) -> None:
    # Addresses under .invalid (RFC 2606, used by the demo) can never be delivered.
    to = [address for address in to if not address.lower().endswith(".invalid")]
    if not to:
        return
    text = render_to_string(f"email/{template}.txt", dict(context))
    html = render_to_string(f"email/{template}.html", dict(context))
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except OSError:  # the notice is on the supervisor's page either way
        log.exception("Could not send %s to %s", template, to)


def supervisors_of(notice: AbsenceNotice) -> list[str]:
    """E-mail addresses of the active supervisors of the member's unit or a unit above it."""
    unit = notice.officer.unit
    if unit is None:
        return []
    above = _prefixes(unit.path)
    rows = Membership.objects.active().filter(
        Q(unit__path__in=above), role=Role.SUPERVISOR, agency_id=notice.officer.agency_id
    )
    return sorted({m.user.email for m in rows.select_related("user") if m.user.email})


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    # "/3/17/" is under "/3/": the member's unit and every unit above it.
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


def absence_notified(notice: AbsenceNotice) -> None:
    """Tell the member's supervisors that the member cannot attend."""
    context = {"notice": notice, "officer": notice.officer, "session": notice.session}
    subject = f"{notice.officer.full_name} cannot attend {notice.session.course.course_id}"
    _send("absence_notified", context, supervisors_of(notice), subject)


def new_date_offered(notice: AbsenceNotice) -> None:
    """Tell the member the new date the Training Unit gave them."""
    user = getattr(notice.officer, "user", None)
    if user is None or not user.email or notice.rescheduled_to is None:
        return
    context = {"notice": notice, "officer": notice.officer, "session": notice.rescheduled_to}
    subject = f"New date for {notice.rescheduled_to.course.course_id}"
    _send("new_date_offered", context, [user.email], subject)
