"""Demo retention: starting schedules for every agency, two officers who separated years
ago (one under a legal hold), and a batch of the other's records waiting for the custodian."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from muster.agencies.models import Agency, Unit
from muster.core.services import SYSTEM
from muster.people.models import OfficerStatus
from muster.people.services import create_officer
from muster.retention.due import add_years
from muster.retention.services import install_default_schedules, place_hold, propose_batch
from muster.training.models import Course, RecordSource, WeaponType
from muster.training.services import record_qualification, record_training


def _separated_officer(
    agency: Agency,
    *,
    first: str,
    last: str,
    serial: str,
    rank: str,
    hired_years_ago: int,
    separated_years_ago: int,
    today: dt.date,
) -> Any:
    """An officer who left the agency years ago, with training from their last years."""
    unit = Unit.objects.filter(agency=agency, children__isnull=True).order_by("path").first()
    hired = add_years(today, -hired_years_ago)
    separated = add_years(today, -separated_years_ago)
    officer = create_officer(
        acting_user=SYSTEM,
        agency=agency,
        unit=unit,
        first_name=first,
        last_name=last,
        serial_number=serial,
        rank=rank,
        hired_on=hired,
        first_licensed_on=hired,
        status=OfficerStatus.SEPARATED,
        separated_on=separated,
    )
    courses = list(Course.objects.filter(agency=agency).order_by("course_id")[:3])
    for n, course in enumerate(courses):
        # Imported from the records system the agency used before Muster.
        record_training(
            acting_user=SYSTEM,
            officer=officer,
            completed_on=separated - dt.timedelta(days=90 + 200 * n),
            course=course,
            source=RecordSource.IMPORT,
        )
    record_qualification(
        acting_user=SYSTEM,
        officer=officer,
        qualified_on=separated - dt.timedelta(days=120),
        weapon_type=WeaponType.HANDGUN,
        course_of_fire="State qualification course (day)",
        score=Decimal(88),
        max_score=Decimal(100),
        passing_score=Decimal(70),
    )
    return officer


def load_demo(
    agencies: Sequence[Agency], *, records_agency: Agency, counsel_user: Any, admin_user: Any
) -> None:
    """Starting schedules everywhere; in `records_agency` a legal hold placed by counsel and
    a batch proposed by the administrator, for the records custodian to approve."""
    for agency in agencies:
        install_default_schedules(acting_user=SYSTEM, agency=agency)
    today = records_agency.today()
    _separated_officer(
        records_agency,
        first="Walter",
        last="Briggs",
        serial="0901",
        rank="Sergeant",
        hired_years_ago=22,
        separated_years_ago=7,
        today=today,
    )
    held = _separated_officer(
        records_agency,
        first="Gloria",
        last="Hensley",
        serial="0902",
        rank="Officer",
        hired_years_ago=15,
        separated_years_ago=6,
        today=today,
    )
    # Both users may have been given their roles moments ago in the same run.
    counsel_user.forget_scope()
    admin_user.forget_scope()
    place_hold(
        acting_user=counsel_user,
        agency=records_agency,
        officer=held,
        reason="Civil suit Hensley v. City of Osage Falls: keep every training record of "
        "this officer until the Office of the General Counsel releases the hold.",
    )
    propose_batch(
        acting_user=admin_user,
        agency=records_agency,
        note="Records of officers separated more than five years ago, as the starting "
        "schedule has it; please confirm the schedule before approving.",
    )
