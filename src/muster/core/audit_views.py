"""The audit log for records custodians and agency administrators: filter, read, export."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.cache import never_cache

from muster.accounts.models import Role
from muster.agencies.models import Agency
from muster.core.audit import record_audit, row_hash_holds
from muster.core.models import AuditEvent
from muster.reports.tables import csv_chunks, download_name, xlsx_response

# Who reads the audit log of an agency: the people answerable for its records.
AUDIT_READERS = frozenset({Role.RECORDS_CUSTODIAN, Role.AGENCY_ADMIN})
PAGE_SIZE = 50
# An XLSX workbook is built in memory; past this many rows the CSV (streamed) is the way.
XLSX_MAX_ROWS = 50_000
COLUMNS = (
    "id",
    "occurred_at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "object",
    "agency",
    "reason",
)


def audit_agency_ids(user: Any) -> frozenset[int] | None:
    """The agencies whose audit rows `user` may read; None means every row (a superuser)."""
    scope = user.scope
    if scope.everything:
        return None
    ids: frozenset[int] = scope.agencies_with(AUDIT_READERS)
    return ids


def visible_events(user: Any) -> QuerySet[AuditEvent]:
    """Audit rows the user may read, or PermissionDenied for anyone who reads none."""
    ids = audit_agency_ids(user)
    if ids is None:
        return AuditEvent.objects.all()
    if not ids:
        raise PermissionDenied(
            "Only records custodians and agency administrators read the audit log."
        )
    return AuditEvent.objects.filter(agency_id__in=ids)


DATE = forms.DateInput(attrs={"type": "date"})


class AuditFilterForm(forms.Form):
    """The filters of the audit log page; every one optional."""

    person = forms.CharField(
        required=False, max_length=150, help_text="Username of the person who acted."
    )
    officer = forms.IntegerField(
        required=False, min_value=1, help_text="Officer number: rows about that officer's file."
    )
    object_type = forms.CharField(
        required=False,
        max_length=64,
        label="Object type",
        help_text="For example training.trainingrecord.",
    )
    object_id = forms.CharField(required=False, max_length=64, label="Object id")
    action = forms.CharField(
        required=False, max_length=64, help_text="An action or its start, for example record."
    )
    since = forms.DateField(required=False, label="From", widget=DATE)
    until = forms.DateField(required=False, label="To", widget=DATE)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        for name in ("since", "until"):
            if data.get(name) and data[name] >= dt.date.max:
                self.add_error(name, "Give a date before the year 9999.")
        return data

    def apply(self, events: QuerySet[AuditEvent], zone: Any) -> QuerySet[AuditEvent]:
        """The rows that match every filter given."""
        data = self.cleaned_data
        if data.get("person"):
            events = events.filter(actor_label=data["person"].strip())
        if data.get("officer"):
            officer = data["officer"]
            # Rows on the officer's own row, and rows on records that name the officer: a
            # record's snapshot says "officer_id"; rows that outlive their record (disposal
            # tombstones, refused sign-ins) say "officer".
            events = events.filter(
                Q(object_type="people.officer", object_id=str(officer))
                | Q(after__officer_id=officer)
                | Q(before__officer_id=officer)
                | Q(after__officer=officer)
                | Q(before__officer=officer)
            )
        if data.get("object_type"):
            events = events.filter(object_type=data["object_type"].strip().lower())
        if data.get("object_id"):
            events = events.filter(object_id=data["object_id"].strip())
        if data.get("action"):
            events = events.filter(action__startswith=data["action"].strip())
        if data.get("since"):
            start = dt.datetime.combine(data["since"], dt.time.min, tzinfo=zone)
            events = events.filter(occurred_at__gte=start)
        if data.get("until"):
            end = dt.datetime.combine(
                data["until"] + dt.timedelta(days=1), dt.time.min, tzinfo=zone
            )
            events = events.filter(occurred_at__lt=end)
        return events


def _zone(user: Any) -> Any:
    """The time zone dates are read in: the user's first agency's, else the server's."""
    ids = audit_agency_ids(user)
    agency = Agency.objects.filter(pk__in=ids).order_by("name").first() if ids else None
    return agency.zone if agency else timezone.get_current_timezone()


