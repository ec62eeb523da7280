"""The home page (one panel per role the user holds) and the health check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from muster.accounts.models import AGENCY_WIDE_ROLES, Membership, Role, User
from muster.agencies.models import Agency
from muster.compliance.models import ComplianceSnapshot
from muster.compliance.services import what_if
from muster.people.models import LeavePeriod, Officer, OfficerStatus
from muster.training.models import (
    AbsenceNotice,
    EnrolmentStatus,
    QualificationEvent,
    Session,
    SessionStatus,
    TrainingRecord,
)


@dataclass
class AgencyPanel:
    """What agency-wide staff see first about one agency."""

    agency: Agency
    roles: list[str]
    period: tuple[dt.date, dt.date]
    officer_counts: dict[str, int] = field(default_factory=dict)
    upcoming_sessions: list[Session] = field(default_factory=list)
    recent_records: list[TrainingRecord] = field(default_factory=list)
    records_this_period: int = 0
    awaiting_new_date: int = 0
    # What waits for the Training Unit: (label, count, address), shown when not zero.
    queues: list[tuple[str, int, str]] = field(default_factory=list)
    # What waits for General Counsel or HR: (label, count, address), shown when not zero.
    decisions: list[tuple[str, int, str]] = field(default_factory=list)


def _officer_panel(request: HttpRequest, officer: Officer) -> dict[str, Any]:
    today = officer.agency.today()
    period = officer.agency.training_year(today)
    records = list(
        TrainingRecord.objects.visible_to(request.user)
        .current()
        .filter(officer=officer, completed_on__range=period)
    )
    snapshot = (
        ComplianceSnapshot.objects.visible_to(request.user)
        .filter(
            officer=officer,
            pack_id=officer.agency.rule_pack,
            period_start__lte=today,
            period_end__gte=today,
        )
        .first()
    )
    planned = what_if(officer, today=today) if snapshot and snapshot.status == "deficient" else None
    upcoming = (
        Session.objects.visible_to(request.user)
        .filter(
            enrolments__officer=officer,
            enrolments__status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED],
            ends_at__gte=timezone.now(),
            status=SessionStatus.SCHEDULED,
        )
        .select_related("course")
        .order_by("starts_at")[:5]
    )
    last_qualification = (
        QualificationEvent.objects.visible_to(request.user)
        .current()
        .filter(officer=officer)
        .order_by("-qualified_on")
        .first()
    )
    teaching = (
        Session.objects.visible_to(request.user)
        .filter(instructors=officer, ends_at__gte=timezone.now(), status=SessionStatus.SCHEDULED)
        .select_related("course")
        .order_by("starts_at")[:5]
    )
    absences = (
        AbsenceNotice.objects.visible_to(request.user)
        .filter(officer=officer, session__ends_at__gte=timezone.now() - dt.timedelta(days=60))
        .select_related("session__course", "rescheduled_to__course")
        .order_by("-notified_at")[:5]
    )
    from muster.outside.models import OPEN_STATUSES, OutsideTrainingSubmission

    pending = (
        OutsideTrainingSubmission.objects.visible_to(request.user)
        .filter(officer=officer, status__in=OPEN_STATUSES)
        .order_by("-submitted_at")[:5]
    )
    return {
        "officer": officer,
        "period": period,
        "pending_outside": list(pending),
        "teaching": list(teaching),
        "absences": list(absences),
        "records": records,
        "snapshot": snapshot,
        "what_if": planned,
        "upcoming": list(upcoming),
        "last_qualification": last_qualification,
        "open_leave": LeavePeriod.objects.visible_to(request.user)
        .filter(officer=officer, ends_on__isnull=True)
        .first(),
    }


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, on a view that `login_required` already guards."""
    user = request.user
    assert isinstance(user, User), "this view needs login_required"
    return user


def _supervisor_panels(request: HttpRequest) -> list[dict[str, Any]]:
    """Each supervised unit's counts, its officers most at risk, and its unseen notices."""
    from muster.reports.unit_views import unit_summary

    panels = []
    memberships = (
        Membership.objects.active()
        .filter(user=signed_in_user(request), role=Role.SUPERVISOR)
        .select_related("unit__agency", "agency")
    )
    for m in memberships:
        assert m.unit is not None  # the membership constraint guarantees it for supervisors
        unseen = (
            AbsenceNotice.objects.visible_to(request.user)
            .filter(officer__unit__path__startswith=m.unit.path, seen_at__isnull=True)
            .exclude(officer=getattr(request.user, "officer", None))
            .select_related("officer", "session__course")
            .order_by("session__starts_at")
        )
        panels.append(
            {"summary": unit_summary(request.user, m.unit), "absences": list(unseen[:20])}
        )
    return panels


