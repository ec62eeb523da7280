"""Views of the reports app: the agency dashboard (charts with their tables, and downloads)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache

from muster.agencies.models import Agency
from muster.reports import charts
from muster.reports.dashboard import NO_UNIT, Dashboard, build_dashboard, may_view_dashboard
from muster.reports.tables import Column, Table, csv_response, xlsx_response

UNIT_COLUMNS = (
    Column("unit", "Unit (with its sub-units)"),
    Column("officers", "Serving officers", numeric=True),
    Column("compliant", "Compliant", numeric=True),
    Column("deficient", "Deficient", numeric=True),
    Column("exempt", "Exempt", numeric=True),
    Column("waived", "Waived", numeric=True),
    Column("not_computed", "Not computed", numeric=True),
    Column("rate", "Compliance rate (%)", numeric=True),
    Column("at_risk", "At risk", numeric=True),
)
UNIT_FILTERS = (
    ("", "Every unit"),
    ("deficient", "Units with deficient officers"),
    ("at_risk", "Units with officers at risk"),
    ("compliant", "Units with no deficient officer"),
)


@dataclass
class Section:
    """One chart's data table: shown beside the chart, downloadable as shown."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]

    def cells(self) -> list[list[tuple[Any, bool]]]:
        """Rows as (value, numeric) cells in column order."""
        return [[(c.value(r), c.numeric) for c in self.columns] for r in self.rows]


def _sections(data: Dashboard) -> dict[str, Section]:
    p = data.progress
    progress_rows = [
        {
            "period": f"This period ({data.period.label})",
            "as_of": data.today.isoformat(),
            "hours": p.hours_now,
            "required": p.required_now,
            "share": p.share_now,
        },
        {
            "period": f"Last period ({data.previous.label})",
            "as_of": min(
                data.previous.start + (data.today - data.period.start), data.previous.end
            ).isoformat(),
            "hours": p.hours_then,
            "required": p.required_then,
            "share": p.share_then,
        },
    ]
    hours = Column("hours", "Hours entered", numeric=True)
    records = Column("records", "Records", numeric=True)
    return {
        s.key: s
        for s in (
            Section(
                "categories",
                "Hours by category",
                (Column("category", "Category"), hours, records),
                data.categories,
            ),
            Section(
                "topics",
                "Hours by topic",
                (Column("topic", "Topic"), hours, records),
                data.topics,
            ),
            Section(
                "progress",
                "Progress through the period",
                (
                    Column("period", "Period"),
                    Column("as_of", "Up to"),
                    hours,
                    Column("required", "Required hours", numeric=True),
                    Column("share", "Share of required (%)", numeric=True),
                ),
                progress_rows,
            ),
            Section(
                "at-risk",
                "Officers at risk by days left",
                (
                    Column("bucket", "Days left to the deadline"),
                    Column("officers", "Officers at risk", numeric=True),
                    Column("shortfall", "Hours missing", numeric=True),
                ),
                data.at_risk,
            ),
        )
    }


def _charts(data: Dashboard) -> dict[str, Any]:
    top_units = [u for u in data.units if u["top"]]
    p = data.progress
    return {
        "units": charts.bar_chart(
            "Compliance rate by unit",
            f"Share of officers held to the requirements who are compliant in period "
            f"{data.period.label}: agency {_pct(data.rate)}; "
            + "; ".join(f"{u['unit']} {_pct(u['rate'])}" for u in top_units),
            [("Whole agency", data.rate)] + [(u["unit"], u["rate"]) for u in top_units],
            unit="%",
            maximum=100,
            key="units",
        ),
        "categories": charts.bar_chart(
            "Hours entered by category",
            "; ".join(f"{r['category']}: {r['hours']} h" for r in data.categories) or "None.",
            [(r["category"], r["hours"]) for r in data.categories],
            unit=" h",
            key="categories",
        ),
        "topics": charts.bar_chart(
            "Hours entered by topic",
            "; ".join(f"{r['topic']}: {r['hours']} h" for r in data.topics) or "None.",
            [(r["topic"], r["hours"]) for r in data.topics],
            unit=" h",
            key="topics",
        ),
        "progress": charts.line_chart(
            "Progress through the period compared with last period",
            f"Hours entered as a share of required hours by day of the period. "
            f"Day {p.day}: this period {_pct(p.share_now)}, last period {_pct(p.share_then)}.",
            [
                (f"This period ({data.period.label})", p.curve_now),
                (f"Last period ({data.previous.label})", p.curve_then),
            ],
            x_max=p.length,
            x_label="Day of the period",
            key="progress",
        ),
        "at-risk": charts.bar_chart(
            "Officers at risk by days left to the deadline",
            "; ".join(f"{r['bucket']}: {r['officers']}" for r in data.at_risk),
            [(r["bucket"], r["officers"]) for r in data.at_risk],
            key="risk",
        ),
    }


def _pct(value: float | None) -> str:
    return "no data" if value is None else f"{value}%"


def _filter_units(request: HttpRequest, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    name = request.GET.get("unit", "").strip().casefold()
    status = request.GET.get("status", "")
    out = [r for r in rows if name in r["unit"].casefold()] if name else list(rows)
    if status == "deficient":
        out = [r for r in out if r["deficient"]]
    elif status == "at_risk":
        out = [r for r in out if r["at_risk"]]
    elif status == "compliant":
        out = [r for r in out if not r["deficient"] and r["officers"]]
    return out


@never_cache
@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """The agency dashboard: compliance by unit, hours by category and topic, progress
    against last period, and officers at risk; each a chart with its table, downloadable.

    Agency-wide roles of the agency and commission staff of its state; anyone else gets 404.
    """
    agency = get_object_or_404(Agency.objects.visible_to(request.user), pk=pk)
    if not may_view_dashboard(request.user, agency):
        raise Http404
    data = build_dashboard(request.user, agency)
    sections = _sections(data)
    fmt = request.GET.get("export", "")
    wanted = request.GET.get("section", "")
    if fmt in ("csv", "xlsx") and wanted in sections:
        section = sections[wanted]
        header = [c.label for c in section.columns]
        body = [["" if v is None else v for v, _ in row] for row in section.cells()]
        name = f"dashboard-{wanted}-{data.period.label}"
        return (xlsx_response if fmt == "xlsx" else csv_response)(header, body, name)
    units = Table(
        request,
        UNIT_COLUMNS,
        _filter_units(request, data.units),
        default_sort="unit",
        filename=f"dashboard-units-{data.period.label}",
    )
    if units.export_format:
        return units.export()
    chart_map = _charts(data)
    query = request.GET.copy()
    query.pop("page", None)
    links = {}
    for key in sections:
        for fmt_name in ("csv", "xlsx"):
            query["section"], query["export"] = key, fmt_name
            links[(key, fmt_name)] = "?" + query.urlencode()
    return render(
        request,
        "reports/dashboard.html",
        {
            "agency": agency,
            "data": data,
            "units": units,
            "charts": chart_map,
            "sections": [
                {
                    "section": s,
                    "chart": chart_map[s.key],
                    "csv": links[(s.key, "csv")],
                    "xlsx": links[(s.key, "xlsx")],
                }
                for s in sections.values()
            ],
            "unit_filters": UNIT_FILTERS,
            "unit_query": request.GET.get("unit", ""),
            "status": request.GET.get("status", ""),
            "sort": units.sort,
            "no_unit": NO_UNIT,
        },
    )


urlpatterns: list[URLPattern] = [
    path("agencies/<int:pk>/dashboard/", dashboard, name="dashboard"),
]
