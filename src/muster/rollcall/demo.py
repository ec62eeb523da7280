"""Demo data of the roll-call app: one report waiting for the Training Unit, one entered."""

from __future__ import annotations

import datetime as dt
from typing import Any

from muster.agencies.models import Agency, Unit
from muster.people.models import Officer
from muster.rollcall.services import document_roll_call, enter_roll_call


def load_demo(agency: Agency, *, supervisor_user: Any, training_user: Any) -> None:
    """Document two roll-calls as the supervisor; the Training Unit enters the older one."""
    # Both users may have been given their roles moments ago in the same run.
    supervisor_user.forget_scope()
    training_user.forget_scope()
    unit = (
        Unit.objects.filter(agency=agency, path__in=supervisor_user.scope.unit_paths)
        .order_by("path")
        .first()
    )
    if unit is None:
        return
    today = agency.today()
    entered_on = today - dt.timedelta(days=9)
    forwarded_on = today - dt.timedelta(days=2)
    sergeant = supervisor_user.officer
    teaches = (
        sergeant is not None
        and sergeant.agency_id == agency.pk
        and (sergeant.hired_on is None or sergeant.hired_on <= entered_on)
    )
    candidates = (
        Officer.objects.filter(agency=agency, unit__path__startswith=unit.path)
        .serving()
        .exclude(hired_on__gt=entered_on)
    )
    if sergeant is not None:  # the sergeant teaches; an instructor is not also an attendee
        candidates = candidates.exclude(pk=sergeant.pk)
    crew = list(candidates.order_by("last_name", "first_name", "pk")[:6])
    if not crew:
        return
    instructor = sergeant if teaches else None
    entered = document_roll_call(
        acting_user=supervisor_user,
        unit=unit,
        held_on=entered_on,
        start_time=dt.time(6, 45),
        minutes=45,
        title="Response to resistance: baton and OC refresher",
        topics=["use_of_force", "first_aid"],
        attendees=crew,
        instructor=instructor,
        instructor_name="" if teaches else "Sgt. M. Okafor (Range staff)",
        notes="Reviewed decontamination after OC exposure.",
    )
    enter_roll_call(acting_user=training_user, report=entered)
    document_roll_call(
        acting_user=supervisor_user,
        unit=unit,
        held_on=forwarded_on,
        start_time=dt.time(14, 45),
        minutes=30,
        title="Vehicle pursuit policy review",
        topics=["driving", "policy_update"],
        attendees=crew[:4],
        instructor=instructor,
        instructor_name="" if teaches else "Sgt. M. Okafor (Range staff)",
    )
