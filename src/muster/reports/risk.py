"""Who is at risk: deficient now, and what they are enrolled in will not close the gap.

For one officer the exact answer is `compliance.services.what_if`, which runs the rule with
their enrolled sessions added (their home page shows it). For a unit or an agency of thousands
that is too slow, so lists use this estimate, in two queries whatever the number of officers:
an officer is at risk when their stored verdict is deficient and the sessions they are enrolled
in before the deadline add fewer credit hours than they are short, or none at all (a missing
topic or qualification is not made up by nothing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from muster.agencies.models import Agency
from muster.compliance.models import ComplianceSnapshot
from muster.compliance.rulepack import UNITS_PER_HOUR
from muster.compliance.services import evaluator_for
from muster.training.models import Enrolment, EnrolmentStatus, SessionStatus


def scheduled_minutes(user: object, officer_ids: Iterable[int], until: dt.date) -> dict[int, int]:
    """Course minutes of the sessions each officer is enrolled in from now until `until`."""
    rows = (
        Enrolment.objects.visible_to(user)
        .filter(
            officer_id__in=list(officer_ids),
            status=EnrolmentStatus.ENROLLED,
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__gte=timezone.now(),
            session__starts_at__date__lte=until,
        )
        .values("officer_id")
        .annotate(minutes=Sum("session__course__credit_minutes"))
    )
    return {row["officer_id"]: int(row["minutes"] or 0) for row in rows}


def credit_rates(agency: Agency, day: dt.date) -> tuple[int, Decimal | None]:
    """The attendee minutes that make one credit hour (Missouri: 50) and the credit hours per
    college semester hour, as the agency's rules (state pack and overlay) stand on `day`."""
    compiled = evaluator_for(agency)[0].compiled_for(day)
    college = compiled.college_units
    return (
        UNITS_PER_HOUR // compiled.attendee_factor,
        None if college is None else Decimal(college) / UNITS_PER_HOUR,
    )


def minutes_per_hour(agency: Agency, day: dt.date) -> int:
    """The attendee minutes that make one credit hour for the agency on `day`."""
    return credit_rates(agency, day)[0]


def shortfall_hours(snapshot: ComplianceSnapshot) -> Decimal:
    """Hours still missing toward the total (zero when only a topic or a shoot is missing)."""
    return max(Decimal(0), Decimal(snapshot.required_hours) - Decimal(snapshot.credited_hours))


def at_risk(snapshot: ComplianceSnapshot | None, scheduled: Decimal) -> bool:
    """Deficient, and the enrolled sessions' hours do not cover the shortfall (or are none)."""
    if snapshot is None or snapshot.status != "deficient":
        return False
    return scheduled == 0 or scheduled < shortfall_hours(snapshot)


def days_left(snapshot: ComplianceSnapshot, today: dt.date) -> int | None:
    """Days until the deadline (or the end of grace, when the pack has one)."""
    end = snapshot.grace_until or snapshot.deadline or snapshot.period_end
    return (end - today).days if end else None
