"""Changes to POST course certification requests, and the 30-day line and its reminders.

The liaison completes a packet of six kinds of document; it must be complete 30 days before
the first delivery (policy IV.G.1.a, IV.G.3.b) unless the Training Center Director or designee
approves it later (IV.G.1.b). The Training Unit then sends it to POST and records the answer;
a certification number lands on the catalog course.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from muster.certification.models import (
    DEADLINE_DAYS,
    CertificationRequest,
    DocumentKind,
    PacketDocument,
    RequestStatus,
)
from muster.core.audit import change_audited, record_audit, snapshot
from muster.core.services import require
from muster.core.uploads import check_upload
from muster.people.models import Officer, OfficerStatus
from muster.training.models import Course
from muster.training.services import create_course
from muster.training.vocabulary import Delivery

# Days before the 30-day line on which the liaison is reminded.
REMINDER_DAYS = (14, 7, 3, 1)
# Pages warn about an incomplete packet from the first reminder on.
WARNING_DAYS = max(REMINDER_DAYS)


# --- The 30-day line -----------------------------------------------------------------------


def days_to_deadline(request: CertificationRequest, today: dt.date) -> int:
    """Days from `today` to the last day the packet may be completed; negative once past."""
    return (request.deadline - today).days


def missing_kinds(request: CertificationRequest) -> list[str]:
    """The document kinds (values) the packet still lacks, in the policy's order."""
    present = set(request.documents.values_list("kind", flat=True))
    return [kind for kind in DocumentKind.values if kind not in present]


def _labels(kinds: Iterable[str]) -> str:
    return ", ".join(str(DocumentKind(k).label) for k in kinds)


def completed_on(request: CertificationRequest) -> dt.date | None:
    """The agency's local date the packet became complete, or None while it is not."""
    if request.packet_completed_at is None:
        return None
    return timezone.localtime(request.packet_completed_at, request.agency.zone).date()


def completed_late(request: CertificationRequest) -> bool:
    """The packet was completed after the 30-day line."""
    done = completed_on(request)
    return done is not None and done > request.deadline


@dataclass(frozen=True)
class DeadlineWarning:
    """What a page says about a draft's 30-day line."""

    days_left: int
    past: bool
    text: str


def deadline_warning(request: CertificationRequest, today: dt.date) -> DeadlineWarning | None:
    """The warning a draft's pages show near or past its 30-day line, or None."""
    if request.status != RequestStatus.DRAFT or request.has_late_exception:
        return None
    days = days_to_deadline(request, today)
    if request.packet_completed_at is not None:
        if not completed_late(request):
            return None
        return DeadlineWarning(
            days,
            True,
            "The packet was completed past the 30-day line: it needs the Director's approval "
            "before it can be submitted.",
        )
    if days < 0:
        return DeadlineWarning(
            days,
            True,
            "Past the 30-day line: needs the Director's approval. "
            f"The first delivery is {request.first_delivery_on:%b %-d, %Y}.",
        )
    if days > WARNING_DAYS:
        return None
    noun = "day" if days == 1 else "days"
    return DeadlineWarning(days, False, f"{days} {noun} left to complete the packet.")


def requests_needing_reminder(
    today: dt.date, among: QuerySet[CertificationRequest] | None = None
) -> list[tuple[CertificationRequest, int]]:
    """Drafts with an incomplete packet whose 30-day line is 14, 7, 3 or 1 days away, with
    the days left; the day a reminder goes out."""
    rows = among if among is not None else CertificationRequest.objects.all()
    earliest = today + dt.timedelta(days=DEADLINE_DAYS + min(REMINDER_DAYS))
    latest = today + dt.timedelta(days=DEADLINE_DAYS + max(REMINDER_DAYS))
    candidates = rows.filter(
        status=RequestStatus.DRAFT,
        packet_completed_at__isnull=True,
        late_exception_by__isnull=True,
        first_delivery_on__range=(earliest, latest),
    ).select_related("agency", "liaison")
    out = []
    for request in candidates:
        days = days_to_deadline(request, today)
        if days in REMINDER_DAYS:
            out.append((request, days))
    return out


