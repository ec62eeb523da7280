"""Query filters of the API lists (django-filter); every object named must be readable."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from muster.agencies.models import Agency, Unit, UnitKind
from muster.compliance.models import ComplianceSnapshot
from muster.imports.models import ImportBatch, ImportKind, ImportStatus
from muster.people.models import Employment, Officer, OfficerStatus
from muster.training.models import (
    Course,
    CourseStatus,
    QualificationEvent,
    RecordKind,
    RecordSource,
    Session,
    SessionStatus,
    TrainingRecord,
    WeaponType,
)
from muster.training.vocabulary import Delivery

COMPLIANCE_STATUSES = [
    ("compliant", "Compliant"),
    ("deficient", "Deficient"),
    ("exempt", "Exempt"),
    ("waived", "Waived"),
]


def _visible(model: Any) -> Any:
    """A queryset callable for a choice filter: the rows of `model` the user may read."""

    def rows(request: Any) -> QuerySet[Any]:
        if request is None:
            return model.objects.none()  # type: ignore[no-any-return]
        return model.objects.visible_to(request.user)  # type: ignore[no-any-return]

    return rows


def _within(prefix: str) -> Any:
    """Filter to a unit and every unit beneath it (through `prefix` to the unit)."""

    def method(queryset: QuerySet[Any], name: str, unit: Unit | None) -> QuerySet[Any]:
        if unit is None:
            return queryset
        return queryset.filter(**{f"{prefix}unit__path__startswith": unit.path})

    return method


@extend_schema_field(OpenApiTypes.INT)
class UnitTreeFilter(df.ModelChoiceFilter):
    """A unit (by id) the user may read; matches rows in it and in every unit beneath it."""


class OfficerFilter(df.FilterSet):
    """Officers by agency, unit (with its sub-units), status, employment or a search."""

    agency = df.ModelChoiceFilter(queryset=_visible(Agency))
    unit = UnitTreeFilter(
        queryset=_visible(Unit), method=_within(""), label="Unit, with its sub-units"
    )
    status = df.ChoiceFilter(choices=OfficerStatus.choices)
    employment = df.ChoiceFilter(choices=Employment.choices)
    q = df.CharFilter(method="search", label="Name contains, or exact serial or licence number")

    class Meta:
        model = Officer
        fields = ["agency", "unit", "status", "employment", "q"]

    def search(self, queryset: QuerySet[Officer], name: str, value: str) -> QuerySet[Officer]:
        """Officers whose name contains `value`, or whose serial or licence number it is."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(last_name__icontains=value)
            | Q(first_name__icontains=value)
            | Q(serial_number__iexact=value)
            | Q(licence_number__iexact=value)
        )


class UnitFilter(df.FilterSet):
    """Units by agency, parent unit or kind."""

    agency = df.ModelChoiceFilter(queryset=_visible(Agency))
    parent = df.ModelChoiceFilter(queryset=_visible(Unit))
    kind = df.ChoiceFilter(choices=UnitKind.choices)

    class Meta:
        model = Unit
        fields = ["agency", "parent", "kind"]


class CourseFilter(df.FilterSet):
    """Courses by agency, status, delivery or category."""

    agency = df.ModelChoiceFilter(queryset=_visible(Agency))
    status = df.ChoiceFilter(choices=CourseStatus.choices)
    delivery = df.ChoiceFilter(choices=Delivery.choices)
    category = df.CharFilter(max_length=40)

    class Meta:
        model = Course
        fields = ["agency", "status", "delivery", "category"]


class SessionFilter(df.FilterSet):
    """Sessions by course, agency, status or the day they start."""

    course = df.ModelChoiceFilter(queryset=_visible(Course))
    agency = df.ModelChoiceFilter(field_name="course__agency", queryset=_visible(Agency))
    status = df.ChoiceFilter(choices=SessionStatus.choices)
    starts_from = df.DateFilter(field_name="starts_at__date", lookup_expr="gte")
    starts_until = df.DateFilter(field_name="starts_at__date", lookup_expr="lte")

    class Meta:
        model = Session
        fields = ["course", "agency", "status", "starts_from", "starts_until"]


def _voided(queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
    if value is None:
        return queryset
    return queryset.filter(voided_at__isnull=not value)


class TrainingRecordFilter(df.FilterSet):
    """Records by officer, unit, course, session, category, kind, source, dates or voiding."""

    officer = df.ModelChoiceFilter(queryset=_visible(Officer))
    unit = UnitTreeFilter(
        queryset=_visible(Unit), method=_within("officer__"), label="Unit, with its sub-units"
    )
    course = df.ModelChoiceFilter(queryset=_visible(Course))
    session = df.ModelChoiceFilter(queryset=_visible(Session))
    category = df.CharFilter(max_length=40)
    kind = df.ChoiceFilter(choices=RecordKind.choices)
    source = df.ChoiceFilter(choices=RecordSource.choices)
    completed_from = df.DateFilter(field_name="completed_on", lookup_expr="gte")
    completed_until = df.DateFilter(field_name="completed_on", lookup_expr="lte")
    voided = df.BooleanFilter(method=_voided, label="Only voided (true) or only current (false)")

    class Meta:
        model = TrainingRecord
        fields = [
            "officer",
            "unit",
            "course",
            "session",
            "category",
            "kind",
            "source",
            "completed_from",
            "completed_until",
            "voided",
        ]


class QualificationFilter(df.FilterSet):
    """Qualifications by officer, unit, weapon type, dates or voiding."""

    officer = df.ModelChoiceFilter(queryset=_visible(Officer))
    unit = UnitTreeFilter(
        queryset=_visible(Unit), method=_within("officer__"), label="Unit, with its sub-units"
    )
    weapon_type = df.ChoiceFilter(choices=WeaponType.choices)
    qualified_from = df.DateFilter(field_name="qualified_on", lookup_expr="gte")
    qualified_until = df.DateFilter(field_name="qualified_on", lookup_expr="lte")
    voided = df.BooleanFilter(method=_voided, label="Only voided (true) or only current (false)")

    class Meta:
        model = QualificationEvent
        fields = [
            "officer",
            "unit",
            "weapon_type",
            "qualified_from",
            "qualified_until",
            "voided",
        ]


class ComplianceFilter(df.FilterSet):
    """Stored verdicts by officer, unit, status, period label or a day in the period."""

    officer = df.ModelChoiceFilter(queryset=_visible(Officer))
    unit = UnitTreeFilter(
        queryset=_visible(Unit), method=_within("officer__"), label="Unit, with its sub-units"
    )
    status = df.ChoiceFilter(choices=COMPLIANCE_STATUSES)
    period = df.CharFilter(field_name="period_label", max_length=32, label="Period label")
    on = df.DateFilter(method="containing", label="Periods containing this day")

    class Meta:
        model = ComplianceSnapshot
        fields = ["officer", "unit", "status", "period", "on"]

    def containing(
        self, queryset: QuerySet[ComplianceSnapshot], name: str, value: Any
    ) -> QuerySet[ComplianceSnapshot]:
        """Verdicts of the periods that contain the day."""
        if value is None:
            return queryset
        return queryset.filter(period_start__lte=value, period_end__gte=value)


class ImportFilter(df.FilterSet):
    """Imports by agency, kind and status."""

    agency = df.ModelChoiceFilter(queryset=_visible(Agency))
    kind = df.ChoiceFilter(choices=ImportKind.choices)
    status = df.ChoiceFilter(choices=ImportStatus.choices)

    class Meta:
        model = ImportBatch
        fields = ["agency", "kind", "status"]
