"""What the API shows of each model, and what it accepts for the changes it offers.

Read serializers show rows the view already scoped with `visible_to`; write serializers check
only the shape of the input (and that every object named is one the user may read), and leave
every rule of the change to the service function they feed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from muster.agencies.models import Agency, Unit
from muster.compliance.models import ComplianceSnapshot
from muster.people.models import Employment, Officer, OfficerStatus
from muster.training.models import (
    Course,
    Participation,
    QualificationEvent,
    RecordKind,
    Session,
    TrainingRecord,
    WeaponType,
)
from muster.training.vocabulary import Delivery

# The database's own limits, so that no input reaches it too large to store.
MAX_INT = 2_147_483_647
MAX_SCORE = Decimal("9999.99")


def _visible(request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The rows of `queryset` the request's user may read (none without a request)."""
    if request is None:
        return queryset.none()
    return cast(Any, queryset).visible_to(request.user)  # type: ignore[no-any-return]


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A primary key of a row the user may read; any other answers 'does not exist'."""

    def get_queryset(self) -> QuerySet[Any]:
        """The field's queryset, scoped to the request's user."""
        rows = super().get_queryset()
        assert rows is not None  # every such field here is given a queryset
        return _visible(self.context.get("request"), rows)


class AgencySerializer(serializers.ModelSerializer[Agency]):
    """An agency: its name, state, ORI and rule pack."""

    class Meta:
        model = Agency
        fields = ["id", "name", "state", "ori", "time_zone", "rule_pack"]
        read_only_fields = fields


class UnitSerializer(serializers.ModelSerializer[Unit]):
    """A unit of an agency's organisation chart."""

    class Meta:
        model = Unit
        fields = ["id", "agency", "parent", "name", "kind", "path"]
        read_only_fields = fields


class UnitRefSerializer(serializers.ModelSerializer[Unit]):
    """A unit, named, inside another object."""

    class Meta:
        model = Unit
        fields = ["id", "name", "kind"]
        read_only_fields = fields


class OfficerSerializer(serializers.ModelSerializer[Officer]):
    """An officer's roster facts, with their unit."""

    unit = UnitRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Officer
        fields = [
            "id",
            "agency",
            "unit",
            "first_name",
            "last_name",
            "serial_number",
            "rank",
            "employment",
            "licence_number",
            "licence_class",
            "first_licensed_on",
            "hired_on",
            "status",
            "separated_on",
        ]
        read_only_fields = fields


class OfficerWriteSerializer(serializers.Serializer[Any]):
    """The roster facts an officer is created or updated with; the agency only on creation."""

    agency = VisibleRelatedField(queryset=Agency.objects.all())
    unit = VisibleRelatedField(queryset=Unit.objects.all(), allow_null=True, required=False)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    serial_number = serializers.CharField(max_length=20)
    rank = serializers.CharField(max_length=60)
    employment = serializers.ChoiceField(choices=Employment.choices, required=False)
    licence_number = serializers.CharField(max_length=32, allow_blank=True, required=False)
    licence_class = serializers.CharField(max_length=32, allow_blank=True, required=False)
    first_licensed_on = serializers.DateField(allow_null=True, required=False)
    hired_on = serializers.DateField(allow_null=True, required=False)
    status = serializers.ChoiceField(choices=OfficerStatus.choices, required=False)
    separated_on = serializers.DateField(allow_null=True, required=False)


class OfficerUpdateSerializer(OfficerWriteSerializer):
    """The roster facts an update may change (any of them; the agency never changes)."""

    agency = None  # type: ignore[assignment]


class CourseSerializer(serializers.ModelSerializer[Course]):
    """A course of an agency's catalog."""

    topics: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Course
        fields = [
            "id",
            "agency",
            "course_id",
            "title",
            "synopsis",
            "credit_minutes",
            "delivery",
            "category",
            "topics",
            "provider",
            "approved_provider",
            "post_certified",
            "post_certification_number",
            "needs_legal_review",
            "status",
        ]
        read_only_fields = fields


class SessionSerializer(serializers.ModelSerializer[Session]):
    """A scheduled delivery of a course."""

    course_code = serializers.CharField(source="course.course_id", read_only=True)
    instructors: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Session
        fields = [
            "id",
            "course",
            "course_code",
            "starts_at",
            "ends_at",
            "location",
            "capacity",
            "status",
            "instructors",
        ]
        read_only_fields = fields