def reminder_lines(request: CertificationRequest, today: dt.date) -> list[str]:
    """The text of a reminder to the liaison (sending it is another module's job)."""
    days = days_to_deadline(request, today)
    missing = missing_kinds(request)
    lines = [
        f"Course certification request: {request.class_name}",
        f"First delivery: {request.first_delivery_on:%b %-d, %Y}",
    ]
    if days >= 0:
        noun = "day" if days == 1 else "days"
        lines.append(
            f"{days} {noun} left to complete the packet "
            f"(by {request.deadline:%b %-d, %Y}, 30 days before the first delivery)."
        )
    else:
        lines.append("Past the 30-day line: the packet needs the Director's approval.")
    if missing:
        lines.append(f"Still missing: {_labels(missing)}.")
    return lines


# --- The liaison's request -------------------------------------------------------------------


def _locked(request: CertificationRequest) -> CertificationRequest:
    """The request as stored now, locked until the change commits, so every check runs
    against the current row, not a copy the caller read earlier."""
    return (
        CertificationRequest.objects.select_for_update().select_related("agency").get(pk=request.pk)
    )


def _require_draft(request: CertificationRequest, what: str) -> None:
    if request.status != RequestStatus.DRAFT:
        raise ValidationError(
            {"status": f"This request is {request.get_status_display().lower()}; {what}"}
        )


def create_request(
    *,
    acting_user: Any,
    class_name: str,
    hours: Decimal,
    first_delivery_on: dt.date,
    location: str,
    further_dates: str = "",
    liaison: Officer | None = None,
    course: Course | None = None,
    notes: str = "",
) -> CertificationRequest:
    """Introduce a class for POST credit; its introducer is the liaison unless the Training
    Unit names another member (IV.G.2.b); audited."""
    own_officer = getattr(acting_user, "officer", None)
    if liaison is None:
        if own_officer is None:
            raise ValidationError(
                {"liaison": "Name the member who will act as liaison for this class."}
            )
        liaison = own_officer
    if own_officer is not None and liaison.pk == own_officer.pk:
        require(acting_user, "certification.create_request", liaison.agency)
    else:
        require(acting_user, "certification.manage", liaison.agency)
    if liaison.status == OfficerStatus.SEPARATED:
        raise ValidationError({"liaison": f"{liaison.full_name} has separated from the agency."})
    if course is not None and course.agency_id != liaison.agency_id:
        raise ValidationError({"course": "That course belongs to another agency's catalog."})
    agency = liaison.agency
    if first_delivery_on < agency.today():
        raise ValidationError({"first_delivery_on": "The first delivery date has passed."})
    with transaction.atomic():
        request = CertificationRequest(
            agency=agency,
            liaison=liaison,
            created_by=acting_user,
            class_name=class_name.strip(),
            hours=hours,
            first_delivery_on=first_delivery_on,
            further_dates=further_dates.strip(),
            location=location.strip(),
            course=course,
            notes=notes.strip(),
        )
        request.full_clean()
        request.save()
        record_audit(
            actor=acting_user,
            action="certification.create",
            obj=request,
            agency_id=agency.pk,
            after=snapshot(request),
        )
    return request


def change_liaison(
    *, acting_user: Any, request: CertificationRequest, liaison: Officer, reason: str
) -> CertificationRequest:
    """The Training Unit names another member as the class's liaison (IV.G.2.b); audited."""
    with transaction.atomic():
        request = _locked(request)
        require(acting_user, "certification.manage", request)
        if not request.is_open:
            raise ValidationError({"status": "This request is finished; its liaison stays."})
        if liaison.agency_id != request.agency_id:
            raise ValidationError({"liaison": "The liaison must be a member of the same agency."})
        if liaison.status == OfficerStatus.SEPARATED:
            raise ValidationError(
                {"liaison": f"{liaison.full_name} has separated from the agency."}
            )
        if not reason.strip():
            raise ValidationError({"reason": "Say why the liaison changes."})
        change_audited(
            request,
            {"liaison": liaison},
            actor=acting_user,
            action="certification.change_liaison",
            agency_id=request.agency_id,
            reason=reason.strip(),
        )
    return request


def _packet_changed(request: CertificationRequest, actor: Any, action: str) -> None:
    """Keep packet_completed_at in step with the documents: set the moment the last kind
    arrives, cleared when a kind is emptied (its next completion is what counts)."""
    complete = not missing_kinds(request)
    if complete and request.packet_completed_at is None:
        change_audited(
            request,
            {"packet_completed_at": timezone.now()},
            actor=actor,
            action=action,
            agency_id=request.agency_id,
        )
    elif not complete and request.packet_completed_at is not None:
        change_audited(
            request,
            {"packet_completed_at": None},
            actor=actor,
            action=action,
            agency_id=request.agency_id,
        )


