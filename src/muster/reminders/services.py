"""Deadline reminders: which are due today, and sending each exactly once at most.

An officer deficient in their current period is reminded, with their unit's supervisors, when
90, 60, 30 and 7 days are left to the deadline (the end of grace when the pack has one). A
liaison whose certification packet is still incomplete is reminded 14, 7, 3 and 1 days before
the 30-day line. When the job misses days, only the most recent threshold crossed is sent.

Each reminder is a `Reminder` row written, with its audit row, in the transaction that queues
the e-mail; the e-mail goes out when that transaction commits. A second run (or a second
worker) finds the row and sends nothing, so a reminder is sent at most once: a crash between
the commit and the mail server loses that one e-mail rather than repeating it. See
docs/reminders.md.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse

from muster.certification.models import (
    DEADLINE_DAYS,
    CertificationRequest,
    DocumentKind,
    RequestStatus,
)
from muster.certification.services import (
    REMINDER_DAYS,
    days_to_deadline,
    missing_kinds,
)
from muster.compliance.models import ComplianceSnapshot
from muster.core.audit import record_audit
from muster.core.mail import deliverable, send_templated, supervisor_addresses
from muster.people.models import Officer, OfficerStatus
from muster.reminders.models import Reminder, ReminderKind
from muster.reports.risk import days_left

log = logging.getLogger(__name__)

# Days before the period's deadline on which a deficient officer is reminded.
OFFICER_THRESHOLDS = (90, 60, 30, 7)
# Days before the certification 30-day line on which the liaison is reminded.
LIAISON_THRESHOLDS = REMINDER_DAYS


def due_threshold(days: int | None, thresholds: Iterable[int]) -> int | None:
    """The most recent threshold crossed with `days` left (the smallest at or above it), or
    None when none is reached yet or the deadline has passed."""
    if days is None or days < 0:
        return None
    reached = [t for t in thresholds if t >= days]
    return min(reached) if reached else None


@dataclass
class RunSummary:
    """What one run sent: reminders recorded and e-mails queued."""

    reminders: int = 0
    emails: int = 0
    skipped_no_address: int = 0
    sent: list[str] = field(default_factory=list)


def officer_address(officer: Officer) -> list[str]:
    """The officer's own login address, when they have an active login with one."""
    user = getattr(officer, "user", None)
    if user is None or not user.is_active or not user.email:
        return []
    return [user.email]


def absolute_url(path: str) -> str:
    """A link for an e-mail, on the site's configured address (MUSTER_BASE_URL)."""
    return f"{settings.MUSTER_BASE_URL}{path}"


def _fmt_hours(value: Any) -> str:
    number = Decimal(str(value)).quantize(Decimal("0.01"))
    return f"{number.normalize():f}"


def missing_requirements(snapshot: ComplianceSnapshot) -> list[dict[str, str]]:
    """The unmet requirements of a stored verdict: title and what is short, in words."""
    out = []
    for req in snapshot.result.get("requirements", []):
        if req.get("met") or req.get("waived"):
            continue
        if req.get("kind") == "hours":
            short = f"{_fmt_hours(req.get('shortfall', 0))} credit hours short"
        else:
            short = f"{_fmt_hours(req.get('shortfall', 0))} still needed"
        title = str(req.get("title") or req.get("id") or "Requirement")
        if req.get("unit"):
            title = f"{title} ({req['unit']})"
        out.append({"title": title, "short": short})
    return out


def _record_and_send(
    *,
    kind: str,
    object_id: int,
    period: str,
    threshold: int,
    days: int,
    agency_id: int,
    recipients: list[str],
    label: str,
    template: str,
    context: Mapping[str, object],
    subject: str,
) -> bool:
    """Write the reminder and its audit row, and send the e-mail once they commit; False when
    it was sent before."""
    if Reminder.objects.filter(
        kind=kind, object_id=object_id, period=period, threshold=threshold
    ).exists():
        return False
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                kind=kind,
                object_id=object_id,
                period=period,
                threshold=threshold,
                days_left=days,
                agency_id=agency_id,
                recipients=recipients,
            )
            # The audit row names who was told about what, not the e-mail's content.
            record_audit(
                actor=None,
                action="reminder.sent",
                obj=reminder,
                object_label=f"{label}: {threshold}-day reminder",
                agency_id=agency_id,
                after={
                    "kind": kind,
                    "threshold": threshold,
                    "period": period,
                    "recipients": recipients,
                },
            )
            transaction.on_commit(lambda: send_templated(template, context, recipients, subject))
    except IntegrityError:  # another run recorded it between the check and the insert
        return False
    return True


