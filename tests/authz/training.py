"""The catalog, sessions and sign-in, absences, calendars, and record entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from muster.core.services import SYSTEM
from muster.training import attendance, services
from muster.training.models import Enrolment
from tests.authz.base import (
    AGENCY_MEMBERS,
    AGENCY_WIDE,
    EVERYONE,
    PDF,
    SIGNED_IN,
    TRAINING_WRITERS,
    AuthzWorld,
    Route,
)
from tests.factories import CourseFactory


def setup(w: AuthzWorld) -> None:
    """A course, a session under way with the officer enrolled, a notice, records."""
    course = CourseFactory(agency=w.agency, title="Use of force update", credit_minutes=120)
    now = timezone.now()
    session = services.schedule_session(
        acting_user=SYSTEM,
        course=course,
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(minutes=90),
        location="Training Center",
    )
    enrolment = services.enrol_officer(acting_user=SYSTEM, session=session, officer=w.officer)
    later = services.schedule_session(
        acting_user=SYSTEM,
        course=course,
        starts_at=now + dt.timedelta(days=7),
        ends_at=now + dt.timedelta(days=7, hours=2),
        location="Training Center",
    )
    services.enrol_officer(acting_user=SYSTEM, session=later, officer=w.officer)
    notice = attendance.notify_absence(acting_user=w.officer_user, session=later, reason="Court")
    record = services.record_training(
        acting_user=SYSTEM,
        officer=w.officer,
        completed_on=w.agency.today() - dt.timedelta(days=10),
        source="manual",
        title="Defensive tactics",
        minutes=120,
        delivery="in_person",
        category="skill_development",
        evidence=SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf"),
    )
    qualification = services.record_qualification(
        acting_user=SYSTEM,
        officer=w.officer,
        qualified_on=w.agency.today() - dt.timedelta(days=20),
        weapon_type="handgun",
        course_of_fire="State course",
        score=Decimal(92),
        max_score=Decimal(100),
        passing_score=Decimal(70),
    )
    attendance.record_paper_sheet(
        acting_user=w.users["training"],
        session=session,
        lines=[attendance.PaperLine(officer=w.officer)],
        scan=SimpleUploadedFile("sheet.pdf", PDF, content_type="application/pdf"),
    )
    token = services.calendar_token_for(acting_user=w.officer_user)
    assert isinstance(enrolment, Enrolment)
    w.objects.update(
        course=course,
        session=session,
        enrolment=enrolment,
        notice=notice,
        record=record,
        qualification=qualification,
        token=token,
    )


def _scan_code(w: AuthzWorld, client: Any) -> None:
    session = w.objects["session"]
    code = attendance.current_code(session)
    client.get(reverse("session-sign-in", args=[session.pk]), {"code": code})


def _course(w: AuthzWorld) -> dict[str, int]:
    return {"pk": w.objects["course"].pk}


def _session(w: AuthzWorld) -> dict[str, int]:
    return {"pk": w.objects["session"].pk}


def _officer(w: AuthzWorld) -> dict[str, int]:
    return {"pk": w.officer.pk}


# Roles that read the catalog and the session calendar of the officer's agency.
CATALOG_READERS = AGENCY_MEMBERS | {"commission"}
# Roles that run the officer's session (none of the world's people is its instructor).
SESSION_RUNNERS = TRAINING_WRITERS

ROUTES = {
    "course-list": Route(allowed=SIGNED_IN),
    # A form for the user's own agencies' catalogs: any Training Unit, of any agency.
    "course-new": Route(allowed=TRAINING_WRITERS | {"foreign_training"}),
    "course-review-queue": Route(allowed=frozenset({"counsel_hr", "superuser"})),
    "course-detail": Route(allowed=CATALOG_READERS, kwargs=_course),
    "course-edit": Route(allowed=TRAINING_WRITERS, kwargs=_course),
    "course-retire": Route(allowed=TRAINING_WRITERS, kwargs=_course, methods=("POST",)),
    "course-review": Route(allowed=frozenset({"counsel_hr", "superuser"}), kwargs=_course),
    "session-list": Route(allowed=SIGNED_IN),
    "session-new": Route(allowed=TRAINING_WRITERS | {"foreign_training"}),
    "session-detail": Route(allowed=CATALOG_READERS, kwargs=_session),
    "session-edit": Route(allowed=SESSION_RUNNERS, kwargs=_session),
    "session-enrol": Route(
        allowed=SESSION_RUNNERS,
        kwargs=_session,
        methods=("POST",),
        data=lambda w: {"officer": w.other_officer.pk},
    ),
    "session-cancel": Route(
        allowed=SESSION_RUNNERS,
        kwargs=_session,
        methods=("POST",),
        data=lambda w: {"reason": "Instructor ill"},
    ),
    "session-code": Route(allowed=SESSION_RUNNERS, kwargs=_session),
    "session-code-current": Route(allowed=SESSION_RUNNERS, kwargs=_session),
    # Each role first scans the current code (open to anyone: it only notes the scan in the
    # visitor's own browser session), then opens the page; only members may sign in.
    "session-sign-in": Route(
        allowed=frozenset({"officer", "other_officer"}),
        kwargs=_session,
        prepare=_scan_code,
    ),
    "session-kiosk": Route(allowed=SESSION_RUNNERS, kwargs=_session),
    "session-sheet": Route(allowed=SESSION_RUNNERS, kwargs=_session),
    "session-paper": Route(allowed=SESSION_RUNNERS, kwargs=_session),
    "session-paper-scan": Route(allowed=SESSION_RUNNERS, kwargs=_session),
    "session-close": Route(allowed=SESSION_RUNNERS, kwargs=_session),
    # Any member may give notice for themselves (one not enrolled is told so); logins that
    # belong to no member are refused.
    "session-absence": Route(
        allowed=frozenset({"officer", "other_officer"}),
        kwargs=_session,
        methods=("POST",),
        data=lambda w: {"reason": "Court appearance"},
    ),
    # The Training Unit takes people off; a member gives notice of absence instead.
    "enrolment-cancel": Route(
        allowed=SESSION_RUNNERS,
        kwargs=lambda w: {"pk": w.objects["enrolment"].pk},
        methods=("POST",),
    ),
    "absence-list": Route(allowed=SIGNED_IN),
    "absence-seen": Route(
        allowed=TRAINING_WRITERS | {"supervisor"},
        kwargs=lambda w: {"pk": w.objects["notice"].pk},
        methods=("POST",),
    ),
    "absence-new-date": Route(
        allowed=frozenset({"officer"}),
        kwargs=lambda w: {"pk": w.objects["notice"].pk},
        methods=("POST",),
    ),
    "absence-reschedule": Route(
        allowed=TRAINING_WRITERS,
        kwargs=lambda w: {"pk": w.objects["notice"].pk},
        methods=("POST",),
        data=lambda w: {"session": w.objects["session"].pk},
    ),
    "calendar": Route(allowed=SIGNED_IN),
    # The secret address is the credential: calendar programs fetch it without a login.
    "calendar-mine": Route(allowed=EVERYONE, kwargs=lambda w: {"token": w.objects["token"].token}),
    "calendar-agency": Route(
        allowed=EVERYONE,
        kwargs=lambda w: {"token": w.objects["token"].token, "agency_pk": w.agency.pk},
    ),
    "record-new": Route(allowed=TRAINING_WRITERS, kwargs=_officer),
    "qualification-new": Route(allowed=TRAINING_WRITERS, kwargs=_officer),
    "record-void": Route(allowed=TRAINING_WRITERS, kwargs=lambda w: {"pk": w.objects["record"].pk}),
    "record-correct": Route(
        allowed=TRAINING_WRITERS, kwargs=lambda w: {"pk": w.objects["record"].pk}
    ),
    # Certificates: the officer and agency-wide readers, not supervisors or the commission.
    "record-evidence": Route(
        allowed=AGENCY_WIDE | {"officer"}, kwargs=lambda w: {"pk": w.objects["record"].pk}
    ),
    "qualification-void": Route(
        allowed=TRAINING_WRITERS, kwargs=lambda w: {"pk": w.objects["qualification"].pk}
    ),
}
