"""Fixtures for records release: a frozen clock, Dana's records (one taught by a colleague),
General Counsel, and a request builder that takes a request as far as asked."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pypdfium2 as pdfium
import pytest
import time_machine

from muster.accounts.models import Role
from muster.compliance.services import refresh_compliance
from muster.release import services
from muster.release.models import ReleaseRequest
from tests.conftest import member
from tests.factories import QualificationFactory, TopicFactory, TrainingRecordFactory

# Noon in the agency's zone (America/Chicago), so the server's and the agency's dates agree.
NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 20)

# Values that appear nowhere else, so finding them in a package means their field was there.
PROVIDER = "Zephyr Tactical Institute"
LOCATION = "Quarry Range Nine"
COURSE_OF_FIRE = "Bullseye Qualifier Alpha"

ALL_TRAINING = [
    "course_id",
    "title",
    "completed_on",
    "credit_hours",
    "category",
    "topics",
    "provider",
    "delivery",
    "participation",
    "location",
    "post_certified",
]
ALL_QUALIFICATION = [
    "qualified_on",
    "weapon_type",
    "course_of_fire",
    "score",
    "qualification_result",
]


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def counsel(world: Any) -> Any:
    """General Counsel of the world's agency."""
    return member(Role.COUNSEL_HR, world.agency)


@pytest.fixture
def dana_records(world: Any) -> dict[str, Any]:
    """Dana's training (one course taught by her colleague, one from 2024), a qualification
    run by the colleague, and her compliance snapshots."""
    firearms = TopicFactory(code="firearms")
    recent = TrainingRecordFactory(
        officer=world.officer,
        kind="outside",
        completed_on=dt.date(2026, 5, 1),
        course_code="OF-00042",
        title="Use of Force Update",
        minutes=100,
        category="skill_development",
        provider=PROVIDER,
        location=LOCATION,
        instructor_name=world.colleague.full_name,
    )
    recent.topics.add(firearms)
    old = TrainingRecordFactory(
        officer=world.officer,
        completed_on=dt.date(2024, 3, 4),
        course_code="OF-00007",
        title="Report Writing Basics",
        minutes=240,
        category="technical_studies",
    )
    qualification = QualificationFactory(
        officer=world.officer,
        qualified_on=dt.date(2026, 4, 1),
        course_of_fire=COURSE_OF_FIRE,
        score=Decimal(93),
        instructor=world.colleague,
        instructor_name=world.colleague.full_name,
    )
    refresh_compliance([world.officer])
    return {"recent": recent, "old": old, "qualification": qualification}


def details(**overrides: Any) -> services.RequestDetails:
    """A subpoena for Dana's training and qualifications, every field, as a PDF."""
    values: dict[str, Any] = {
        "requester_name": "Jordan Pike",
        "requester_organisation": "Pike & Lowell LLP",
        "requester_contact": "jpike@pikelowell.invalid",
        "purpose": "Civil suit about a use of force.",
        "legal_basis": "subpoena",
        "legal_citation": "Subpoena duces tecum, case 26AC-CC00412",
        "record_kinds": ["training", "qualifications"],
        "fields": ALL_TRAINING + ALL_QUALIFICATION,
        "format": "pdf",
    }
    values.update(overrides)
    return services.RequestDetails(**values)


@pytest.fixture
def make_request(world: Any, counsel: Any) -> Callable[..., ReleaseRequest]:
    """A request for Dana's records entered by the custodian and taken to `to`: draft,
    submitted or approved (of `approve` fields, all when None)."""

    def make(
        to: str = "draft",
        approve: list[str] | None = None,
        user: Any = None,
        officer: Any = None,
        **overrides: Any,
    ) -> ReleaseRequest:
        actor = user or world.custodian_user
        request = services.create_release_request(
            acting_user=actor, officer=officer or world.officer, details=details(**overrides)
        )
        if to in ("submitted", "approved"):
            request = services.submit_request(acting_user=actor, request=request)
        if to == "approved":
            request = services.approve_request(acting_user=counsel, request=request, fields=approve)
        return request

    return make


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF."""
    pdf = pdfium.PdfDocument(data)
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def csv_rows(data: bytes) -> list[list[str]]:
    """A CSV file's rows, header first."""
    import csv

    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
