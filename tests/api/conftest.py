"""API clients authenticated by token, and a world with training on file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from muster.accounts.models import User
from muster.api.services import create_api_token
from muster.core.services import SYSTEM
from muster.training import services
from muster.training.models import Course, QualificationEvent, Session, TrainingRecord
from tests.conftest import World
from tests.factories import CourseFactory


def token_client(user: User) -> APIClient:
    """A client that sends a fresh API token of `user` with every request."""
    _, plain = create_api_token(acting_user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


@dataclass
class ApiWorld:
    """The shared `world`, with a course, a session, records and qualifications on file."""

    w: World
    course: Course
    session: Session
    record: TrainingRecord  # the officer's
    colleague_record: TrainingRecord
    traffic_record: TrainingRecord
    outsider_record: TrainingRecord
    qualification: QualificationEvent  # the officer's


def _record(officer: Any, days_ago: int, title: str = "Defensive tactics") -> TrainingRecord:
    """A 2-hour in-person record entered by the system, `days_ago` days back."""
    return services.record_training(
        acting_user=SYSTEM,
        officer=officer,
        completed_on=officer.agency.today() - dt.timedelta(days=days_ago),
        source="manual",
        title=title,
        minutes=120,
        delivery="in_person",
    )


@pytest.fixture
def api_world(world: World) -> ApiWorld:
    course = CourseFactory(agency=world.agency, title="Use of force update", category="")
    today = world.agency.today()
    start = dt.datetime.combine(today + dt.timedelta(days=7), dt.time(15), dt.UTC)
    session = services.schedule_session(
        acting_user=SYSTEM,
        course=course,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        location="Training Center",
    )
    qualification = services.record_qualification(
        acting_user=SYSTEM,
        officer=world.officer,
        qualified_on=today - dt.timedelta(days=3),
        weapon_type="handgun",
        course_of_fire="State course",
        score=Decimal(90),
        max_score=Decimal(100),
        passing_score=Decimal(70),
    )
    return ApiWorld(
        w=world,
        course=course,
        session=session,
        record=_record(world.officer, 10),
        colleague_record=_record(world.colleague, 20),
        traffic_record=_record(world.traffic_officer, 30),
        outsider_record=_record(world.outsider, 40),
        qualification=qualification,
    )
