"""Pages for POST course certification requests: the lists, the new-request form, and a
request's page with its packet checklist and every action on it.

A request the user may not read answers 404; an action the user may read but not take
answers 403. A refused action shows the page again with the reason next to its form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from muster.accounts.models import TRAINING_WRITE_ROLES
from muster.certification import services
from muster.certification.forms import (
    DocumentForm,
    LateExceptionForm,
    LiaisonForm,
    ProgressForm,
    RequestForm,
    SubmitForm,
    WithdrawForm,
    writer_agency_ids,
)
from muster.certification.models import CertificationRequest, DocumentKind, RequestStatus
from muster.core.forms import show_service_errors
from muster.core.uploads import attachment_response


def _readable(request: HttpRequest, pk: int) -> CertificationRequest:
    return get_object_or_404(
        CertificationRequest.objects.visible_to(request.user).select_related(
            "agency", "liaison", "course", "created_by", "late_exception_by"
        ),
        pk=pk,
    )


def _with_warnings(rows: Any) -> list[tuple[CertificationRequest, Any]]:
    # Each agency's own date decides the 30-day line; look it up once per agency.
    todays: dict[int, Any] = {}
    out = []
    for row in rows:
        today = todays.setdefault(row.agency_id, row.agency.today())
        out.append((row, services.deadline_warning(row, today)))
    return out


@never_cache
@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    """The user's own requests as liaison, and for Training Unit staff every request of
    their agency."""
    user: Any = request.user
    readable = CertificationRequest.objects.visible_to(user).select_related(
        "agency", "liaison", "course"
    )
    mine = readable.filter(liaison_id=user.officer_id) if user.officer_id else readable.none()
    staff_agencies = writer_agency_ids(user)
    if user.is_superuser:
        agency_rows = readable
    elif staff_agencies:
        agency_rows = readable.filter(agency_id__in=staff_agencies)
    else:
        agency_rows = readable.none()
    status = request.GET.get("status", "")
    if status in RequestStatus.values:
        agency_rows = agency_rows.filter(status=status)
    return render(
        request,
        "certification/request_list.html",
        {
            "mine": _with_warnings(mine),
            "agency_rows": _with_warnings(agency_rows),
            "is_staff_view": bool(staff_agencies) or user.is_superuser,
            "status": status,
            "statuses": RequestStatus.choices,
        },
    )


@never_cache
@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    """Introduce a class for POST credit; the introducer becomes its liaison."""
    user: Any = request.user
    if getattr(user, "officer", None) is None and not writer_agency_ids(user):
        raise PermissionDenied(
            "Only a member with an officer record, or Training Unit staff naming one, can "
            "introduce a class."
        )
    form = RequestForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.create_request(
                acting_user=user,
                class_name=data["class_name"],
                hours=data["hours"],
                first_delivery_on=data["first_delivery_on"],
                further_dates=data["further_dates"],
                location=data["location"],
                liaison=data.get("liaison"),
                course=data["course"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Request for {created.class_name} created. Upload the six POST documents "
                f"by {created.deadline:%b %-d, %Y}.",
            )
            return redirect("certification-detail", pk=created.pk)
    return render(request, "certification/request_form.html", {"form": form})


def _render_detail(
    request: HttpRequest, cr: CertificationRequest, **forms_in: forms.Form
) -> HttpResponse:
    user: Any = request.user
    today = cr.agency.today()
    documents = list(cr.documents.all())
    by_kind = {kind: [d for d in documents if d.kind == kind] for kind in DocumentKind.values}
    checklist = [(value, label, by_kind[value]) for value, label in DocumentKind.choices]
    missing = [label for value, label, docs in checklist if not docs]
    is_draft = cr.status == RequestStatus.DRAFT
    can_edit = is_draft and user.has_perm("certification.edit_packet", cr)
    can_manage = user.has_perm("certification.manage", cr)
    context = {
        "cr": cr,
        "today": today,
        "checklist": checklist,
        "missing": missing,
        "warning": services.deadline_warning(cr, today),
        "days_left": services.days_to_deadline(cr, today),
        "completed_on": services.completed_on(cr),
        "completed_late": services.completed_late(cr),
        "can_edit": can_edit,
        "can_submit": is_draft and user.has_perm("certification.submit", cr),
        "can_approve_late": is_draft
        and not cr.has_late_exception
        and user.has_perm("certification.approve_late", cr),
        "can_progress": can_manage
        and cr.status in (RequestStatus.SUBMITTED, RequestStatus.SENT_TO_POST),
        "can_change_liaison": can_manage and cr.is_open,
        "can_withdraw": cr.is_open and user.has_perm("certification.withdraw", cr),
        "document_form": forms_in.get("document_form") or DocumentForm(),
        "submit_form": forms_in.get("submit_form") or SubmitForm(),
        "late_form": forms_in.get("late_form") or LateExceptionForm(),
        "progress_form": forms_in.get("progress_form")
        or ProgressForm(
            initial={
                "step": ProgressForm.SENT
                if cr.status == RequestStatus.SUBMITTED
                else ProgressForm.CERTIFIED,
                "on": today,
            }
        ),
        "withdraw_form": forms_in.get("withdraw_form") or WithdrawForm(),
        "liaison_form": forms_in.get("liaison_form")
        or LiaisonForm(user=user, agency_id=cr.agency_id, initial={"liaison": cr.liaison_id}),
        "is_training_staff": bool(user.scope.roles_in(cr.agency_id) & TRAINING_WRITE_ROLES),
    }
    return render(request, "certification/request_detail.html", context)


@never_cache
@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request: its facts, the packet checklist, the 30-day line and what can be done."""
    return _render_detail(request, _readable(request, pk))