def upload_document(
    *, acting_user: Any, request: CertificationRequest, kind: str, upload: Any
) -> PacketDocument:
    """Add one file to the packet under one of the six kinds, while a draft; audited."""
    require(acting_user, "certification.edit_packet", request)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": f"Choose one of: {_labels(DocumentKind.values)}."})
    check_upload(upload, field="file")
    name = PurePath(upload.name or "document").name[:255]
    with transaction.atomic():
        # Lock the request so two uploads finishing the packet set its completion once.
        request = _locked(request)
        require(acting_user, "certification.edit_packet", request)
        _require_draft(request, "its packet can no longer change.")
        document = PacketDocument(
            request=request, kind=kind, original_name=name, uploaded_by=acting_user
        )
        document.file.save(name, upload, save=False)
        try:
            document.save()
            record_audit(
                actor=acting_user,
                action="certification.upload_document",
                obj=document,
                agency_id=request.agency_id,
                after=snapshot(document),
            )
            _packet_changed(request, acting_user, "certification.packet_complete")
        except BaseException:
            # The file is written before the rows; a failed upload must not leave it behind.
            if document.file.name:
                document.file.storage.delete(document.file.name)
            raise
    return document


def remove_document(
    *, acting_user: Any, document: PacketDocument, reason: str = ""
) -> CertificationRequest:
    """Take one file out of a draft's packet; audited, and the stored file is deleted once
    the removal commits."""
    request = document.request
    with transaction.atomic():
        request = _locked(request)
        require(acting_user, "certification.edit_packet", request)
        _require_draft(request, "its packet can no longer change.")
        before = snapshot(document)
        storage, stored_name = document.file.storage, document.file.name or ""
        document.delete()
        record_audit(
            actor=acting_user,
            action="certification.remove_document",
            object_type="certification.packetdocument",
            object_id=str(before["id"]),
            object_label=f"{DocumentKind(before['kind']).label}: {before['original_name']}",
            agency_id=request.agency_id,
            before=before,
            reason=reason,
        )
        _packet_changed(request, acting_user, "certification.packet_incomplete")
        transaction.on_commit(lambda: storage.delete(stored_name) if stored_name else None)
    return request


def submit_request(*, acting_user: Any, request: CertificationRequest) -> CertificationRequest:
    """Hand a complete packet to the Training Unit; refused when incomplete, or completed
    inside the 30-day line without the Director's approval; audited."""
    with transaction.atomic():
        request = _locked(request)
        require(acting_user, "certification.submit", request)
        _require_draft(request, "it has already left the draft stage.")
        missing = missing_kinds(request)
        if missing:
            raise ValidationError(
                {"documents": f"The packet is incomplete; still missing: {_labels(missing)}."}
            )
        done = completed_on(request)
        if done is not None and done > request.deadline and not request.has_late_exception:
            raise ValidationError({"first_delivery_on": _late_message(request, done)})
        change_audited(
            request,
            {"status": RequestStatus.SUBMITTED, "submitted_at": timezone.now()},
            actor=acting_user,
            action="certification.submit",
            agency_id=request.agency_id,
        )
    return request


def _late_message(request: CertificationRequest, done: dt.date) -> str:
    days_left = (request.first_delivery_on - request.agency.today()).days
    first = f"{request.first_delivery_on:%b %-d, %Y}"
    if days_left >= 0:
        noun = "day is" if days_left == 1 else "days are"
        when = f"only {days_left} {noun} left before the first delivery on {first}"
    else:
        when = f"the first delivery on {first} has passed"
    return (
        f"The packet was completed on {done:%b %-d, %Y}, after the 30-day line "
        f"({request.deadline:%b %-d, %Y}); {when}. The Training Center Director or designee "
        "may approve a late exception."
    )


def approve_late_exception(
    *, acting_user: Any, request: CertificationRequest, reason: str
) -> CertificationRequest:
    """The Training Center Director or designee lets a packet in after the 30-day line
    (IV.G.1.b), saying why; audited."""
    reason = reason.strip()
    with transaction.atomic():
        request = _locked(request)
        require(acting_user, "certification.approve_late", request)
        _require_draft(request, "a late exception is only for a draft.")
        if not reason:
            raise ValidationError({"reason": "Say why the late packet is approved."})
        if request.has_late_exception:
            raise ValidationError({"reason": "A late exception has already been approved."})
        change_audited(
            request,
            {
                "late_exception_by": acting_user,
                "late_exception_reason": reason,
                "late_exception_at": timezone.now(),
            },
            actor=acting_user,
            action="certification.approve_late",
            agency_id=request.agency_id,
            reason=reason,
        )
    return request


