"""The REST API (/api/v1/), its schema and docs, and one's own API tokens.

The API answers an anonymous request 401 with a Bearer challenge (test_routes accepts that for
the anonymous visitor). Write endpoints that share their address with a list (POST to
/officers/, /training-records/, /qualifications/) are declared by that list's GET here; their
roles are tested in tests/api.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from muster.api.services import create_api_token
from muster.compliance.models import ComplianceSnapshot
from muster.core.services import SYSTEM
from muster.training import services
from tests.authz import imports
from tests.authz.base import (
    AGENCY_MEMBERS,
    AGENCY_WIDE,
    EVERYONE,
    READS_OFFICER,
    SIGNED_IN,
    TRAINING_WRITERS,
    AuthzWorld,
    Route,
)
from tests.factories import CourseFactory


def setup(w: AuthzWorld) -> None:
    """A course and session, a record and a qualification of the officer (which store the
    officer's verdicts), and an API token of the officer's login."""
    course = CourseFactory(agency=w.agency, title="Use of force update", credit_minutes=120)
    today = w.agency.today()
    session = services.schedule_session(
        acting_user=SYSTEM,
        course=course,
        starts_at=dt.datetime.combine(today + dt.timedelta(days=7), dt.time(15), dt.UTC),
        ends_at=dt.datetime.combine(today + dt.timedelta(days=7), dt.time(17), dt.UTC),
        location="Training Center",
    )
    record = services.record_training(
        acting_user=SYSTEM,
        officer=w.officer,
        completed_on=today - dt.timedelta(days=10),
        source="manual",
        title="Defensive tactics",
        minutes=120,
        delivery="in_person",
        category="skill_development",
    )
    qualification = services.record_qualification(
        acting_user=SYSTEM,
        officer=w.officer,
        qualified_on=today - dt.timedelta(days=5),
        weapon_type="handgun",
        course_of_fire="State course",
        score=Decimal(90),
        max_score=Decimal(100),
        passing_score=Decimal(70),
    )
    token, _ = create_api_token(acting_user=w.officer_user, name="Phone app")
    imports.setup(w)  # a checked import of one record of the officer's
    w.objects.update(
        course=course,
        session=session,
        record=record,
        qualification=qualification,
        snapshot=ComplianceSnapshot.objects.filter(officer=w.officer).first(),
        token=token,
    )


def _pk(key: str):  # type: ignore[no-untyped-def]
    return lambda w: {"pk": w.objects[key].pk}


def _void(w: AuthzWorld) -> dict[str, str]:
    return {"reason": "Entered twice"}


ROUTES = {
    # The schema and its docs page describe the API, never data: anyone may read them.
    "api:schema": Route(allowed=EVERYONE),
    "api:docs": Route(allowed=EVERYONE),
    "api:api-root": Route(allowed=SIGNED_IN),
    # Lists answer everyone signed in, with only the rows each may read.
    "api:agency-list": Route(allowed=SIGNED_IN),
    "api:agency-detail": Route(
        allowed=AGENCY_MEMBERS | {"commission", "superuser"}, kwargs=lambda w: {"pk": w.agency.pk}
    ),
    # The agency dashboard's readers: agency-wide roles and the state's commission.
    "api:agency-compliance": Route(
        allowed=AGENCY_WIDE | {"commission"}, kwargs=lambda w: {"pk": w.agency.pk}
    ),
    "api:unit-list": Route(allowed=SIGNED_IN),
    "api:unit-detail": Route(
        allowed=AGENCY_MEMBERS | {"commission", "superuser"},
        kwargs=lambda w: {"pk": w.section.pk},
    ),
    "api:officer-list": Route(allowed=SIGNED_IN),
    "api:officer-detail": Route(allowed=READS_OFFICER, kwargs=lambda w: {"pk": w.officer.pk}),
    "api:officer-compliance": Route(allowed=READS_OFFICER, kwargs=lambda w: {"pk": w.officer.pk}),
    "api:course-list": Route(allowed=SIGNED_IN),
    "api:course-detail": Route(
        allowed=AGENCY_MEMBERS | {"commission", "superuser"}, kwargs=_pk("course")
    ),
    "api:session-list": Route(allowed=SIGNED_IN),
    "api:session-detail": Route(
        allowed=AGENCY_MEMBERS | {"commission", "superuser"}, kwargs=_pk("session")
    ),
    "api:training-record-list": Route(allowed=SIGNED_IN),
    "api:training-record-detail": Route(allowed=READS_OFFICER, kwargs=_pk("record")),
    "api:training-record-void": Route(
        allowed=TRAINING_WRITERS, kwargs=_pk("record"), methods=("POST",), data=_void
    ),
    "api:qualification-list": Route(allowed=SIGNED_IN),
    "api:qualification-detail": Route(allowed=READS_OFFICER, kwargs=_pk("qualification")),
    "api:qualification-void": Route(
        allowed=TRAINING_WRITERS, kwargs=_pk("qualification"), methods=("POST",), data=_void
    ),
    "api:compliance-list": Route(allowed=SIGNED_IN),
    "api:compliance-detail": Route(allowed=READS_OFFICER, kwargs=_pk("snapshot")),
    # Imports: the lists answer everyone signed in (empty but for importers); a batch, its
    # import and its cancelling are the agency's Training Unit's and administrators'.
    "api:import-list": Route(allowed=SIGNED_IN),
    "api:import-detail": Route(allowed=TRAINING_WRITERS, kwargs=_pk("batch")),
    "api:import-commit": Route(allowed=TRAINING_WRITERS, kwargs=_pk("batch"), methods=("POST",)),
    "api:import-cancel": Route(allowed=TRAINING_WRITERS, kwargs=_pk("batch"), methods=("POST",)),
    # One's own tokens: everyone signed in has the page; only the owner revokes a token.
    "api-tokens": Route(allowed=SIGNED_IN),
    "api-token-revoke": Route(
        allowed=frozenset({"officer"}), kwargs=_pk("token"), methods=("POST",)
    ),
}
