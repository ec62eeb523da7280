"""Changes to officers and their leave."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from muster.agencies.models import Agency
from muster.compliance.services import refresh_compliance
from muster.core.audit import change_audited, create_audited, record_audit, snapshot
from muster.core.services import require
from muster.people.models import LeavePeriod, Officer, OfficerStatus

# Fields an update may touch; the agency never changes (a transfer is a new officer record).
OFFICER_EDITABLE_FIELDS = frozenset(
    {
        "unit",
        "first_name",
        "last_name",
        "serial_number",
        "rank",
        "employment",
        "licence_number",
        "licence_class",
        "first_licensed_on",
        "hired_on",
        "status",
        "separated_on",
    }
)


def create_officer(*, acting_user: Any, agency: Agency, **fields: Any) -> Officer:
    """Add an officer to an agency's roster; audited."""
    require(acting_user, "people.manage_officers", agency)
    unknown = set(fields) - OFFICER_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Unknown officer fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        officer = Officer(agency=agency, **fields)
        create_audited(officer, actor=acting_user, action="officer.create")
        refresh_compliance([officer])
    return officer


def update_officer(*, acting_user: Any, officer: Officer, **changes: Any) -> Officer:
    """Change an officer's roster facts; audited with the values before and after."""
    require(acting_user, "people.manage_officers", officer)
    unknown = set(changes) - OFFICER_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Unknown officer fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        change_audited(
            officer,
            changes,
            actor=acting_user,
            action="officer.update",
            agency_id=officer.agency_id,
            validate=True,
        )
        refresh_compliance([officer])
    return officer


def _set_status(acting_user: Any, officer: Officer, status: str, reason: str) -> None:
    """Change an officer's status as a consequence of leave; audited like any update."""
    change_audited(
        officer,
        {"status": status},
        actor=acting_user,
        action="officer.update",
        agency_id=officer.agency_id,
        reason=reason,
    )


def add_leave_period(
    *,
    acting_user: Any,
    officer: Officer,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    note: str = "",
) -> LeavePeriod:
    """Record a stretch of leave; an open leave puts the officer on leave. Audited."""
    require(acting_user, "people.manage_leave", officer)
    with transaction.atomic():
        leave = LeavePeriod(
            officer=officer, kind=kind, starts_on=starts_on, ends_on=ends_on, note=note
        )
        leave.full_clean()
        overlapping = LeavePeriod.objects.filter(officer=officer).exclude(ends_on__lt=starts_on)
        if ends_on is not None:
            overlapping = overlapping.filter(starts_on__lte=ends_on)
        if overlapping.exists():
            raise ValidationError({"starts_on": "This leave overlaps another leave period."})
        leave.save()
        record_audit(
            actor=acting_user,
            action="leave.create",
            obj=leave,
            agency_id=officer.agency_id,
            after=snapshot(leave),
        )
        in_force = starts_on <= officer.agency.today() and (
            ends_on is None or ends_on >= officer.agency.today()
        )
        if in_force and officer.status == OfficerStatus.ACTIVE:
            _set_status(acting_user, officer, OfficerStatus.ON_LEAVE, "Open leave recorded.")
        refresh_compliance([officer])
    return leave


def end_leave_period(*, acting_user: Any, leave: LeavePeriod, ends_on: dt.date) -> LeavePeriod:
    """Close an open leave period; the officer returns to active. Audited."""
    officer = leave.officer
    require(acting_user, "people.manage_leave", officer)
    if leave.ends_on is not None:
        raise ValidationError({"ends_on": "This leave period has already ended."})
    if ends_on < leave.starts_on:
        raise ValidationError({"ends_on": "The leave cannot end before it starts."})
    with transaction.atomic():
        change_audited(
            leave,
            {"ends_on": ends_on},
            actor=acting_user,
            action="leave.end",
            agency_id=officer.agency_id,
        )
        if officer.status == OfficerStatus.ON_LEAVE and ends_on < officer.agency.today():
            _set_status(acting_user, officer, OfficerStatus.ACTIVE, "Leave period ended.")
        refresh_compliance([officer])
    return leave
