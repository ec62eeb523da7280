"""Pages of outside training: the member's submissions and the Training Unit's review queue.

A submission answers 404 to anyone but its member and the training staff of their agency, so
pages never confirm that someone else's submission exists.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from muster.accounts.models import TRAINING_WRITE_ROLES
from muster.agencies.models import Agency
from muster.core.forms import show_service_errors
from muster.core.uploads import attachment_response
from muster.outside.forms import (
    Decision,
    ReviewForm,
    SubmissionForm,
    initial_of,
)
from muster.outside.models import OutsideTrainingSubmission, SubmissionStatus
from muster.outside.services import (
    approve_submission,
    deny_submission,
    post_credit_note,
    return_submission,
    revise_submission,
    submit_outside_training,
    withdraw_submission,
)
from muster.people.models import Officer
from muster.training.models import Course

_NOT_FOR_OTHERS = "You may submit outside training only for yourself."


def _writer_agency_ids(user: Any) -> list[int] | None:
    """The agencies whose submissions the user reviews; None for every agency (superuser)."""
    scope = user.scope
    if scope.everything:
        return None
    return sorted(scope.agencies_with(TRAINING_WRITE_ROLES))


def _staff_officers(user: Any) -> QuerySet[Officer] | None:
    """The members a training staff user may submit for; None for a plain member."""
    agencies = _writer_agency_ids(user)
    if agencies == []:
        return None
    officers = Officer.objects.visible_to(user).select_related("agency")
    if agencies is not None:
        officers = officers.filter(agency_id__in=agencies)
    return officers.order_by("last_name", "first_name", "pk")


def _form_rule_pack(user: Any) -> str:
    own = getattr(user, "officer", None)
    if own is not None:
        return str(own.agency.rule_pack)
    agencies = _writer_agency_ids(user)
    agency = Agency.objects.filter(pk__in=agencies).first() if agencies else Agency.objects.first()
    return str(agency.rule_pack) if agency else "us-mo-clee"


def _submission_for(request: HttpRequest, pk: int) -> OutsideTrainingSubmission:
    """The submission, if the user is its member or training staff of its agency; else 404."""
    submission = get_object_or_404(
        OutsideTrainingSubmission.objects.visible_to(request.user).select_related(
            "officer__agency", "officer__unit", "course", "record", "reviewer", "submitted_by"
        ),
        pk=pk,
    )
    # Supervisors and custodians read the officer, but submissions stay with the Training Unit.
    if not request.user.has_perm("outside.view", submission):
        raise Http404("No such submission.")
    return submission


@never_cache
@login_required
def submission_list(request: HttpRequest) -> HttpResponse:
    """The member's own submissions with their status and the reviewer's reasons."""
    officer_id = getattr(request.user, "officer_id", None)
    submissions = (
        OutsideTrainingSubmission.objects.visible_to(request.user)
        .filter(officer_id=officer_id)
        .select_related("course")
        .prefetch_related("reviews")
        if officer_id
        else OutsideTrainingSubmission.objects.none()
    )
    return render(
        request,
        "outside/list.html",
        {
            "submissions": submissions,
            "has_officer": bool(officer_id),
            "is_reviewer": _writer_agency_ids(request.user) != [],
        },
    )


@never_cache
@login_required
def submission_new(request: HttpRequest) -> HttpResponse:
    """Submit outside training: members for themselves, staff from a paper certificate."""
    user: Any = request.user
    officers = _staff_officers(user)
    if officers is None and getattr(user, "officer_id", None) is None:
        raise PermissionDenied("Only members and training staff submit outside training.")
    form = SubmissionForm(
        request.POST or None,
        request.FILES or None,
        officers=officers,
        rule_pack=_form_rule_pack(user),
        initial={"officer": user.officer_id, "state": _home_state(user)},
    )
    if request.method == "POST" and form.is_valid():
        officer = form.cleaned_data.get("officer") or user.officer
        try:
            submission = submit_outside_training(
                acting_user=user,
                officer=officer,
                details=form.details(),
                certificate=form.cleaned_data["certificate"],
            )
        except PermissionDenied:
            form.add_error("officer" if officers is not None else None, _NOT_FOR_OTHERS)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "Your outside training was sent to the Training Unit.")
            if note := post_credit_note(submission):
                messages.warning(request, note)
            return redirect("outside-detail", pk=submission.pk)
    return render(request, "outside/form.html", {"form": form, "submission": None})


def _home_state(user: Any) -> str:
    own = getattr(user, "officer", None)
    if own is not None:
        return str(own.agency.state)
    agencies = _writer_agency_ids(user)
    agency = Agency.objects.filter(pk__in=agencies).first() if agencies else None
    return agency.state if agency else ""


@never_cache
@login_required
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One submission, its certificate, its status and every review decision."""
    submission = _submission_for(request, pk)
    return render(
        request,
        "outside/detail.html",
        {
            "submission": submission,
            "reviews": submission.reviews.all(),
            "topics": submission.topics.all(),
            "post_credit_note": post_credit_note(submission),
            "can_change": submission.is_open
            and request.user.has_perm("outside.change", submission),
            "can_withdraw": submission.is_open
            and request.user.has_perm("outside.withdraw", submission),
            "can_review": submission.status == SubmissionStatus.SUBMITTED
            and request.user.has_perm("outside.review", submission),
        },
    )


