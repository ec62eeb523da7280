"""The API's endpoints: reads scoped with `visible_to`, changes through the service functions.

Reads of an officer's training file (records, qualifications, verdicts) are audited as the
officer's page audits them: one "officer.read" row per officer read by someone else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from muster.agencies.models import Agency, Unit
from muster.api import filters
from muster.api import serializers as s
from muster.compliance.models import ComplianceSnapshot
from muster.compliance.rulepack import load_pack
from muster.core.audit import audit_read
from muster.imports.batches import cancel_batch, request_commit, upload_import
from muster.imports.models import ImportBatch
from muster.people.models import Officer, OfficerStatus
from muster.people.services import create_officer, update_officer
from muster.reports.dashboard import NO_SNAPSHOT, STATUSES, may_view_dashboard
from muster.training.models import (
    Course,
    QualificationEvent,
    RecordSource,
    Session,
    TrainingRecord,
)
from muster.training.services import (
    record_qualification,
    record_training,
    void_qualification,
    void_training_record,
)

# Primary keys in paths: at most 18 digits, so no value overflows the database's integers;
# anything else is simply not found.
PK = r"[0-9]{1,18}"

ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Bad input; each field's problems."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not allowed to make this change."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such object the user may read."),
}


def audit_officer_reads(actor: Any, officers: Iterable[Officer], what: str) -> None:
    """One audit row per distinct officer read by someone other than that officer."""
    seen: dict[int, Officer] = {}
    for officer in officers:
        seen.setdefault(officer.pk, officer)
    if not seen:
        return
    with transaction.atomic():
        for officer in seen.values():
            audit_read(actor=actor, officer=officer, what=what)


class ScopedViewSet(viewsets.GenericViewSet[Any]):
    """Rows of `model` the request's user may read, in a stable order."""

    lookup_value_regex = PK
    ordering: tuple[str, ...] = ("pk",)
    related: tuple[str, ...] = ()

    def get_queryset(self) -> QuerySet[Any]:
        """Only what the user may read."""
        model: Any = cast(Any, self).queryset.model
        rows = model.objects.visible_to(self.request.user)
        if self.related:
            rows = rows.select_related(*self.related)
        return rows.order_by(*self.ordering)  # type: ignore[no-any-return]


class OfficerFileViewSet(ScopedViewSet):
    """Rows of officers' training files: each page read is audited per officer."""

    audit_what = "training file via API"

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        """The page's rows, after auditing whose file they belong to."""
        page = super().paginate_queryset(queryset)
        if page is not None:
            audit_officer_reads(self.request.user, (row.officer for row in page), self.audit_what)
        return page

    def get_object(self) -> Any:
        """One row, audited like a page of one."""
        row = super().get_object()
        audit_officer_reads(self.request.user, [row.officer], self.audit_what)
        return row


# --- Agencies and units --------------------------------------------------------------------


def _period_for(user: Any, agency: Agency, label: str | None) -> tuple[str, Any, Any]:
    """(label, start, end) of the named stored period, or of the current one."""
    if not label:
        today = agency.today()
        period = (
            load_pack(agency.rule_pack).version_for(today).period.rule().containing(today, today)
        )
        return period.label, period.start, period.end
    row = (
        ComplianceSnapshot.objects.visible_to(user)
        .filter(officer__agency=agency, pack_id=agency.rule_pack, period_label=label)
        .values("period_start", "period_end")
        .first()
    )
    if row is None:
        raise ValidationError({"period": f"No verdicts are stored for a period '{label}'."})
    return label, row["period_start"], row["period_end"]


class AgencyViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Agencies the user belongs to or oversees."""

    queryset = Agency.objects.all()
    serializer_class = s.AgencySerializer
    filterset_class = None
    ordering = ("name", "pk")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period",
                str,
                description="A period label (e.g. 2025); the current period when left out.",
            )
        ],
        responses={200: s.AgencyComplianceSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def compliance(self, request: Request, pk: str) -> Response:
        """Serving officers by verdict in one period, for those who read the agency's
        dashboard (its agency-wide roles, commission staff of its state)."""
        agency = self.get_object()
        if not may_view_dashboard(request.user, agency):
            raise PermissionDenied("Only the agency's dashboard readers see its compliance.")
        raw = request.query_params.get("period", "").strip()
        if len(raw) > 32 or "\x00" in raw:
            raise ValidationError({"period": "Not a period label."})
        label, start, end = _period_for(request.user, agency, raw or None)
        rows = (
            Officer.objects.visible_to(request.user)
            .serving()
            .filter(agency=agency)
            .annotate(
                verdict=FilteredRelation(
                    "compliance_snapshots",
                    condition=Q(
                        compliance_snapshots__pack_id=agency.rule_pack,
                        compliance_snapshots__period_start=start,
                    ),
                )
            )
            .order_by()
            .values("verdict__status")
            .annotate(n=Count("pk"))
        )
        counts = dict.fromkeys((*STATUSES, NO_SNAPSHOT), 0)
        for row in rows:
            key = row["verdict__status"] or NO_SNAPSHOT
            counts[key if key in counts else NO_SNAPSHOT] += row["n"]
        data = {
            "agency": agency.pk,
            "period_label": label,
            "period_start": start,
            "period_end": end,
            "officers": sum(counts.values()),
            "counts": counts,
        }
        return Response(s.AgencyComplianceSerializer(data).data)


class UnitViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Units of the agencies the user belongs to or oversees."""

    queryset = Unit.objects.all()
    serializer_class = s.UnitSerializer
    filterset_class = filters.UnitFilter
    ordering = ("agency", "path", "pk")


# --- Officers ---------------------------------------------------------------------------


def _separation_checked(values: dict[str, Any]) -> None:
    """A separated officer needs the date they separated (else the table refuses the row)."""
    if values.get("status") == OfficerStatus.SEPARATED and not values.get("separated_on"):
        raise ValidationError({"separated_on": "Give the date a separated officer left."})


