"""Site administration of the catalog, sessions and (read-only) records."""

from django.contrib import admin

from muster.core.admin import AuditedModelAdmin, ReadOnlyAdmin
from muster.training.models import (
    Course,
    Enrolment,
    QualificationEvent,
    Session,
    Topic,
    TrainingRecord,
)


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    """The shared topic vocabulary (changed by migrations only: rule packs rely on it)."""

    list_display = ("code", "name", "description")


@admin.register(Course)
class CourseAdmin(AuditedModelAdmin):
    """The course catalog."""

    list_display = ("course_id", "title", "agency", "delivery", "category", "status")
    list_filter = ("agency", "delivery", "status")
    search_fields = ("course_id", "title")
    readonly_fields = ("course_id",)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Courses are retired, never deleted, so a Course ID is never reused.
        return False


@admin.register(Session)
class SessionAdmin(AuditedModelAdmin):
    """Scheduled sessions."""

    list_display = ("course", "starts_at", "ends_at", "location", "capacity", "status")
    list_filter = ("status",)
    raw_id_fields = ("course", "instructors")


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    """Enrolments (changed through the Training Unit's pages)."""

    list_display = ("session", "officer", "status")


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyAdmin):
    """Training records are append-only: corrected by voiding, never edited here."""

    list_display = (
        "officer",
        "completed_on",
        "course_code",
        "title",
        "minutes",
        "source",
        "voided_at",
    )
    list_filter = ("kind", "source", "delivery")
    search_fields = ("title", "course_code", "officer__last_name", "officer__serial_number")
    date_hierarchy = "completed_on"


@admin.register(QualificationEvent)
class QualificationEventAdmin(ReadOnlyAdmin):
    """Firearms qualifications, append-only."""

    list_display = ("officer", "qualified_on", "weapon_type", "score", "passing_score", "voided_at")
    list_filter = ("weapon_type",)
