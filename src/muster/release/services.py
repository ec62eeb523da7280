"""Changes to release requests: entering one, submitting it, General Counsel's or HR's decision,
withdrawing it, and producing the package, each logged in the disclosure log.

Policy III.E: training records are confidential personnel records; nothing leaves the agency
before General Counsel or the HR commander approves the request, and the package holds only
the fields they approved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from muster.accounts.models import Role
from muster.agencies.models import Agency
from muster.core.audit import change_audited, record_audit, snapshot
from muster.core.services import require
from muster.people.models import Officer
from muster.release.catalogue import BY_CODE, NEVER_RELEASABLE, ReleaseKind, in_order
from muster.release.models import (
    PRODUCIBLE,
    WITHDRAWABLE,
    Disclosure,
    LegalBasis,
    PackageFormat,
    ReleaseCounter,
    ReleaseRequest,
    ReleaseStatus,
)
from muster.release.package import Package, render_package


@dataclass(frozen=True)
class RequestDetails:
    """What an outside party asks for, and on what ground."""

    requester_name: str
    requester_contact: str
    purpose: str
    legal_basis: str
    legal_citation: str
    record_kinds: Sequence[str]
    fields: Sequence[str]
    format: str
    requester_organisation: str = ""
    period_from: dt.date | None = None
    period_to: dt.date | None = None


def _field_errors(codes: Sequence[str], kinds: Sequence[str], name: str) -> list[str]:
    """What is wrong with a list of asked-for fields, in words."""
    errors = []
    for code in codes:
        if code in NEVER_RELEASABLE:
            errors.append(NEVER_RELEASABLE[code])
        elif code not in BY_CODE:
            errors.append(f"“{code}” is not a releasable field.")
    known = [BY_CODE[c] for c in codes if c in BY_CODE]
    if not known and not errors:
        errors.append(f"Choose at least one {name}.")
    for field in known:
        if field.kind not in kinds:
            kind = ReleaseKind(field.kind).label.lower()
            errors.append(f"{field.label} is a field of {kind}, which the request does not cover.")
    return errors


def _checked(details: RequestDetails, agency: Agency) -> dict[str, Any]:
    """The request's values, cleaned; every problem at once, each under its field."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {
        "requester_name": details.requester_name.strip(),
        "requester_organisation": details.requester_organisation.strip(),
        "requester_contact": details.requester_contact.strip(),
        "purpose": details.purpose.strip(),
        "legal_citation": details.legal_citation.strip(),
    }
    if not values["requester_name"]:
        errors["requester_name"] = ["Name who asks for the records."]
    if not values["requester_contact"]:
        errors["requester_contact"] = ["Give an address, e-mail or telephone of the requester."]
    if not values["purpose"]:
        errors["purpose"] = ["Say what the records are for."]
    if details.legal_basis not in LegalBasis.values:
        errors["legal_basis"] = ["Choose the legal basis of the request."]
    if not values["legal_citation"]:
        errors["legal_citation"] = [
            "Cite the subpoena or order number, the statute, or the date of the written consent."
        ]
    if details.format not in PackageFormat.values:
        errors["format"] = ["Choose PDF or CSV."]
    kinds = [k for k in ReleaseKind.values if k in set(details.record_kinds)]
    unknown_kinds = sorted(set(details.record_kinds) - set(ReleaseKind.values))
    if unknown_kinds:
        errors["record_kinds"] = [f"Unknown kind of record: {', '.join(unknown_kinds)}."]
    elif not kinds:
        errors["record_kinds"] = ["Choose at least one kind of record."]
    field_errors = _field_errors(list(details.fields), kinds, "field to release")
    if field_errors:
        errors["fields"] = field_errors
    else:
        covered = {BY_CODE[c].kind for c in details.fields}
        empty = [str(ReleaseKind(k).label).lower() for k in kinds if k not in covered]
        if empty:
            errors["record_kinds"] = [
                f"Choose at least one field of {', '.join(empty)}, or leave it out."
            ]
    start, end = details.period_from, details.period_to
    if start is not None and end is not None and end < start:
        errors["period_to"] = ["The period cannot end before it starts."]
    elif end is not None and end > agency.today():
        errors["period_to"] = ["The period cannot end in the future."]
    if errors:
        raise ValidationError(errors)
    values.update(
        legal_basis=details.legal_basis,
        format=details.format,
        record_kinds=kinds,
        fields=[f.code for f in in_order(details.fields)],
        period_from=start,
        period_to=end,
    )
    return values