def officer_reminders_due(today: dt.date) -> list[tuple[ComplianceSnapshot, int, int]]:
    """Deficient officers in their current period with a threshold due: the snapshot, the
    threshold and the days left."""
    snapshots = (
        ComplianceSnapshot.objects.filter(
            status="deficient",
            pack_id=F("officer__agency__rule_pack"),
            period_start__lte=today,
        )
        .exclude(officer__status=OfficerStatus.SEPARATED)
        .select_related("officer__agency", "officer__unit", "officer__user")
        .order_by("officer_id", "-period_start")
    )
    out = []
    seen: set[int] = set()
    for snap in snapshots:
        days = days_left(snap, today)
        threshold = due_threshold(days, OFFICER_THRESHOLDS)
        # One reminder per officer: the latest period still open (grace may overlap).
        if threshold is None or days is None or snap.officer_id in seen:
            continue
        seen.add(snap.officer_id)
        out.append((snap, threshold, days))
    return out


def liaison_reminders_due(today: dt.date) -> list[tuple[CertificationRequest, int, int]]:
    """Drafts with an incomplete packet and a threshold due before the 30-day line: the
    request, the threshold and the days left."""
    latest = today + dt.timedelta(days=DEADLINE_DAYS + max(LIAISON_THRESHOLDS))
    candidates = CertificationRequest.objects.filter(
        status=RequestStatus.DRAFT,
        packet_completed_at__isnull=True,
        late_exception_by__isnull=True,
        first_delivery_on__gte=today + dt.timedelta(days=DEADLINE_DAYS),
        first_delivery_on__lte=latest,
    ).select_related("agency", "liaison__user")
    out = []
    for request in candidates:
        days = days_to_deadline(request, today)
        threshold = due_threshold(days, LIAISON_THRESHOLDS)
        if threshold is not None:
            out.append((request, threshold, days))
    return out


def _days_words(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def send_due_reminders(today: dt.date) -> RunSummary:
    """Send every reminder due on `today` that was not sent before (the scheduled job)."""
    summary = RunSummary()
    for snap, threshold, days in officer_reminders_due(today):
        officer = snap.officer
        recipients = deliverable([*officer_address(officer), *supervisor_addresses(officer)])
        if not recipients:
            summary.skipped_no_address += 1
            continue
        end = snap.grace_until or snap.deadline or snap.period_end
        context = {
            "officer": officer,
            "snapshot": snap,
            "missing": missing_requirements(snap),
            "deadline": end,
            "days_left": _days_words(days),
            "url": absolute_url(reverse("officer-detail", args=[officer.pk])),
            "site_name": settings.MUSTER_SITE_NAME,
        }
        subject = (
            f"{officer.full_name}: {_days_words(days)} left to meet {snap.period_label} training"
        )
        if _record_and_send(
            kind=ReminderKind.DEFICIENCY,
            object_id=officer.pk,
            period=snap.period_label,
            threshold=threshold,
            days=days,
            agency_id=officer.agency_id,
            recipients=recipients,
            label=officer.full_name,
            template="deficiency_reminder",
            context=context,
            subject=subject,
        ):
            summary.reminders += 1
            summary.emails += len(recipients)
            summary.sent.append(f"deficiency:{officer.pk}:{threshold}")
    for request, threshold, days in liaison_reminders_due(today):
        recipients = deliverable(officer_address(request.liaison))
        if not recipients:
            summary.skipped_no_address += 1
            continue
        context = {
            "request": request,
            "liaison": request.liaison,
            "missing": [str(DocumentKind(k).label) for k in missing_kinds(request)],
            "deadline": request.deadline,
            "days_left": _days_words(days),
            "url": absolute_url(reverse("certification-detail", args=[request.pk])),
            "site_name": settings.MUSTER_SITE_NAME,
        }
        subject = f"{_days_words(days)} left to complete the packet for {request.class_name}"
        if _record_and_send(
            kind=ReminderKind.CERTIFICATION,
            object_id=request.pk,
            period=request.deadline.isoformat(),
            threshold=threshold,
            days=days,
            agency_id=request.agency_id,
            recipients=recipients,
            label=request.class_name,
            template="certification_reminder",
            context=context,
            subject=subject,
        ):
            summary.reminders += 1
            summary.emails += len(recipients)
            summary.sent.append(f"certification:{request.pk}:{threshold}")
    return summary
