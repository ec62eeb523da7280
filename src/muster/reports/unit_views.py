"""A unit's compliance for its supervisor (and agency-wide staff): each officer's status and
shortfall, who is at risk, sortable, filterable, paged and exportable."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.cache import never_cache

from muster.agencies.models import Unit
from muster.compliance.services import current_snapshots
from muster.core.audit import record_audit
from muster.core.views import signed_in_user
from muster.people.models import Officer
from muster.reports import risk
from muster.reports.tables import Column, Table

STATUSES = (
    ("deficient", "Deficient"),
    ("compliant", "Compliant"),
    ("exempt", "Exempt"),
    ("waived", "Waived"),
)

COLUMNS = (
    Column("name", "Officer", href_key="href"),
    Column("serial", "Serial"),
    Column("unit", "Assignment"),
    Column("status", "Status"),
    Column("credited", "Credited h", numeric=True),
    Column("required", "Required h", numeric=True),
    Column("short", "Short h", numeric=True),
    Column("scheduled", "Enrolled h", numeric=True),
    Column("at_risk", "At risk"),
    Column("days_left", "Days left", numeric=True),
    Column("deadline", "Due by", sort_key=lambda row: row["deadline_sort"]),
)


@dataclass(frozen=True)
class UnitSummary:
    """Counts for a unit's panel on the supervisor's home page."""

    unit: Unit
    period: tuple[dt.date, dt.date]
    counts: dict[str, int]
    at_risk: list[dict[str, Any]]
    total: int


def unit_rows(user: Any, unit: Unit) -> tuple[list[dict[str, Any]], tuple[dt.date, dt.date]]:
    """One row per serving officer of the unit and its sub-units, in three queries."""
    agency = unit.agency
    today = agency.today()
    period = agency.training_year(today)
    officers = list(
        Officer.objects.visible_to(user)
        .serving()
        .filter(unit__path__startswith=unit.path)
        .select_related("unit")
        .only(
            "pk",
            "first_name",
            "last_name",
            "serial_number",
            "unit__name",
            "unit__path",
            "agency_id",
            "status",
        )
    )
    ids = [o.pk for o in officers]
    snapshots = current_snapshots(user, ids, today)
    # Sessions up to the end of the period, as on the agency dashboard.
    minutes = risk.scheduled_minutes(user, ids, period[1])
    per_hour = risk.minutes_per_hour(agency, today)
    rows = []
    for officer in officers:
        snap = snapshots.get(officer.pk)
        scheduled = (Decimal(minutes.get(officer.pk, 0)) / per_hour).quantize(Decimal("0.01"))
        due = (snap.grace_until or snap.deadline) if snap else None
        rows.append(
            {
                "pk": officer.pk,
                "name": f"{officer.last_name}, {officer.first_name}",
                "href": reverse("officer-detail", args=[officer.pk]),
                "serial": officer.serial_number,
                "unit": officer.unit.name if officer.unit else "",
                "status": snap.status.capitalize() if snap else "Not computed",
                "status_code": snap.status if snap else "",
                "credited": Decimal(snap.credited_hours) if snap else None,
                "required": Decimal(snap.required_hours) if snap else None,
                "short": risk.shortfall_hours(snap) if snap else None,
                "scheduled": scheduled,
                "at_risk": "Yes" if risk.at_risk(snap, scheduled) else "",
                "days_left": risk.days_left(snap, today)
                if snap and snap.status == "deficient"
                else None,
                "deadline": due.isoformat() if due and snap and snap.status == "deficient" else "",
                "deadline_sort": due or dt.date.max,
            }
        )
    return rows, period


def _readable_unit(request: HttpRequest, pk: int) -> Unit:
    """A unit whose officers the user reads as a whole: supervised, or agency-wide."""
    user = signed_in_user(request)
    unit = get_object_or_404(Unit.objects.visible_to(user).select_related("agency"), pk=pk)
    scope = user.scope
    covers = (
        scope.everything
        or unit.agency_id in scope.agency_ids
        or unit.agency.state in scope.states
        or any(unit.path.startswith(p) for p in scope.unit_paths)
    )
    if not covers:
        raise Http404("No such unit.")
    return unit


@never_cache
@login_required
def unit_compliance(request: HttpRequest, pk: int) -> HttpResponse:
    """Every officer of a unit and its sub-units with status, shortfall and risk."""
    unit = _readable_unit(request, pk)
    rows, period = unit_rows(signed_in_user(request), unit)
    status = request.GET.get("status", "")
    if status in dict(STATUSES):
        rows = [r for r in rows if r["status_code"] == status]
    else:
        status = ""
    only_risk = request.GET.get("risk") == "1"
    if only_risk:
        rows = [r for r in rows if r["at_risk"]]
    query = request.GET.get("q", "").strip().casefold()
    if query:
        rows = [r for r in rows if query in r["name"].casefold() or query == r["serial"].casefold()]
    table = Table(
        request,
        COLUMNS,
        rows,
        default_sort="days_left",
        filename=f"compliance-{unit.name}".replace(" ", "-").lower(),
    )
    if table.export_format:
        # A download of many officers' standing at once: logged, like the state report.
        with transaction.atomic():
            record_audit(
                actor=request.user,
                action="unit.export",
                obj=unit,
                agency_id=unit.agency_id,
                after={"format": table.export_format, "rows": len(table.rows)},
            )
        return table.export()
    return render(
        request,
        "reports/unit_compliance.html",
        {
            "unit": unit,
            "period": period,
            "table": table,
            "statuses": STATUSES,
            "status": status,
            "only_risk": only_risk,
            "query": request.GET.get("q", ""),
        },
    )


def unit_summary(user: Any, unit: Unit, *, at_risk_shown: int = 10) -> UnitSummary:
    """Counts by status and the officers most at risk, for a supervisor's home page."""
    rows, period = unit_rows(user, unit)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    risky = sorted(
        (r for r in rows if r["at_risk"]),
        key=lambda r: (r["deadline_sort"], r["name"]),
    )
    return UnitSummary(
        unit=unit, period=period, counts=counts, at_risk=risky[:at_risk_shown], total=len(rows)
    )


urlpatterns: list[URLPattern] = [
    path("units/<int:pk>/compliance/", unit_compliance, name="unit-compliance"),
]