def _next_number(agency: Agency) -> str:
    """The agency's next request number for this year; never handed out twice, because the
    counter row is incremented in the database and stays locked until the request commits."""
    year = agency.today().year
    counter, _ = ReleaseCounter.objects.get_or_create(agency=agency, year=year)
    ReleaseCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
    counter.refresh_from_db(fields=["last_number"])
    return f"REL-{year}-{counter.last_number:04d}"


def create_release_request(
    *, acting_user: Any, officer: Officer, details: RequestDetails
) -> ReleaseRequest:
    """The records custodian or the Training Unit enters an outside party's request for one
    officer's records, as a draft with its request number; audited."""
    readable = (
        Officer.objects.visible_to(acting_user)
        .select_related("agency")
        .filter(pk=officer.pk)
        .first()
    )
    if readable is None:
        raise PermissionDenied("You may not read this officer's record.")
    require(acting_user, "release.create", readable)
    values = _checked(details, readable.agency)
    with transaction.atomic():
        request = ReleaseRequest(
            agency=readable.agency,
            officer=readable,
            number=_next_number(readable.agency),
            entered_by=acting_user,
            **values,
        )
        request.full_clean()
        request.save()
        record_audit(
            actor=acting_user,
            action="release.create",
            obj=request,
            agency_id=request.agency_id,
            after=snapshot(request),
        )
    return request


def _locked(request: ReleaseRequest) -> ReleaseRequest:
    """The request as stored now, locked until the change commits, so every check runs
    against the current row."""
    return (
        ReleaseRequest.objects.select_for_update()
        .select_related("agency", "officer")
        .get(pk=request.pk)
    )


def _status_error(request: ReleaseRequest, what: str) -> ValidationError:
    return ValidationError(
        {"status": f"Request {request.number} is {request.get_status_display().lower()}; {what}"}
    )


def submit_request(*, acting_user: Any, request: ReleaseRequest) -> ReleaseRequest:
    """Send a draft to General Counsel or HR for decision; audited."""
    with transaction.atomic():
        request = _locked(request)
        require(acting_user, "release.submit", request)
        if request.status != ReleaseStatus.DRAFT:
            raise _status_error(request, "only a draft is submitted.")
        change_audited(
            request,
            {"status": ReleaseStatus.SUBMITTED, "submitted_at": timezone.now()},
            actor=acting_user,
            action="release.submit",
            agency_id=request.agency_id,
        )
    return request


def require_decider(user: Any, request: ReleaseRequest) -> None:
    """Only General Counsel or HR of the request's agency decides, and never the person who
    entered the request (one person may hold both roles)."""
    scope = getattr(user, "scope", None)
    if scope is None or Role.COUNSEL_HR not in scope.roles_in(request.agency_id):
        raise PermissionDenied("Only General Counsel or HR of the agency decides a release.")
    if request.entered_by_id == user.pk:
        raise PermissionDenied(
            "You entered this request; another member of General Counsel or HR decides it."
        )
    require(user, "release.decide", request)


def may_decide(user: Any, request: ReleaseRequest) -> bool:
    """Whether `user` may decide this request (for pages that offer the decision)."""
    try:
        require_decider(user, request)
    except PermissionDenied:
        return False
    return True