def _row(event: AuditEvent, zone: Any, agencies: dict[int, str]) -> list[Any]:
    return [
        event.pk,
        event.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
        event.actor_label or "system",
        event.action,
        event.object_type,
        event.object_id,
        event.object_label,
        agencies.get(event.agency_id or 0, ""),
        event.reason,
    ]


def _export(
    request: HttpRequest, fmt: str, events: QuerySet[AuditEvent], zone: Any, filters: dict[str, Any]
) -> HttpResponse | StreamingHttpResponse:
    agencies = dict(Agency.objects.values_list("pk", "name"))
    count = events.count()
    if fmt == "xlsx" and count > XLSX_MAX_ROWS:
        raise forms.ValidationError(
            f"{count} rows are too many for a workbook; narrow the filters or download CSV."
        )
    with transaction.atomic():
        record_audit(
            actor=request.user,
            action="audit.export",
            object_type="core.auditevent",
            after={"format": fmt, "rows": count, "filters": filters},
        )
    name = f"audit-{timezone.now():%Y%m%d-%H%M}"
    if fmt == "xlsx":
        return xlsx_response(COLUMNS, (_row(e, zone, agencies) for e in events.iterator()), name)
    response = StreamingHttpResponse(
        csv_chunks(COLUMNS, (_row(e, zone, agencies) for e in events.iterator(chunk_size=2000))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{download_name(name)}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
def audit_log(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The audit rows of the user's agencies, newest first, filtered; CSV or XLSX download."""
    events = visible_events(request.user)
    zone = _zone(request.user)
    form = AuditFilterForm(request.GET or None)
    problem = ""
    if form.is_bound and not form.is_valid():
        events = events.none()
    elif form.is_bound:
        events = form.apply(events, zone)
    events = events.order_by("-id")
    fmt = request.GET.get("export", "")
    if fmt in ("csv", "xlsx") and (not form.is_bound or form.is_valid()):
        filters = {k: str(v) for k, v in (form.cleaned_data if form.is_bound else {}).items() if v}
        try:
            return _export(request, fmt, events, zone, filters)
        except forms.ValidationError as error:
            problem = " ".join(error.messages)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    agencies = dict(Agency.objects.values_list("pk", "name"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(
        request,
        "core/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": [(e, _row(e, zone, agencies)) for e in page.object_list],
            "query": query.urlencode(),
            "problem": problem,
        },
        status=400 if problem else 200,
    )


# Never shown, even to those who read the log: older rows written by the site administration
# may hold a login's password hash.
_HIDDEN_KEYS = frozenset({"password"})


def _redacted(values: dict[str, Any] | None) -> dict[str, Any]:
    return {k: ("(hidden)" if k in _HIDDEN_KEYS else v) for k, v in (values or {}).items()}


def _pretty(value: Any) -> str:
    return (
        json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) if value is not None else ""
    )


@never_cache
@login_required
def audit_event(request: HttpRequest, pk: int) -> HttpResponse:
    """One audit row: who, what, before and after side by side, and whether its hash holds."""
    event = get_object_or_404(visible_events(request.user), pk=pk)
    before, after = _redacted(event.before), _redacted(event.after)
    keys = sorted(set(before) | set(after))
    changes = [
        {
            "key": key,
            "before": _pretty(before.get(key)),
            "after": _pretty(after.get(key)),
            "changed": before.get(key) != after.get(key),
        }
        for key in keys
    ]
    with transaction.atomic():
        # The row may hold a record's content, so reading it is logged like reading the record.
        record_audit(
            actor=request.user,
            action="audit.read",
            object_type="core.auditevent",
            object_id=str(event.pk),
            agency_id=event.agency_id,
        )
    return render(
        request,
        "core/audit_event.html",
        {
            "event": event,
            "changes": changes,
            "hash_holds": row_hash_holds(event),
            "zone": _zone(request.user),
        },
    )


urlpatterns: list[URLPattern] = [
    path("audit/", audit_log, name="audit-log"),
    path("audit/<int:pk>/", audit_event, name="audit-event"),
]
