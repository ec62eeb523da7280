"""Pages for releasing training records outside the agency: the list of requests, the new
request form, and a request's page with the decision, the package and its disclosure log.

A request the user may not read answers 404; an action the user may read but not take
answers 403. A refused action shows the page again with the reason next to its form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from muster.accounts.models import AGENCY_WIDE_ROLES, Role
from muster.core.forms import show_service_errors
from muster.core.services import require
from muster.release import services
from muster.release.forms import (
    ApproveForm,
    DenyForm,
    ProduceForm,
    RequestForm,
    SubmitForm,
    WithdrawForm,
    clerk_agency_ids,
)
from muster.release.models import (
    PRODUCIBLE,
    WITHDRAWABLE,
    Disclosure,
    ReleaseRequest,
    ReleaseStatus,
)
from muster.reports.tables import download_name

_RENAME = {"fields": "release_fields"}


def _readable(request: HttpRequest, pk: int) -> ReleaseRequest:
    return get_object_or_404(
        ReleaseRequest.objects.visible_to(request.user).select_related(
            "agency", "officer", "entered_by", "decided_by"
        ),
        pk=pk,
    )


def _reads_requests(user: Any) -> bool:
    """The user holds an agency-wide role somewhere (or is a superuser)."""
    return bool(user.is_superuser or user.scope.agencies_with(AGENCY_WIDE_ROLES))


@never_cache
@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    """Every release request of the user's agencies, newest first, filterable by status."""
    user: Any = request.user
    if not _reads_requests(user):
        raise PermissionDenied("Release requests are read by the agency's records staff.")
    rows = ReleaseRequest.objects.visible_to(user).select_related("agency", "officer")
    status = request.GET.get("status", "")
    if status in ReleaseStatus.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    return render(
        request,
        "release/list.html",
        {
            "rows": rows,
            "status": status,
            "statuses": ReleaseStatus.choices,
            "can_create": user.is_superuser or bool(clerk_agency_ids(user)),
        },
    )


@never_cache
@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    """Enter an outside party's request for one officer's training records."""
    user: Any = request.user
    if not (user.is_superuser or clerk_agency_ids(user)):
        raise PermissionDenied(
            "Release requests are entered by the records custodian or the Training Unit."
        )
    form = RequestForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.create_release_request(
                acting_user=user,
                officer=data["officer"],
                details=services.RequestDetails(
                    requester_name=data["requester_name"],
                    requester_organisation=data["requester_organisation"],
                    requester_contact=data["requester_contact"],
                    purpose=data["purpose"],
                    legal_basis=data["legal_basis"],
                    legal_citation=data["legal_citation"],
                    period_from=data["period_from"],
                    period_to=data["period_to"],
                    record_kinds=data["record_kinds"],
                    fields=data["release_fields"],
                    format=data["format"],
                ),
            )
        except ValidationError as exc:
            show_service_errors(form, exc, rename=_RENAME)
        else:
            messages.success(
                request,
                f"Request {created.number} entered as a draft. Submit it for General Counsel's "
                "or HR's decision.",
            )
            return redirect("release-detail", pk=created.pk)
    return render(request, "release/form.html", {"form": form})


