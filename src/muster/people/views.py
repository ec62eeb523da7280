"""Officer roster and an officer's record, each scoped to what the user may read."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from muster.compliance.models import ComplianceSnapshot
from muster.compliance.rulepack import load_pack
from muster.core.audit import audit_read
from muster.core.templatetags.muster import number
from muster.people.models import LeavePeriod, Officer, OfficerStatus
from muster.release.models import Disclosure
from muster.reports.tables import Column, Table
from muster.training.models import QualificationEvent, Topic, TrainingRecord

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
    audit_read(actor=request.user, officer=officer, what="training record page")
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
    scope = request.user.scope  # type: ignore[union-attr]
    # The disclosure log is the officer's own and their agency's records staff's to read;
    # supervisors and commission staff see the record but not who it was released to.
    reads_disclosures = (
        scope.everything or scope.officer_id == officer.pk or officer.agency_id in scope.agency_ids
    )
    disclosures = (
        Disclosure.objects.visible_to(request.user)
        .filter(officer=officer)
        .select_related("request")
        if reads_disclosures
        else None
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
            "disclosures": disclosures,
            "audit_trail": _audit_trail_link(request.user, officer),
        },
    )


def _audit_trail_link(user: Any, officer: Officer) -> str:
    """The audit log filtered to this officer, for those who read the agency's audit log."""
    from muster.core.audit_views import audit_agency_ids

    ids = audit_agency_ids(user)
    if ids is not None and officer.agency_id not in ids:
        return ""
    return f"{reverse('audit-log')}?officer={officer.pk}"


HISTORY_COLUMNS = (
    Column("date", "Completed", sort_key=lambda row: row["date_sort"]),
    Column("course_id", "Course ID"),
    Column("title", "Training"),
    Column("amount", "Amount"),
    Column("role", "Role"),
    Column("category", "Category"),
    Column("topics", "Topics"),
    Column("period", "Period"),
    Column("counted", "Counted toward"),
    Column("not_counted", "Not counted, and why"),
    Column("status", "Status"),
)


def _explanations(snapshots: list[ComplianceSnapshot]) -> dict[str, tuple[list[str], list[str]]]:
    """For each record id, where it counted and where (and why) it did not, from the stored
    verdicts' explanations."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for snap in snapshots:
        for requirement in snap.result.get("requirements", []):
            for line in requirement.get("explanation", []):
                counted, refused = out.setdefault(str(line.get("record")), ([], []))
                if line.get("counted"):
                    counted.append(f"{requirement['title']}: {number(line.get('hours'))} h")
                else:
                    refused.append(f"{requirement['title']}: {line.get('note', '')}")
    return out


@never_cache
@login_required
def officer_history(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer's whole training history, filterable by period, category and topic, with
    each record's explanation: what it counted toward, and why not elsewhere."""
    officer = get_object_or_404(
        Officer.objects.visible_to(request.user).select_related("agency", "unit"), pk=pk
    )
    pack = load_pack(officer.agency.rule_pack)
    snapshots = list(
        ComplianceSnapshot.objects.visible_to(request.user)
        .filter(officer=officer, pack_id=officer.agency.rule_pack)
        .order_by("-period_start")
    )
    records = (
        TrainingRecord.objects.visible_to(request.user)
        .filter(officer=officer)
        .prefetch_related("topics")
        .order_by("-completed_on", "-id")
    )
    period = request.GET.get("period", "")
    chosen = next((s for s in snapshots if s.period_label == period), None)
    if chosen is not None:
        # Make-up training done later for this period belongs to it too.
        records = records.filter(
            Q(completed_on__range=(chosen.period_start, chosen.period_end))
            | Q(attributed_to_period=chosen.period_label)
        )
    else:
        period = ""
    categories = {c.code: c.title for c in pack.categories}
    category = request.GET.get("category", "")
    if category in categories:
        records = records.filter(category=category)
    else:
        category = ""
    topic = request.GET.get("topic", "")
    topics = dict(
        Topic.objects.filter(records__officer=officer).distinct().values_list("code", "name")
    )
    if topic in topics:
        records = records.filter(topics__code=topic)
    else:
        topic = ""
    why = _explanations(snapshots)
    rows = []
    for record in records:
        home = next(
            (s for s in snapshots if s.period_label == record.attributed_to_period), None
        ) or next(
            (s for s in snapshots if s.period_start <= record.completed_on <= s.period_end), None
        )
        counted, refused = why.get(str(record.pk), ([], []))
        if record.is_void:
            refused = [f"Voided: {record.void_reason}"]
        elif home is None:
            refused = ["No stored period covers this date, so it is not judged here."]
        rows.append(
            {
                "date": record.completed_on.isoformat(),
                "date_sort": (record.completed_on, record.pk),
                "course_id": record.course_code,
                "title": record.title,
                "amount": record.amount_label,
                "role": record.get_participation_display(),
                "category": categories.get(record.category, record.category),
                "topics": ", ".join(t.name for t in record.topics.all()),
                "period": home.period_label if home else "",
                "counted": "; ".join(counted),
                "not_counted": "; ".join(refused),
                "status": "Voided" if record.is_void else "",
            }
        )
    table = Table(
        request,
        HISTORY_COLUMNS,
        rows,
        default_sort="-date",
        filename=f"training-history-{officer.serial_number}",
    )
    audit_read(
        actor=request.user,
        officer=officer,
        what="training history export" if table.export_format else "training history",
    )
    if table.export_format:
        return table.export()
    return render(
        request,
        "people/officer_history.html",
        {
            "officer": officer,
            "table": table,
            "periods": [s.period_label for s in snapshots],
            "period": period,
            "categories": sorted(categories.items()),
            "category": category,
            "topics": sorted(topics.items(), key=lambda item: item[1]),
            "topic": topic,
        },
    )
