"""Demo course certification requests: one near its 30-day line, one submitted late with the
Director's approval, and one POST certified."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile

from muster.agencies.models import Agency
from muster.certification import services
from muster.certification.models import DEADLINE_DAYS, CertificationRequest, DocumentKind
from muster.people.models import Officer

# The smallest file check_upload accepts as a PDF.
_PDF = b"%PDF-1.4\n%%EOF\n"


def _upload(request: CertificationRequest, actor: Any, kinds: list[str]) -> None:
    for kind in kinds:
        services.upload_document(
            acting_user=actor,
            request=request,
            kind=kind,
            upload=ContentFile(_PDF, name=f"{kind.replace('_', '-')}.pdf"),
        )


def load_demo(agency: Agency, *, liaison: Officer, director_user: Any, training_user: Any) -> None:
    """Create three requests of `liaison` in `agency`, through the services (so audited)."""
    today = agency.today()
    liaison_user = getattr(liaison, "user", None)
    # The Training Unit introduces the classes when the liaison has no login of their own.
    actor = liaison_user if liaison_user is not None else training_user
    named = None if liaison_user is not None else liaison

    near = services.create_request(
        acting_user=actor,
        liaison=named,
        class_name="De-escalation for Patrol",
        hours=Decimal(4),
        first_delivery_on=today + dt.timedelta(days=DEADLINE_DAYS + 5),
        further_dates="A second delivery for the night shift a week later.",
        location="Training Center, Room 2",
        notes="Scenario-based; two instructors.",
    )
    _upload(
        near,
        actor,
        [
            DocumentKind.INSTRUCTOR_RECORDS,
            DocumentKind.LESSON_PLAN,
            DocumentKind.LEARNING_OBJECTIVES,
        ],
    )

    late = services.create_request(
        acting_user=actor,
        liaison=named,
        class_name="Crisis Intervention Refresher",
        hours=Decimal("2.5"),
        first_delivery_on=today + dt.timedelta(days=20),
        location="Headquarters auditorium",
    )
    _upload(late, actor, list(DocumentKind.values))
    services.approve_late_exception(
        acting_user=director_user,
        request=late,
        reason="Mandated by the new state crisis-intervention rule; the instructor was "
        "confirmed only this week.",
    )
    services.submit_request(acting_user=actor, request=late)

    certified = services.create_request(
        acting_user=actor,
        liaison=named,
        class_name="Report Writing for Court",
        hours=Decimal(3),
        first_delivery_on=today + dt.timedelta(days=45),
        location="Training Center, Room 1",
    )
    _upload(certified, actor, list(DocumentKind.values))
    services.submit_request(acting_user=actor, request=certified)
    services.mark_sent_to_post(acting_user=training_user, request=certified, sent_on=today)
    services.record_certification(
        acting_user=training_user,
        request=certified,
        decided_on=today,
        certification_number="MO-CLEE-2026-0142",
    )