def approve_request(
    *,
    acting_user: Any,
    request: ReleaseRequest,
    fields: Sequence[str] | None = None,
    reason: str = "",
) -> ReleaseRequest:
    """General Counsel or HR approves the release of the requested fields, or of fewer;
    audited."""
    reason = reason.strip()
    with transaction.atomic():
        request = _locked(request)
        require_decider(acting_user, request)
        if request.status != ReleaseStatus.SUBMITTED:
            raise _status_error(request, "only a submitted request is decided.")
        wanted = list(request.fields) if fields is None else list(fields)
        beyond = [c for c in wanted if c not in request.fields]
        if beyond:
            shown = ", ".join(BY_CODE[c].label if c in BY_CODE else c for c in beyond)
            raise ValidationError(
                {"fields": f"Only fields the request asks for can be approved, not: {shown}."}
            )
        approved = [f.code for f in in_order(wanted)]
        if not approved:
            raise ValidationError({"fields": "Approve at least one field, or deny the request."})
        narrowed = [f.label for f in in_order(set(request.fields) - set(approved))]
        note = reason
        if narrowed:
            left_out = f"Not approved: {', '.join(narrowed)}."
            note = f"{reason} {left_out}".strip()
        change_audited(
            request,
            {
                "status": ReleaseStatus.APPROVED,
                "approved_fields": approved,
                "decided_by": acting_user,
                "decided_at": timezone.now(),
                "decision_reason": reason,
            },
            actor=acting_user,
            action="release.approve",
            agency_id=request.agency_id,
            reason=note,
        )
    return request


def deny_request(*, acting_user: Any, request: ReleaseRequest, reason: str) -> ReleaseRequest:
    """General Counsel or HR refuses the release, saying why; audited."""
    reason = reason.strip()
    with transaction.atomic():
        request = _locked(request)
        require_decider(acting_user, request)
        if request.status != ReleaseStatus.SUBMITTED:
            raise _status_error(request, "only a submitted request is decided.")
        if not reason:
            raise ValidationError({"reason": "Say why the release is denied."})
        change_audited(
            request,
            {
                "status": ReleaseStatus.DENIED,
                "decided_by": acting_user,
                "decided_at": timezone.now(),
                "decision_reason": reason,
            },
            actor=acting_user,
            action="release.deny",
            agency_id=request.agency_id,
            reason=reason,
        )
    return request


def withdraw_request(
    *, acting_user: Any, request: ReleaseRequest, reason: str = ""
) -> ReleaseRequest:
    """The custodian or Training Unit withdraws a request before anything is released;
    audited."""
    reason = reason.strip()
    with transaction.atomic():
        request = _locked(request)
        require(acting_user, "release.withdraw", request)
        if request.status not in WITHDRAWABLE:
            raise _status_error(request, "it can no longer be withdrawn.")
        change_audited(
            request,
            {
                "status": ReleaseStatus.WITHDRAWN,
                "withdrawn_at": timezone.now(),
                "withdrawal_reason": reason,
            },
            actor=acting_user,
            action="release.withdraw",
            agency_id=request.agency_id,
            reason=reason,
        )
    return request


def produce_package(*, acting_user: Any, request: ReleaseRequest) -> tuple[Disclosure, Package]:
    """Produce the release package of an approved request (again, if need be) and log it in
    the disclosure log; the log row, the audit row and the status change commit together."""
    if getattr(acting_user, "pk", None) is None:
        raise PermissionDenied("A release is produced by a person, whom the disclosure log names.")
    with transaction.atomic():
        request = _locked(request)
        require(acting_user, "release.produce", request)
        if request.status not in PRODUCIBLE:
            raise _status_error(
                request, "nothing is produced before General Counsel or HR approves it."
            )
        produced_at = timezone.now()
        package = render_package(request, reader=acting_user, produced_at=produced_at)
        disclosure = Disclosure(
            request=request,
            officer=request.officer,
            produced_by=acting_user,
            produced_at=produced_at,
            format=request.format,
            fields=package.fields,
            record_count=package.record_count,
            sha256=hashlib.sha256(package.data).hexdigest(),
            filename=package.filename,
        )
        disclosure.full_clean()
        disclosure.save()
        record_audit(
            actor=acting_user,
            action="release.produce",
            obj=disclosure,
            agency_id=request.agency_id,
            after=snapshot(disclosure),
            reason=f"Released to {request.requester_name} under {request.number}.",
        )
        if request.status == ReleaseStatus.APPROVED:
            change_audited(
                request,
                {"status": ReleaseStatus.RELEASED},
                actor=acting_user,
                action="release.released",
                agency_id=request.agency_id,
            )
    return disclosure, package
