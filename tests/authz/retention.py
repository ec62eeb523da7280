"""Authorization declarations of the retention routes (see tests/authz/test_routes.py).

Retention pages are read by the agency's records custodians, administrators and general
counsel / HR (and site administrators); only custodians approve and execute a disposition.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile

from muster.core.services import SYSTEM
from muster.retention.models import RetentionSchedule, Series, Trigger
from muster.retention.services import (
    approve_batch,
    install_default_schedules,
    place_hold,
    propose_batch,
)
from muster.training.models import SessionStatus
from tests.authz.base import AuthzWorld, Route
from tests.factories import (
    CourseFactory,
    QualificationFactory,
    SessionFactory,
    TrainingRecordFactory,
)

READERS = frozenset({"custodian", "admin", "counsel_hr", "superuser"})
KEEPERS = frozenset({"custodian", "admin", "superuser"})  # schedules, proposals
CUSTODIAN = frozenset({"custodian"})  # approval and execution: no site administrator either


def setup(w: AuthzWorld) -> None:
    """Schedules, three series of w.officer's and w.agency's records past their period, a
    proposed batch, an approved batch, and a legal hold on w.officer."""
    agency = w.agency
    install_default_schedules(acting_user=SYSTEM, agency=agency)
    RetentionSchedule.objects.filter(
        agency=agency,
        series__in=[Series.TRAINING_RECORDS, Series.QUALIFICATIONS, Series.SIGN_IN_SHEETS],
    ).update(years=1, trigger=Trigger.RECORD_DATE)
    long_ago = agency.today() - dt.timedelta(days=800)
    TrainingRecordFactory(officer=w.officer, completed_on=long_ago)
    QualificationFactory(officer=w.officer, qualified_on=long_ago)
    starts = dt.datetime.combine(long_ago, dt.time(9, 0), tzinfo=agency.zone)
    # A scanned sheet with no sign-ins: due, and held by no officer's hold (for proposing).
    SessionFactory(
        course=CourseFactory(agency=agency),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        status=SessionStatus.CLOSED,
        paper_sheet=ContentFile(b"%PDF-1.4 %%EOF", name="sheet.pdf"),
    )
    w.objects["schedule"] = RetentionSchedule.objects.get(
        agency=agency, series=Series.CERTIFICATION_PACKETS
    )
    w.objects["proposed_batch"] = propose_batch(
        acting_user=SYSTEM, agency=agency, series=Series.TRAINING_RECORDS
    )
    approved = propose_batch(acting_user=SYSTEM, agency=agency, series=Series.QUALIFICATIONS)
    approve_batch(acting_user=w.users["custodian"], batch=approved)
    w.objects["approved_batch"] = approved
    w.objects["hold"] = place_hold(
        acting_user=SYSTEM, agency=agency, officer=w.officer, reason="Doe v. City"
    )


def _agency(w: AuthzWorld) -> dict[str, int]:
    return {"agency_id": w.agency.pk}


ROUTES = {
    "retention:index": Route(kwargs=lambda w: {}, allowed=READERS, methods=("GET",)),
    "retention:report": Route(kwargs=_agency, allowed=READERS, methods=("GET",)),
    "retention:schedules": Route(kwargs=_agency, allowed=READERS, methods=("GET",)),
    "retention:schedule_defaults": Route(kwargs=_agency, allowed=KEEPERS, methods=("POST",)),
    "retention:schedule_edit": Route(
        kwargs=lambda w: {"pk": w.objects["schedule"].pk},
        allowed=KEEPERS,
        methods=("GET", "POST"),
        data=lambda w: {"years": "6", "trigger": Trigger.RECORD_DATE, "citation": "GS 025"},
    ),
    "retention:holds": Route(kwargs=_agency, allowed=READERS, methods=("GET",)),
    "retention:hold_new": Route(
        kwargs=_agency,
        allowed=READERS,
        methods=("GET", "POST"),
        data=lambda w: {"officer": w.officer.pk, "reason": "Records request 2026-114"},
    ),
    "retention:hold_release": Route(
        kwargs=lambda w: {"pk": w.objects["hold"].pk},
        allowed=READERS,
        methods=("POST",),
        data=lambda w: {"reason": "Matter closed"},
    ),
    "retention:batches": Route(kwargs=_agency, allowed=READERS, methods=("GET",)),
    "retention:batch_propose": Route(
        kwargs=_agency,
        allowed=KEEPERS,
        methods=("POST",),
        data=lambda w: {"series": Series.SIGN_IN_SHEETS, "note": ""},
    ),
    "retention:batch_detail": Route(
        kwargs=lambda w: {"pk": w.objects["proposed_batch"].pk}, allowed=READERS, methods=("GET",)
    ),
    "retention:batch_approve": Route(
        kwargs=lambda w: {"pk": w.objects["proposed_batch"].pk},
        allowed=CUSTODIAN,
        methods=("POST",),
    ),
    "retention:batch_execute": Route(
        kwargs=lambda w: {"pk": w.objects["approved_batch"].pk},
        allowed=CUSTODIAN,
        methods=("POST",),
    ),
    "retention:batch_cancel": Route(
        kwargs=lambda w: {"pk": w.objects["proposed_batch"].pk},
        allowed=frozenset({"custodian", "superuser"}),
        methods=("POST",),
        data=lambda w: {"reason": "Schedule under review"},
    ),
}
