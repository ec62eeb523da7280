"""Demo outside training: one submission waiting, one returned for changes, one approved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile

from muster.agencies.models import Agency
from muster.core.services import SYSTEM
from muster.outside.services import (
    TrainingDetails,
    approve_submission,
    return_submission,
    submit_outside_training,
)
from muster.people.models import Officer
from muster.training.vocabulary import Delivery

# The smallest file check_upload accepts as a PDF: the signature and the end marker.
_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _certificate(name: str) -> ContentFile[bytes]:
    return ContentFile(_PDF, name=name)


def _member_or_system(officer: Officer) -> Any:
    """The officer's own login when they have one, else the system (never another person)."""
    # A missing reverse one-to-one raises an AttributeError subclass, so getattr's default works.
    return getattr(officer, "user", None) or SYSTEM


def _ended(agency: Agency, officer: Officer, days_ago: int, hour: int) -> dt.datetime:
    day = agency.today() - dt.timedelta(days=days_ago)
    if officer.hired_on is not None and day < officer.hired_on:
        day = min(agency.today(), officer.hired_on)
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=agency.zone)


def load_demo(agency: Agency, *, officers: Sequence[Officer], training_user: Any) -> None:
    """Give the agency three submissions: waiting, returned with a reason, and approved."""
    if not officers:
        return
    chosen = [officers[i % len(officers)] for i in range(3)]
    category = {"us-mo-clee": "technical_studies"}.get(agency.rule_pack, "")

    waiting = chosen[0]
    submit_outside_training(
        acting_user=_member_or_system(waiting),
        officer=waiting,
        certificate=_certificate("crisis-intervention.pdf"),
        details=TrainingDetails(
            title="Crisis Intervention Team Basic Course",
            provider="State CIT Council",
            location="Jefferson City",
            state=agency.state,
            starts_at=_ended(agency, waiting, 12, 8),
            ends_at=_ended(agency, waiting, 12, 17),
            credit_hours=Decimal("8"),
            delivery=Delivery.IN_PERSON,
            topics=("mental_health",),
            post_certified_by_presenter=True,
            presenter_post_number="CIT-2291",
        ),
    )

    returned = chosen[1]
    sent_back = submit_outside_training(
        acting_user=_member_or_system(returned),
        officer=returned,
        certificate=_certificate("accident-reconstruction.pdf"),
        details=TrainingDetails(
            title="Advanced Crash Reconstruction",
            provider="Northwestern Center for Public Safety",
            location="Evanston",
            state="IL",
            ends_at=_ended(agency, returned, 40, 16),
            credit_hours=Decimal("40"),
            delivery=Delivery.IN_PERSON,
            category=category,
            topics=("traffic",),
        ),
    )
    return_submission(
        acting_user=training_user,
        submission=sent_back,
        reason="The certificate shows 36 hours, not 40. Please correct the hours and resubmit.",
    )

    approved = chosen[2]
    done = submit_outside_training(
        acting_user=_member_or_system(approved),
        officer=approved,
        certificate=_certificate("legal-update.pdf"),
        details=TrainingDetails(
            title="Search and Seizure Case Law Update",
            provider="County Prosecutors' Association",
            location="Columbia",
            state=agency.state,
            starts_at=_ended(agency, approved, 70, 9),
            ends_at=_ended(agency, approved, 70, 13),
            credit_hours=Decimal("4"),
            instructor_name="A. Whitfield",
            synopsis="Recent appellate decisions on vehicle searches and consent.",
            delivery=Delivery.IN_PERSON,
            category={"us-mo-clee": "legal_studies"}.get(agency.rule_pack, ""),
            topics=("legal_update",),
            # A POST request needs the member's assignment (IV.E.1.c(1)).
            requests_post_credit=approved.unit_id is not None,
        ),
    )
    approve_submission(
        acting_user=training_user, submission=done, post_certified=done.requests_post_credit
    )
