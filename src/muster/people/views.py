"""Officer roster and an officer's record, each scoped to what the user may read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from muster.compliance.models import ComplianceSnapshot
from muster.people.models import LeavePeriod, Officer, OfficerStatus
from muster.training.models import QualificationEvent, TrainingRecord

PAGE_SIZE = 50


@never_cache
@login_required
def officer_list(request: HttpRequest) -> HttpResponse:
    """Every officer the user may read, searchable by name, serial or licence number."""
    officers = Officer.objects.visible_to(request.user).select_related("agency", "unit")
    query = request.GET.get("q", "").strip()
    if query:
        officers = officers.filter(
            Q(last_name__icontains=query)
            | Q(first_name__icontains=query)
            | Q(serial_number__iexact=query)
            | Q(licence_number__iexact=query)
        )
    status = request.GET.get("status", "")
    if status in OfficerStatus.values:
        officers = officers.filter(status=status)
    page = Paginator(officers.order_by("last_name", "first_name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "people/officer_list.html",
        {"page": page, "query": query, "status": status, "statuses": OfficerStatus.choices},
    )


@never_cache
@login_required
def officer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One officer's roster facts, training history, qualifications and leave.

    An officer the user may not read answers 404, not 403, so that the page does not
    confirm who exists in another unit or agency.
    """
    officer = get_object_or_404(
        Officer.objects.visible_to(request.user).select_related("agency", "unit"), pk=pk
    )
    records = (
        TrainingRecord.objects.visible_to(request.user)
        .filter(officer=officer)
        .select_related("supersedes", "entered_by")
        .prefetch_related("topics")
        .order_by("-completed_on", "-id")
    )
    qualifications = (
        QualificationEvent.objects.visible_to(request.user)
        .filter(officer=officer)
        .order_by("-qualified_on", "-id")
    )
    snapshots = list(
        ComplianceSnapshot.objects.visible_to(request.user)
        .filter(officer=officer, pack_id=officer.agency.rule_pack)
        .order_by("-period_start")
    )
    return render(
        request,
        "people/officer_detail.html",
        {
            "officer": officer,
            "records": records,
            "qualifications": qualifications,
            "leave_periods": LeavePeriod.objects.visible_to(request.user).filter(officer=officer),
            "snapshots": snapshots,
        },
    )