def _agency_panels(request: HttpRequest) -> list[AgencyPanel]:
    scope = request.user.scope  # type: ignore[union-attr]
    agencies = Agency.objects.filter(pk__in=scope.agency_ids).order_by("name")
    panels = []
    for agency in agencies:
        period = agency.training_year(agency.today())
        panel = AgencyPanel(
            agency=agency,
            roles=sorted(Role(r).label for r in scope.roles_in(agency.pk) & AGENCY_WIDE_ROLES),
            period=period,
        )
        counts = (
            Officer.objects.visible_to(request.user)
            .filter(agency=agency)
            .values("status")
            .annotate(n=Count("id"))
        )
        panel.officer_counts = {OfficerStatus(c["status"]).label: c["n"] for c in counts}
        panel.upcoming_sessions = list(
            Session.objects.visible_to(request.user)
            .filter(
                course__agency=agency,
                status=SessionStatus.SCHEDULED,
                ends_at__gte=timezone.now(),
            )
            .select_related("course")
            .annotate(enrolled=Count("enrolments", filter=Q(enrolments__status="enrolled")))
            .order_by("starts_at")[:8]
        )
        records = (
            TrainingRecord.objects.visible_to(request.user).current().filter(officer__agency=agency)
        )
        panel.records_this_period = records.filter(completed_on__range=period).count()
        panel.awaiting_new_date = (
            AbsenceNotice.objects.visible_to(request.user)
            .filter(
                officer__agency=agency,
                new_date_requested_at__isnull=False,
                rescheduled_to__isnull=True,
            )
            .count()
        )
        panel.recent_records = list(
            records.select_related("officer").order_by("-entered_at", "-id")[:8]
        )
        panel.queues = _training_queues(request, agency, panel.awaiting_new_date)
        panel.decisions = _counsel_queues(request, agency)
        panels.append(panel)
    return panels


def _training_queues(
    request: HttpRequest, agency: Agency, awaiting_new_date: int
) -> list[tuple[str, int, str]]:
    """Counts of the work waiting for the Training Unit, each read through visible_to."""
    from muster.certification.models import CertificationRequest, RequestStatus
    from muster.outside.models import OutsideTrainingSubmission, SubmissionStatus
    from muster.rollcall.models import ReportStatus, RollCallReport

    user = request.user
    if not user.has_perm("training.record_training", agency):
        return []
    counts = [
        (
            "outside-training submissions to review",
            OutsideTrainingSubmission.objects.visible_to(user)
            .filter(officer__agency=agency, status=SubmissionStatus.SUBMITTED)
            .count(),
            reverse("outside-queue"),
        ),
        (
            "roll-call reports to enter",
            RollCallReport.objects.visible_to(user)
            .filter(agency=agency, status=ReportStatus.FORWARDED)
            .count(),
            reverse("rollcall-list"),
        ),
        (
            "course certification requests submitted",
            CertificationRequest.objects.visible_to(user)
            .filter(agency=agency, status=RequestStatus.SUBMITTED)
            .count(),
            reverse("certification-list"),
        ),
        ("members waiting for a new training date", awaiting_new_date, reverse("absence-list")),
    ]
    return [row for row in counts if row[1]]


def _counsel_queues(request: HttpRequest, agency: Agency) -> list[tuple[str, int, str]]:
    """Counts of what waits for General Counsel's or HR's decision, read through visible_to."""
    from muster.release.models import ReleaseRequest, ReleaseStatus

    user = signed_in_user(request)
    if Role.COUNSEL_HR not in user.scope.roles_in(agency.pk):
        return []
    waiting = (
        ReleaseRequest.objects.visible_to(user)
        .filter(agency=agency, status=ReleaseStatus.SUBMITTED)
        .exclude(entered_by=user)  # someone else decides what this person entered
        .count()
    )
    address = f"{reverse('release-list')}?status={ReleaseStatus.SUBMITTED.value}"
    return [("records release requests to decide", waiting, address)] if waiting else []


def _commission_panels(request: HttpRequest) -> list[dict[str, Any]]:
    scope = request.user.scope  # type: ignore[union-attr]
    panels = []
    for state in sorted(scope.states):
        agencies = (
            Agency.objects.visible_to(request.user)
            .filter(state=state)
            .annotate(
                serving=Count("officers", filter=~Q(officers__status=OfficerStatus.SEPARATED))
            )
            .order_by("name")
        )
        panels.append({"state": state, "agencies": list(agencies)})
    return panels


@never_cache
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One panel per role the signed-in user holds, most personal first."""
    user = request.user
    scope = user.scope  # type: ignore[union-attr]
    officer = getattr(user, "officer", None)
    context: dict[str, Any] = {
        "officer_panel": _officer_panel(request, officer) if officer is not None else None,
        "supervisor_panels": _supervisor_panels(request) if scope.unit_paths else [],
        "agency_panels": _agency_panels(request) if scope.agency_ids else [],
        "commission_panels": _commission_panels(request) if scope.states else [],
    }
    context["has_any_panel"] = any(context.values()) or scope.everything
    return render(request, "core/home.html", context)


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