@never_cache
@login_required
def submission_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a submitted or returned submission and send it (again) to the Training Unit."""
    user: Any = request.user
    submission = _submission_for(request, pk)
    if not user.has_perm("outside.change", submission):
        raise Http404("No such submission.")
    if not submission.is_open:
        messages.error(
            request,
            f"This submission is {submission.get_status_display().lower()}; "
            "it can no longer be changed.",
        )
        return redirect("outside-detail", pk=submission.pk)
    form = SubmissionForm(
        request.POST or None,
        request.FILES or None,
        officers=None,
        rule_pack=submission.officer.agency.rule_pack,
        replacing_certificate=True,
        initial=initial_of(submission),
    )
    if request.method == "POST" and form.is_valid():
        try:
            revise_submission(
                acting_user=user,
                submission=submission,
                details=form.details(),
                certificate=form.cleaned_data["certificate"] or None,
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "Your changes were sent to the Training Unit.")
            if note := post_credit_note(submission):
                messages.warning(request, note)
            return redirect("outside-detail", pk=submission.pk)
    return render(request, "outside/form.html", {"form": form, "submission": submission})


@require_POST
@login_required
def submission_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a submission the Training Unit has not decided."""
    submission = _submission_for(request, pk)
    if not request.user.has_perm("outside.withdraw", submission):
        raise PermissionDenied("Only the member withdraws a submission; staff deny it.")
    try:
        withdraw_submission(
            acting_user=request.user, submission=submission, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The submission was withdrawn.")
    return redirect("outside-detail", pk=submission.pk)


@never_cache
@login_required
def certificate_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The submission's certificate, as a download, for its member and the Training Unit."""
    submission = _submission_for(request, pk)
    if not submission.certificate:
        raise Http404("No certificate.")
    stored = PurePath(submission.certificate.name or "certificate").name
    name = f"certificate-{submission.pk}-{stored}"
    return attachment_response(submission.certificate, name)


@never_cache
@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Training staff's queue of submissions of their agencies, filtered by status."""
    agencies = _writer_agency_ids(request.user)
    if agencies == []:
        raise PermissionDenied("Only training staff review outside training.")
    status = request.GET.get("status", SubmissionStatus.SUBMITTED)
    submissions = OutsideTrainingSubmission.objects.visible_to(request.user).select_related(
        "officer__agency", "course", "reviewer"
    )
    if agencies is not None:
        submissions = submissions.filter(officer__agency_id__in=agencies)
    if status in SubmissionStatus.values:
        submissions = submissions.filter(status=status)
    else:
        status = ""
    return render(
        request,
        "outside/queue.html",
        {
            "submissions": submissions.order_by("submitted_at", "pk"),
            "status": status,
            "statuses": SubmissionStatus.choices,
        },
    )


@never_cache
@login_required
def submission_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve (with a Course ID), return or deny one submission."""
    user: Any = request.user
    submission = _submission_for(request, pk)
    if not user.has_perm("outside.review", submission):
        if user.has_perm("outside.change", submission) and user.officer_id == submission.officer_id:
            raise PermissionDenied("Nobody reviews their own outside training.")
        raise Http404("No such submission.")
    form = ReviewForm(
        request.POST or None,
        submission=submission,
        courses=Course.objects.visible_to(user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == Decision.APPROVE:
                approve_submission(
                    acting_user=user,
                    submission=submission,
                    post_certified=data["post_certified"],
                    course=data["course"],
                    category=data["category"],
                    reason=data["reason"],
                )
                course = submission.course
                done = (
                    f"Approved and recorded under Course ID {course.course_id if course else ''}."
                )
            elif data["decision"] == Decision.RETURN:
                return_submission(acting_user=user, submission=submission, reason=data["reason"])
                done = "Returned to the member for changes."
            else:
                deny_submission(acting_user=user, submission=submission, reason=data["reason"])
                done = "Denied; the member sees your reason."
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("outside-queue")
    return render(
        request,
        "outside/review.html",
        {
            "form": form,
            "submission": submission,
            "reviews": submission.reviews.all(),
            "topics": submission.topics.all(),
            "post_credit_note": post_credit_note(submission),
        },
    )
