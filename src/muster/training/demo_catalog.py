"""Demo catalog entries that show the General Counsel and HR review (policy III.G)."""

from __future__ import annotations

from typing import Any

from muster.agencies.models import Agency
from muster.compliance.rulepack import load_pack
from muster.core.services import SYSTEM
from muster.training.catalog import review_course
from muster.training.models import ReviewDecision, ReviewKind
from muster.training.services import create_course
from muster.training.vocabulary import Delivery


def load_demo(agency: Agency, *, counsel_user: Any, hr_user: Any) -> None:
    """Add one legal course reviewed by both offices and one still awaiting HR review.

    `counsel_user` and `hr_user` must be two different people holding the counsel_hr role
    in the agency.
    """
    category = (
        "legal_studies" if "legal_studies" in load_pack(agency.rule_pack).category_codes else ""
    )
    reviewed = create_course(
        acting_user=SYSTEM,
        agency=agency,
        title="Search and Seizure: Case Law Update",
        synopsis="This year's Fourth Amendment decisions and what they change on the street.",
        credit_minutes=100,
        delivery=Delivery.IN_PERSON,
        category=category,
        topics=["legal_update", "civil_rights"],
        provider="Office of the General Counsel",
        approved_provider=True,
        needs_legal_review=True,
    )
    review_course(
        acting_user=counsel_user,
        course=reviewed,
        kind=ReviewKind.COUNSEL,
        decision=ReviewDecision.APPROVED,
        note="Case citations checked against the current reporters.",
    )
    review_course(
        acting_user=hr_user,
        course=reviewed,
        kind=ReviewKind.HR,
        decision=ReviewDecision.APPROVED,
    )
    awaiting = create_course(
        acting_user=SYSTEM,
        agency=agency,
        title="Workplace Harassment and Discipline for Supervisors",
        synopsis="Personnel rules, complaint handling and the discipline process.",
        credit_minutes=50,
        delivery=Delivery.LIVE_VIRTUAL,
        category=category,
        topics=["leadership", "civil_liability"],
        provider="Human Resources Division",
        needs_legal_review=True,
    )
    review_course(
        acting_user=counsel_user,
        course=awaiting,
        kind=ReviewKind.COUNSEL,
        decision=ReviewDecision.APPROVED,
    )