class TrainingRecordSerializer(serializers.ModelSerializer[TrainingRecord]):
    """One training record as entered, with whether (and why) it was voided."""

    topics: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    is_void = serializers.BooleanField(read_only=True)

    class Meta:
        model = TrainingRecord
        fields = [
            "id",
            "officer",
            "kind",
            "completed_on",
            "course",
            "session",
            "course_code",
            "title",
            "minutes",
            "credit_hours",
            "semester_hours",
            "participation",
            "delivery",
            "category",
            "topics",
            "provider",
            "approved_provider",
            "post_certified",
            "location",
            "instructor_name",
            "source",
            "attributed_to_period",
            "supersedes",
            "entered_at",
            "is_void",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = fields


class TrainingRecordCreateSerializer(serializers.Serializer[Any]):
    """A training record to enter. With a course, what is left out is copied from it."""

    officer = VisibleRelatedField(queryset=Officer.objects.all())
    completed_on = serializers.DateField()
    course = VisibleRelatedField(queryset=Course.objects.all(), allow_null=True, required=False)
    session = VisibleRelatedField(queryset=Session.objects.all(), allow_null=True, required=False)
    kind = serializers.ChoiceField(choices=RecordKind.choices, required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_INT, allow_null=True, required=False
    )
    credit_hours = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal("0"), allow_null=True, required=False
    )
    semester_hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal("0"), allow_null=True, required=False
    )
    participation = serializers.ChoiceField(choices=Participation.choices, required=False)
    delivery = serializers.ChoiceField(choices=Delivery.choices, required=False)
    category = serializers.CharField(max_length=40, required=False, allow_blank=True)
    topics = serializers.ListField(
        child=serializers.SlugField(max_length=40), required=False, max_length=50
    )
    provider = serializers.CharField(max_length=200, required=False, allow_blank=True)
    approved_provider = serializers.BooleanField(required=False)
    post_certified = serializers.BooleanField(required=False)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    instructor_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    attributed_to_period = serializers.CharField(max_length=32, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Without a course (or a session, which names one) the record needs its own title
        and delivery."""
        if attrs.get("course") is None and attrs.get("session") is None:
            missing = {
                name: "Give it when no course is named."
                for name in ("title", "delivery")
                if not attrs.get(name)
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class VoidSerializer(serializers.Serializer[Any]):
    """Why a record or qualification is voided."""

    reason = serializers.CharField(max_length=2000)


class QualificationSerializer(serializers.ModelSerializer[QualificationEvent]):
    """A firearms qualification shoot, passed or failed."""

    passed = serializers.BooleanField(read_only=True)
    is_void = serializers.BooleanField(read_only=True)

    class Meta:
        model = QualificationEvent
        fields = [
            "id",
            "officer",
            "qualified_on",
            "weapon_type",
            "weapon",
            "course_of_fire",
            "score",
            "max_score",
            "passing_score",
            "passed",
            "instructor",
            "instructor_name",
            "entered_at",
            "is_void",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = fields


class QualificationCreateSerializer(serializers.Serializer[Any]):
    """A qualification shoot to record."""

    officer = VisibleRelatedField(queryset=Officer.objects.all())
    qualified_on = serializers.DateField()
    weapon_type = serializers.ChoiceField(choices=WeaponType.choices)
    weapon = serializers.CharField(max_length=100, required=False, allow_blank=True)
    course_of_fire = serializers.CharField(max_length=100)
    score = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal("0"), max_value=MAX_SCORE
    )
    max_score = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal("0.01"), max_value=MAX_SCORE
    )
    passing_score = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal("0.01"), max_value=MAX_SCORE
    )
    instructor = VisibleRelatedField(
        queryset=Officer.objects.all(), allow_null=True, required=False
    )
    instructor_name = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Scores within the maximum, as the table's constraints demand."""
        if attrs["score"] > attrs["max_score"]:
            raise serializers.ValidationError({"score": "The score is above the maximum."})
        if attrs["passing_score"] > attrs["max_score"]:
            raise serializers.ValidationError(
                {"passing_score": "The passing score is above the maximum."}
            )
        return attrs


class ComplianceSnapshotSerializer(serializers.ModelSerializer[ComplianceSnapshot]):
    """An officer's stored verdict for one period, with the evaluator's whole explanation."""

    result = serializers.SerializerMethodField()

    class Meta:
        model = ComplianceSnapshot
        fields = [
            "id",
            "officer",
            "pack_id",
            "pack_version",
            "period_label",
            "period_start",
            "period_end",
            "status",
            "reason",
            "deadline",
            "grace_until",
            "credited_hours",
            "required_hours",
            "computed_at",
            "result",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_result(self, snapshot: ComplianceSnapshot) -> Any:
        """The evaluator's result: each requirement, its hours and which records counted."""
        return snapshot.result


class StatusCountsSerializer(serializers.Serializer[Any]):
    """Serving officers by their verdict in the period."""

    compliant = serializers.IntegerField()
    deficient = serializers.IntegerField()
    exempt = serializers.IntegerField()
    waived = serializers.IntegerField()
    not_computed = serializers.IntegerField(help_text="Officers with no stored verdict yet.")


class AgencyComplianceSerializer(serializers.Serializer[Any]):
    """An agency's compliance in one period: how many serving officers stand where."""

    agency = serializers.IntegerField()
    period_label = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    officers = serializers.IntegerField()
    counts = StatusCountsSerializer()


class ImportProblemSerializer(serializers.Serializer[Any]):
    """One bad cell of an import file (line 0: the whole file)."""

    line = serializers.IntegerField()
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ImportProgressSerializer(serializers.Serializer[Any]):
    """How far the step under way is."""

    phase = serializers.CharField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()


class ImportBatchSerializer(serializers.ModelSerializer[Any]):
    """An import: the file, where it stands, what its check found and what it created."""

    problems = ImportProblemSerializer(many=True, read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        from muster.imports.models import ImportBatch

        model = ImportBatch
        fields = [
            "id", "agency", "kind", "file_name", "file_sha256", "status", "rows_total",
            "to_create", "to_update", "unchanged", "rejected", "problem_count", "problems",
            "failure", "created_at", "checked_at", "committed_at", "progress",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ImportProgressSerializer(allow_null=True))
    def get_progress(self, batch: Any) -> dict[str, Any] | None:
        """The step under way, while one runs."""
        from muster.imports.batches import read_progress

        progress = read_progress(batch) if batch.busy else None
        if progress is None:
            return None
        phase, done, total = progress
        return {"phase": phase, "done": done, "total": total}


class ImportUploadSerializer(serializers.Serializer[Any]):
    """A file to check (and later import) for one agency."""

    agency = VisibleRelatedField(queryset=Agency.objects.all())
    kind = serializers.ChoiceField(choices=["officers", "records", "qualifications"])
    file = serializers.FileField(help_text="A .csv or .xlsx file in the columns of formats.md.")
