"""Roll-call training documented by a supervisor and entered by the Training Unit."""

from __future__ import annotations

import datetime as dt

from muster.rollcall.services import document_roll_call
from tests.authz.base import AGENCY_WIDE, SIGNED_IN, TRAINING_WRITERS, AuthzWorld, Route


def setup(w: AuthzWorld) -> None:
    """A report of the division's supervisor that the officer attended."""
    w.objects["report"] = document_roll_call(
        acting_user=w.users["supervisor"],
        unit=w.division,
        held_on=w.agency.today() - dt.timedelta(days=2),
        minutes=50,
        title="Pursuit policy review",
        topics=["driving"],
        attendees=[w.officer, w.other_officer],
        instructor_name="Sgt. Alvarez",
    )


def _report(w: AuthzWorld) -> dict[str, int]:
    return {"pk": w.objects["report"].pk}


ROUTES = {
    "rollcall-list": Route(allowed=SIGNED_IN),
    # Supervisors document the roll-calls of their own units.
    "rollcall-new": Route(allowed=frozenset({"supervisor", "other_supervisor"})),
    "rollcall-detail": Route(allowed=AGENCY_WIDE | {"supervisor"}, kwargs=_report),
    "rollcall-edit": Route(allowed=frozenset({"supervisor", "superuser"}), kwargs=_report),
    "rollcall-enter": Route(allowed=TRAINING_WRITERS, kwargs=_report, methods=("POST",)),
    "rollcall-return": Route(
        allowed=TRAINING_WRITERS,
        kwargs=_report,
        methods=("POST",),
        data=lambda w: {"reason": "Name the instructor, please."},
    ),
}