def _render_detail(
    request: HttpRequest, rr: ReleaseRequest, status: int = 200, **forms_in: forms.Form
) -> HttpResponse:
    user: Any = request.user
    submitted = rr.status == ReleaseStatus.SUBMITTED
    may_decide = submitted and services.may_decide(user, rr)
    shown = {
        "submit_form": rr.status == ReleaseStatus.DRAFT and user.has_perm("release.submit", rr),
        "approve_form": may_decide,
        "deny_form": may_decide,
        "withdraw_form": rr.status in WITHDRAWABLE and user.has_perm("release.withdraw", rr),
        "produce_form": rr.status in PRODUCIBLE and user.has_perm("release.produce", rr),
    }
    # A refused action whose form the page no longer shows (the request moved on meanwhile)
    # still says why, above everything else.
    refusals = [
        message
        for name, form in forms_in.items()
        if not shown[name]
        for errors in form.errors.values()
        for message in errors
    ]
    context = {
        "rr": rr,
        "refusals": refusals,
        "disclosures": Disclosure.objects.visible_to(user)
        .filter(request=rr)
        .select_related("produced_by"),
        "can_submit": shown["submit_form"],
        "can_decide": may_decide,
        "entered_it_yourself": submitted
        and rr.entered_by_id == user.pk
        and Role.COUNSEL_HR in user.scope.roles_in(rr.agency_id),
        "can_produce": shown["produce_form"],
        "can_withdraw": shown["withdraw_form"],
        "submit_form": forms_in.get("submit_form") or SubmitForm(),
        "approve_form": forms_in.get("approve_form") or ApproveForm(requested=rr.fields),
        "deny_form": forms_in.get("deny_form") or DenyForm(),
        "withdraw_form": forms_in.get("withdraw_form") or WithdrawForm(),
        "produce_form": forms_in.get("produce_form") or ProduceForm(),
    }
    return render(request, "release/detail.html", context, status=status)


@never_cache
@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request: who asks, why, for what, the decision, and every package produced."""
    return _render_detail(request, _readable(request, pk))


@never_cache
@login_required
@require_POST
def request_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the draft to General Counsel or HR."""
    rr = _readable(request, pk)
    require(request.user, "release.submit", rr)
    form = SubmitForm(request.POST)
    try:
        services.submit_request(acting_user=request.user, request=rr)
    except ValidationError as exc:
        show_service_errors(form, exc)
        return _render_detail(request, rr, status=400, submit_form=form)
    messages.success(request, f"Request {rr.number} submitted for decision.")
    return redirect("release-detail", pk=rr.pk)


@never_cache
@login_required
@require_POST
def request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """General Counsel or HR approves the release, perhaps of fewer fields."""
    rr = _readable(request, pk)
    services.require_decider(request.user, rr)
    form = ApproveForm(request.POST, requested=rr.fields)
    if form.is_valid():
        try:
            services.approve_request(
                acting_user=request.user,
                request=rr,
                fields=form.cleaned_data["release_fields"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            show_service_errors(form, exc, rename=_RENAME)
        else:
            messages.success(request, f"Request {rr.number} approved.")
            return redirect("release-detail", pk=rr.pk)
    return _render_detail(request, rr, status=400, approve_form=form)


@never_cache
@login_required
@require_POST
def request_deny(request: HttpRequest, pk: int) -> HttpResponse:
    """General Counsel or HR denies the release, saying why."""
    rr = _readable(request, pk)
    services.require_decider(request.user, rr)
    form = DenyForm(request.POST)
    if form.is_valid():
        try:
            services.deny_request(
                acting_user=request.user, request=rr, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, f"Request {rr.number} denied.")
            return redirect("release-detail", pk=rr.pk)
    return _render_detail(request, rr, status=400, deny_form=form)


@never_cache
@login_required
@require_POST
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw the request before anything is released."""
    rr = _readable(request, pk)
    require(request.user, "release.withdraw", rr)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw_request(
                acting_user=request.user, request=rr, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, f"Request {rr.number} withdrawn.")
            return redirect("release-detail", pk=rr.pk)
    return _render_detail(request, rr, status=400, withdraw_form=form)


@never_cache
@login_required
@require_POST
def request_produce(request: HttpRequest, pk: int) -> HttpResponse:
    """Produce the package of an approved request and send it as a download.

    POST with the CSRF token: each production is a disclosure, logged, which another site
    must not be able to trigger with a link or an image.
    """
    rr = _readable(request, pk)
    require(request.user, "release.produce", rr)
    form = ProduceForm(request.POST)
    try:
        _disclosure, package = services.produce_package(acting_user=request.user, request=rr)
    except ValidationError as exc:
        show_service_errors(form, exc)
        return _render_detail(request, rr, status=400, produce_form=form)
    response = HttpResponse(package.data, content_type=package.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download_name(package.filename)}"'
    response["Cache-Control"] = "private, no-store"
    return response