def withdraw_request(
    *, acting_user: Any, request: CertificationRequest, reason: str = ""
) -> CertificationRequest:
    """The liaison withdraws a request before POST decides; audited."""
    with transaction.atomic():
        request = _locked(request)
        require(acting_user, "certification.withdraw", request)
        if not request.is_open:
            raise ValidationError(
                {"status": f"This request is {request.get_status_display().lower()} already."}
            )
        change_audited(
            request,
            {"status": RequestStatus.WITHDRAWN},
            actor=acting_user,
            action="certification.withdraw",
            agency_id=request.agency_id,
            reason=reason.strip(),
        )
    return request


# --- The Training Unit and POST --------------------------------------------------------------


def mark_sent_to_post(
    *, acting_user: Any, request: CertificationRequest, sent_on: dt.date
) -> CertificationRequest:
    """The Training Unit records the day it sent the packet to POST; audited."""
    with transaction.atomic():
        request = _locked(request)
        require(acting_user, "certification.manage", request)
        if request.status != RequestStatus.SUBMITTED:
            raise ValidationError(
                {"status": "Only a request submitted to the Training Unit can be sent to POST."}
            )
        if sent_on > request.agency.today():
            raise ValidationError({"sent_on": "The date it was sent cannot be in the future."})
        change_audited(
            request,
            {"status": RequestStatus.SENT_TO_POST, "sent_to_post_on": sent_on},
            actor=acting_user,
            action="certification.send_to_post",
            agency_id=request.agency_id,
        )
    return request


def record_certification(
    *,
    acting_user: Any,
    request: CertificationRequest,
    decided_on: dt.date,
    certification_number: str,
) -> CertificationRequest:
    """POST certified the course: keep its number on the request and on the catalog course
    (creating the course when none is linked); audited."""
    number = certification_number.strip()
    with transaction.atomic():
        request = _locked(request)
        require(acting_user, "certification.manage", request)
        _check_decision(request, decided_on)
        if not number:
            raise ValidationError(
                {"certification_number": "Enter the certification number POST assigned."}
            )
        course = request.course
        if course is None:
            course = create_course(
                acting_user=acting_user,
                agency=request.agency,
                title=request.class_name,
                credit_minutes=int((request.hours * 60).to_integral_value()),
                delivery=Delivery.IN_PERSON,
                provider=request.agency.name,
                post_certified=True,
                post_certification_number=number,
            )
        else:
            course = Course.objects.select_for_update().get(pk=course.pk)
            change_audited(
                course,
                {"post_certified": True, "post_certification_number": number},
                actor=acting_user,
                action="course.post_certify",
                agency_id=course.agency_id,
                reason=f"POST certified it on {decided_on:%b %-d, %Y} (request {request.pk}).",
            )
        change_audited(
            request,
            {
                "status": RequestStatus.CERTIFIED,
                "post_decision_on": decided_on,
                "post_certification_number": number,
                "course": course,
            },
            actor=acting_user,
            action="certification.certified",
            agency_id=request.agency_id,
        )
    return request


def record_rejection(
    *, acting_user: Any, request: CertificationRequest, decided_on: dt.date, reason: str
) -> CertificationRequest:
    """POST refused to certify the course; the reason it gave is kept; audited."""
    reason = reason.strip()
    with transaction.atomic():
        request = _locked(request)
        require(acting_user, "certification.manage", request)
        _check_decision(request, decided_on)
        if not reason:
            raise ValidationError({"reason": "Enter the reason POST gave."})
        change_audited(
            request,
            {
                "status": RequestStatus.REJECTED_BY_POST,
                "post_decision_on": decided_on,
                "post_rejection_reason": reason,
            },
            actor=acting_user,
            action="certification.rejected",
            agency_id=request.agency_id,
            reason=reason,
        )
    return request


def _check_decision(request: CertificationRequest, decided_on: dt.date) -> None:
    if request.status != RequestStatus.SENT_TO_POST:
        raise ValidationError({"status": "Record POST's decision after the packet is sent."})
    if decided_on > request.agency.today():
        raise ValidationError({"decided_on": "The decision date cannot be in the future."})
    if request.sent_to_post_on and decided_on < request.sent_to_post_on:
        raise ValidationError(
            {"decided_on": "POST cannot have decided before the packet was sent to it."}
        )
