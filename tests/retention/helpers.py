"""Shared values and builders for the retention tests."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from muster.agencies.models import Agency
from muster.core.services import SYSTEM
from muster.outside.models import OutsideTrainingSubmission
from muster.outside.services import TrainingDetails, approve_submission, submit_outside_training
from muster.people.models import Officer, OfficerStatus
from muster.retention.models import RetentionSchedule
from muster.training.models import TrainingRecord

# Noon in Chicago: the agency's today is Nov 20, 2026.
NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 20)
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
PASSWORD = "correct horse battery"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name: str = "certificate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def schedule(agency: Agency, series: str, years: int | None, trigger: str) -> RetentionSchedule:
    """A schedule as a custodian would have left it."""
    return RetentionSchedule.objects.update_or_create(
        agency=agency,
        series=series,
        defaults={"years": years, "trigger": trigger, "citation": "Test schedule, series 1"},
    )[0]


def separate(officer: Officer, on: dt.date) -> Officer:
    """Mark an officer separated (directly: the roster service is tested elsewhere)."""
    Officer.objects.filter(pk=officer.pk).update(status=OfficerStatus.SEPARATED, separated_on=on)
    officer.refresh_from_db()
    return officer


def approved_submission(
    world: Any, officer: Officer, ends: dt.date
) -> tuple[OutsideTrainingSubmission, TrainingRecord]:
    """An outside-training submission the Training Unit approved, and the record it became."""
    submission = submit_outside_training(
        acting_user=SYSTEM,
        officer=officer,
        details=TrainingDetails(
            title="Interview and Interrogation",
            provider="Midwest Investigators Association",
            state="MO",
            ends_at=dt.datetime.combine(ends, dt.time(17, 0), tzinfo=CHICAGO),
            credit_hours=Decimal("8"),
            delivery="in_person",
            category="technical_studies",
            topics=("investigations",),
        ),
        certificate=pdf(),
    )
    approve_submission(acting_user=world.training_user, submission=submission, post_certified=False)
    submission.refresh_from_db()
    assert submission.record is not None
    return submission, submission.record


def release_request(
    world: Any, officer: Officer, status: str, on: dt.date, *, produced: bool = False
) -> Any:
    """A records release request decided (and, when `produced`, released) on a past day."""
    from muster.release.models import Disclosure, ReleaseRequest

    moment = dt.datetime.combine(on, dt.time(10, 0), tzinfo=CHICAGO)
    request = ReleaseRequest.objects.create(
        agency=officer.agency,
        officer=officer,
        number=f"REL-{on.year}-{ReleaseRequest.objects.count() + 1:04d}",
        requester_name="Pat Doe",
        requester_contact="pat@example.invalid",
        purpose="Civil suit",
        legal_basis="subpoena",
        legal_citation="Case 19-CV-1",
        format="pdf",
        status=status,
        entered_by=world.custodian_user,
        decided_by=world.custodian_user,
        decided_at=moment,
        decision_reason="No basis" if status == "denied" else "",
    )
    # Rows entered long ago: created then, not today.
    ReleaseRequest.objects.filter(pk=request.pk).update(created_at=moment)
    if produced:
        Disclosure.objects.create(
            request=request,
            officer=officer,
            produced_by=world.custodian_user,
            produced_at=moment + dt.timedelta(days=40),
            format="pdf",
            fields=["title"],
            record_count=3,
            sha256="0" * 64,
            filename="release.pdf",
        )
    return request
