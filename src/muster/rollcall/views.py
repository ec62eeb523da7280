"""Pages of the roll-call app: the supervisor's reports and the Training Unit's entry queue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from muster.accounts.models import TRAINING_WRITE_ROLES
from muster.core.forms import show_service_errors
from muster.people.models import Officer
from muster.rollcall.forms import EnterForm, ReportForm, ReturnForm, supervised_units
from muster.rollcall.models import MUST_DOCUMENT_TOPICS, ReportStatus, RollCallReport
from muster.rollcall.services import (
    correct_and_forward,
    document_roll_call,
    enter_roll_call,
    return_roll_call,
)
from muster.training.models import TrainingRecord


def _status_refusal(
    request: HttpRequest, report: RollCallReport, error: ValidationError
) -> HttpResponse:
    """Someone else entered or returned the report first: say so on its page."""
    messages.error(request, " ".join(error.message_dict["status"]))
    return redirect("rollcall-detail", pk=report.pk)


def _visible_reports(request: HttpRequest) -> Any:
    return RollCallReport.objects.visible_to(request.user).select_related(
        "agency", "unit", "documented_by", "course"
    )


def _writer_agency_ids(user: Any) -> list[int] | None:
    """The agencies whose queue the user works (None: every agency, for superusers)."""
    scope = user.scope
    if scope.everything:
        return None
    return [
        agency_id
        for agency_id, roles in scope.roles.items()
        if isinstance(agency_id, int) and roles & TRAINING_WRITE_ROLES
    ]


@never_cache
@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """The supervisor's own reports with their status, and the Training Unit's queue."""
    reports = _visible_reports(request)
    mine = reports.filter(documented_by=request.user)
    writer_agencies = _writer_agency_ids(request.user)
    queue = reviewed = None
    if writer_agencies is None or writer_agencies:
        agency_reports = (
            reports if writer_agencies is None else reports.filter(agency_id__in=writer_agencies)
        )
        queue = agency_reports.waiting().order_by("forwarded_at", "pk")
        reviewed = agency_reports.exclude(status=ReportStatus.FORWARDED).order_by(
            "-reviewed_at", "-pk"
        )[:25]
    return render(
        request,
        "rollcall/report_list.html",
        {
            "mine": mine,
            "queue": queue,
            "reviewed": reviewed,
            "can_document": supervised_units(request.user).exists(),
        },
    )


def _form_page(
    request: HttpRequest, form: ReportForm, report: RollCallReport | None
) -> HttpResponse:
    return render(
        request,
        "rollcall/report_form.html",
        {"form": form, "report": report, "policy_topics": MUST_DOCUMENT_TOPICS},
    )


@never_cache
@login_required
def report_new(request: HttpRequest) -> HttpResponse:
    """The supervisor's "Document roll-call training" form; it forwards to the Training Unit."""
    if not supervised_units(request.user).exists():
        raise PermissionDenied("Only an element supervisor documents roll-call training.")
    form = ReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = document_roll_call(
                acting_user=request.user,
                unit=data["unit"],
                held_on=data["held_on"],
                start_time=data["start_time"],
                minutes=data["minutes"],
                title=data["title"],
                topics=data["topics"],
                attendees=data["attendees"],
                instructor=data["instructor"],
                instructor_name=data["instructor_name"],
                notes=data["notes"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The roll-call training was forwarded to the Training Unit.")
            return redirect("rollcall-detail", pk=report.pk)
    return _form_page(request, form, None)


@never_cache
@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a returned report and forward it again (its own supervisor only)."""
    report = get_object_or_404(_visible_reports(request), pk=pk)
    if not request.user.has_perm("rollcall.correct", report):
        raise PermissionDenied("Only the supervisor who documented it corrects a report.")
    if report.status != ReportStatus.RETURNED:
        messages.info(request, "Only a report the Training Unit returned can be corrected.")
        return redirect("rollcall-detail", pk=report.pk)
    form = ReportForm(
        request.POST or None,
        user=request.user,
        report=report,
        initial=ReportForm.initial_from(report),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            correct_and_forward(
                acting_user=request.user,
                report=report,
                held_on=data["held_on"],
                start_time=data["start_time"],
                minutes=data["minutes"],
                title=data["title"],
                topics=data["topics"],
                attendees=data["attendees"],
                instructor=data["instructor"],
                instructor_name=data["instructor_name"],
                notes=data["notes"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The corrected report was forwarded to the Training Unit.")
            return redirect("rollcall-detail", pk=report.pk)
    return _form_page(request, form, report)


def _detail_page(
    request: HttpRequest,
    report: RollCallReport,
    *,
    enter_form: EnterForm | None = None,
    return_form: ReturnForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    reviewing = report.status == ReportStatus.FORWARDED and user.has_perm("rollcall.enter", report)
    if reviewing:
        enter_form = enter_form or EnterForm(user=user, report=report)
        return_form = return_form or ReturnForm()
    attendees = (
        Officer.objects.visible_to(user)
        .filter(roll_call_reports=report)
        .select_related("unit")
        .order_by("last_name", "first_name")
    )
    records = (
        TrainingRecord.objects.visible_to(user)
        .filter(roll_call_entry__report=report)
        .select_related("officer")
        .order_by("officer__last_name", "officer__first_name")
    )
    return render(
        request,
        "rollcall/report_detail.html",
        {
            "report": report,
            "topics": report.topics.order_by("name"),
            "attendees": attendees,
            "records": records,
            "reviewing": reviewing,
            "enter_form": enter_form,
            "return_form": return_form,
            "can_correct": report.status == ReportStatus.RETURNED
            and user.has_perm("rollcall.correct", report),
        },
        status=status,
    )


@never_cache
@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One report, its attendees and status, and for the Training Unit the entry forms."""
    report = get_object_or_404(_visible_reports(request), pk=pk)
    return _detail_page(request, report)


@never_cache
@login_required
@require_POST
def report_enter(request: HttpRequest, pk: int) -> HttpResponse:
    """The Training Unit enters a forwarded report under a Course ID."""
    report = get_object_or_404(_visible_reports(request), pk=pk)
    form = EnterForm(request.POST, user=request.user, report=report)
    if form.is_valid():
        try:
            enter_roll_call(
                acting_user=request.user, report=report, course=form.cleaned_data["course"]
            )
        except ValidationError as error:
            if "status" in error.message_dict:
                return _status_refusal(request, report, error)
            show_service_errors(form, error)
        else:
            report.refresh_from_db()
            assert report.course is not None  # entering assigns the course
            messages.success(
                request,
                f"Entered under Course ID {report.course.course_id}: "
                f"{report.entries.count()} training records.",
            )
            return redirect("rollcall-detail", pk=report.pk)
    report.refresh_from_db()
    return _detail_page(request, report, enter_form=form, status=400)


@never_cache
@login_required
@require_POST
def report_return(request: HttpRequest, pk: int) -> HttpResponse:
    """The Training Unit returns a forwarded report to its supervisor with a reason."""
    report = get_object_or_404(_visible_reports(request), pk=pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            return_roll_call(
                acting_user=request.user, report=report, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            if "status" in error.message_dict:
                return _status_refusal(request, report, error)
            show_service_errors(form, error)
        else:
            messages.success(request, "The report was returned to its supervisor.")
            return redirect("rollcall-detail", pk=report.pk)
    report.refresh_from_db()
    return _detail_page(request, report, return_form=form, status=400)