@extend_schema(responses={200: s.OfficerSerializer})
class OfficerViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
):
    """Officers the user may read, with their unit; created and changed by roster managers."""

    queryset = Officer.objects.all()
    serializer_class = s.OfficerSerializer
    filterset_class = filters.OfficerFilter
    ordering = ("last_name", "first_name", "pk")
    related = ("unit",)
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(request=s.OfficerWriteSerializer, responses={201: s.OfficerSerializer, **ERRORS})
    def create(self, request: Request) -> Response:
        """Add an officer to an agency's roster (agency administrators)."""
        form = s.OfficerWriteSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        values = dict(form.validated_data)
        _separation_checked(values)
        agency = values.pop("agency")
        officer = create_officer(acting_user=request.user, agency=agency, **values)
        return Response(s.OfficerSerializer(officer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.OfficerUpdateSerializer, responses={200: s.OfficerSerializer, **ERRORS}
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change some of an officer's roster facts (agency administrators)."""
        officer = self.get_object()
        form = s.OfficerUpdateSerializer(
            data=request.data, partial=True, context={"request": request}
        )
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        merged = {
            "status": changes.get("status", officer.status),
            "separated_on": changes.get("separated_on", officer.separated_on),
        }
        _separation_checked(merged)
        if changes:
            officer = update_officer(acting_user=request.user, officer=officer, **changes)
        return Response(s.OfficerSerializer(officer).data)

    @extend_schema(responses={200: s.ComplianceSnapshotSerializer(many=True), 404: ERRORS[404]})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def compliance(self, request: Request, pk: str) -> Response:
        """The officer's stored verdict of each period under their agency's rule pack, newest
        first, each with the evaluator's explanation (what the officer's page shows)."""
        officer = self.get_object()
        audit_officer_reads(request.user, [officer], "compliance via API")
        snapshots = (
            ComplianceSnapshot.objects.visible_to(request.user)
            .filter(officer=officer, pack_id=officer.agency.rule_pack)
            .order_by("-period_start", "pk")
        )
        return Response(s.ComplianceSnapshotSerializer(snapshots, many=True).data)


# --- Catalog and sessions ------------------------------------------------------------------


class CourseViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Courses of the catalogs of the agencies the user belongs to or oversees."""

    queryset = Course.objects.all()
    serializer_class = s.CourseSerializer
    filterset_class = filters.CourseFilter
    ordering = ("course_id", "pk")

    def get_queryset(self) -> QuerySet[Any]:
        """Readable courses, with their topics."""
        return super().get_queryset().prefetch_related("topics")


class SessionViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Sessions of those catalogs."""

    queryset = Session.objects.all()
    serializer_class = s.SessionSerializer
    filterset_class = filters.SessionFilter
    ordering = ("starts_at", "pk")
    related = ("course",)

    def get_queryset(self) -> QuerySet[Any]:
        """Readable sessions, with their instructors' ids."""
        return super().get_queryset().prefetch_related("instructors")


# --- Training records and qualifications ----------------------------------------------------


class TrainingRecordViewSet(OfficerFileViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Training records of the officers the user may read; entered and voided by the
    Training Unit through the same checks as the pages."""

    queryset = TrainingRecord.objects.all()
    serializer_class = s.TrainingRecordSerializer
    filterset_class = filters.TrainingRecordFilter
    ordering = ("-completed_on", "-pk")
    related = ("officer",)
    audit_what = "training records via API"

    def get_queryset(self) -> QuerySet[Any]:
        """Readable records, with their topics."""
        return super().get_queryset().prefetch_related("topics")

    @extend_schema(
        request=s.TrainingRecordCreateSerializer,
        responses={201: s.TrainingRecordSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        """Enter a training record (source "api"); with a course, what is left out is
        copied from the course. A session names its course."""
        form = s.TrainingRecordCreateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        values = dict(form.validated_data)
        officer = values.pop("officer")
        session = values.get("session")
        if session is not None and values.get("course") is None:
            values["course"] = session.course
        record = record_training(
            acting_user=request.user, officer=officer, source=RecordSource.API, **values
        )
        return Response(s.TrainingRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.VoidSerializer, responses={200: s.TrainingRecordSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str) -> Response:
        """Void a record with a reason: it stays in the history but no longer counts."""
        record = self.get_object()
        form = s.VoidSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        record = void_training_record(
            acting_user=request.user, record=record, reason=form.validated_data["reason"]
        )
        return Response(s.TrainingRecordSerializer(record).data)


class QualificationViewSet(OfficerFileViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Firearms qualifications of the officers the user may read."""

    queryset = QualificationEvent.objects.all()
    serializer_class = s.QualificationSerializer
    filterset_class = filters.QualificationFilter
    ordering = ("-qualified_on", "-pk")
    related = ("officer",)
    audit_what = "qualifications via API"

    @extend_schema(
        request=s.QualificationCreateSerializer,
        responses={201: s.QualificationSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        """Record a qualification shoot, passed or failed."""
        form = s.QualificationCreateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        values = dict(form.validated_data)
        officer = values.pop("officer")
        event = record_qualification(acting_user=request.user, officer=officer, **values)
        return Response(s.QualificationSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.VoidSerializer, responses={200: s.QualificationSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str) -> Response:
        """Void a qualification with a reason; it stays in the history."""
        event = self.get_object()
        form = s.VoidSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        event = void_qualification(
            acting_user=request.user, event=event, reason=form.validated_data["reason"]
        )
        return Response(s.QualificationSerializer(event).data)


# --- Compliance --------------------------------------------------------------------------


class ComplianceViewSet(OfficerFileViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Stored verdicts of the officers the user may read, under each one's agency's pack."""

    queryset = ComplianceSnapshot.objects.all()
    serializer_class = s.ComplianceSnapshotSerializer
    filterset_class = filters.ComplianceFilter
    ordering = ("officer_id", "-period_start", "pk")
    related = ("officer",)
    audit_what = "compliance via API"

    def get_queryset(self) -> QuerySet[Any]:
        """Only verdicts under the officer's agency's own rule pack."""
        return super().get_queryset().filter(pack_id=F("officer__agency__rule_pack"))


# --- Imports ----------------------------------------------------------------------------


class ImportViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Imports of the agencies where the user trains or administers: upload a file, read its
    check (every problem by line and column), then import it, all rows or none."""

    queryset = ImportBatch.objects.all()
    serializer_class = s.ImportBatchSerializer
    filterset_class = filters.ImportFilter
    ordering = ("-created_at", "-pk")
    parser_classes = (MultiPartParser, FormParser)

    @extend_schema(
        request={"multipart/form-data": s.ImportUploadSerializer},
        responses={201: s.ImportBatchSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        """Upload a file: it is checked at once (or by the worker when large); nothing is
        written until the import is asked for."""
        form = s.ImportUploadSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        values = form.validated_data
        batch = upload_import(
            acting_user=request.user,
            agency=values["agency"],
            kind=values["kind"],
            upload=values["file"],
        )
        return Response(s.ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.ImportBatchSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="import", url_name="commit")
    def commit(self, request: Request, pk: str) -> Response:
        """Import a checked file without problems: every row or none."""
        batch = request_commit(acting_user=request.user, batch=self.get_object())
        return Response(s.ImportBatchSerializer(batch).data)

    @extend_schema(request=None, responses={200: s.ImportBatchSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Drop an import that has not been written, and its stored file."""
        batch = cancel_batch(acting_user=request.user, batch=self.get_object())
        return Response(s.ImportBatchSerializer(batch).data)
