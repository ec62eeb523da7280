"""Shared values and a report builder for the roll-call tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from muster.rollcall.models import RollCallReport
from muster.rollcall.services import document_roll_call

# Noon in Chicago: the agency's today is Nov 20, 2026.
NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)
HELD_ON = dt.date(2026, 11, 18)
PASSWORD = "correct horse battery"


def document(world: Any, **changes: Any) -> RollCallReport:
    """A report of the Patrol supervisor, with any field changed."""
    values: dict[str, Any] = {
        "acting_user": world.supervisor_user,
        "unit": world.patrol,
        "held_on": HELD_ON,
        "minutes": 50,
        "title": "Pursuit policy review",
        "topics": ["driving", "policy_update"],
        "attendees": [world.officer, world.colleague],
        "instructor_name": "Sgt. Alvarez",
    } | changes
    return document_roll_call(**values)