@never_cache
@login_required
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a file to the packet."""
    cr = _readable(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.upload_document(
                acting_user=request.user,
                request=cr,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, f"Added {document.original_name} to the packet.")
            return redirect("certification-detail", pk=cr.pk)
    return _render_detail(request, cr, document_form=form)


@never_cache
@login_required
@require_POST
def document_remove(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    """Take a file out of the packet."""
    cr = _readable(request, pk)
    document = get_object_or_404(cr.documents.all(), pk=doc_pk)
    try:
        services.remove_document(acting_user=request.user, document=document)
    except ValidationError as exc:
        form = DocumentForm()
        show_service_errors(form, exc)
        return _render_detail(request, cr, document_form=form)
    messages.success(request, f"Removed {document.original_name} from the packet.")
    return redirect("certification-detail", pk=cr.pk)


@never_cache
@login_required
def document_download(request: HttpRequest, pk: int, doc_pk: int) -> FileResponse:
    """Send one packet file to a user who may read the request."""
    cr = _readable(request, pk)
    document = get_object_or_404(cr.documents.all(), pk=doc_pk)
    return attachment_response(document.file, document.original_name)


@never_cache
@login_required
@require_POST
def request_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the packet to the Training Unit."""
    cr = _readable(request, pk)
    form = SubmitForm(request.POST)
    try:
        services.submit_request(acting_user=request.user, request=cr)
    except ValidationError as exc:
        show_service_errors(form, exc)
        return _render_detail(request, cr, submit_form=form)
    messages.success(request, "Packet submitted to the Training Unit.")
    return redirect("certification-detail", pk=cr.pk)


@never_cache
@login_required
@require_POST
def late_exception(request: HttpRequest, pk: int) -> HttpResponse:
    """The Director or designee approves a packet inside the 30-day line."""
    cr = _readable(request, pk)
    form = LateExceptionForm(request.POST)
    if form.is_valid():
        try:
            services.approve_late_exception(
                acting_user=request.user, request=cr, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, "Late exception approved.")
            return redirect("certification-detail", pk=cr.pk)
    return _render_detail(request, cr, late_form=form)


@never_cache
@login_required
@require_POST
def record_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The Training Unit records sending to POST, and POST's decision."""
    cr = _readable(request, pk)
    form = ProgressForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["step"] == ProgressForm.SENT:
                services.mark_sent_to_post(acting_user=request.user, request=cr, sent_on=data["on"])
                note = "Recorded as sent to POST."
            elif data["step"] == ProgressForm.CERTIFIED:
                services.record_certification(
                    acting_user=request.user,
                    request=cr,
                    decided_on=data["on"],
                    certification_number=data["certification_number"],
                )
                note = "Recorded POST's certification; the number is on the catalog course."
            else:
                services.record_rejection(
                    acting_user=request.user,
                    request=cr,
                    decided_on=data["on"],
                    reason=data["reason"],
                )
                note = "Recorded POST's rejection."
        except ValidationError as exc:
            show_service_errors(form, exc, rename={"sent_on": "on", "decided_on": "on"})
        else:
            messages.success(request, note)
            return redirect("certification-detail", pk=cr.pk)
    return _render_detail(request, cr, progress_form=form)


@never_cache
@login_required
@require_POST
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The liaison withdraws the request."""
    cr = _readable(request, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw_request(
                acting_user=request.user, request=cr, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, "Request withdrawn.")
            return redirect("certification-detail", pk=cr.pk)
    return _render_detail(request, cr, withdraw_form=form)


@never_cache
@login_required
@require_POST
def liaison_change(request: HttpRequest, pk: int) -> HttpResponse:
    """The Training Unit names another liaison."""
    cr = _readable(request, pk)
    # Before the form: the choice of liaisons is the Training Unit's, and a form error would
    # answer someone who may not make the change at all.
    if not request.user.has_perm("certification.manage", cr):
        raise PermissionDenied("Only the Training Unit names another liaison.")
    form = LiaisonForm(request.POST, user=request.user, agency_id=cr.agency_id)
    if form.is_valid():
        try:
            services.change_liaison(
                acting_user=request.user,
                request=cr,
                liaison=form.cleaned_data["liaison"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            liaison = form.cleaned_data["liaison"]
            messages.success(request, f"{liaison.full_name} is now the liaison.")
            return redirect("certification-detail", pk=cr.pk)
    return _render_detail(request, cr, liaison_form=form)
