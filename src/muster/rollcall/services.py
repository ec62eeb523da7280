"""Documenting roll-call training, and the Training Unit entering or returning it (IV.C).

The element supervisor documents and forwards; only the Training Unit turns a report into
training records, under a Course ID it assigns, so supervisors never write records directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from muster.agencies.models import Unit
from muster.compliance.services import deferred_refresh
from muster.core.audit import record_audit, snapshot
from muster.core.services import require
from muster.people.models import Officer, OfficerStatus
from muster.rollcall.models import ReportStatus, RollCallRecord, RollCallReport
from muster.training.models import (
    Course,
    CourseStatus,
    Participation,
    RecordSource,
    Topic,
    TrainingRecord,
)
from muster.training.services import create_course, record_training
from muster.training.vocabulary import Delivery


def _names(officers: Iterable[Officer]) -> str:
    return ", ".join(o.full_name for o in sorted(officers, key=lambda o: o.sort_name))


def _report_snapshot(report: RollCallReport) -> dict[str, Any]:
    """The report's fields with its topics and attendees, for the audit log."""
    return snapshot(report) | {
        "topics": sorted(report.topics.values_list("code", flat=True)),
        "attendees": sorted(report.attendees.values_list("pk", flat=True)),
    }


def _validated(
    *,
    unit: Unit,
    held_on: dt.date | None,
    minutes: int | None,
    title: str,
    topics: Iterable[str],
    attendees: Iterable[Officer],
    instructor: Officer | None,
    instructor_name: str,
) -> tuple[list[Topic], list[Officer]]:
    """Check a report's content; every problem is reported at once, by field."""
    agency = unit.agency
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Give the training a title."
    if minutes is None or minutes <= 0:
        errors["minutes"] = "Minutes of instruction must be more than zero."
    if held_on is None:
        errors["held_on"] = "Give the date the roll-call was held."
    elif held_on > agency.today():
        errors["held_on"] = "A roll-call held in the future cannot be documented yet."

    codes = sorted(set(topics))
    topic_rows = list(Topic.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {t.code for t in topic_rows})
    if not codes:
        errors["topics"] = "Choose at least one topic the training covered."
    elif unknown:
        errors["topics"] = f"Unknown topic code: {', '.join(unknown)}."

    # Fresh rows: the unit path and status decide, not whatever the caller holds.
    wanted = {o.pk for o in attendees}
    officers = list(Officer.objects.select_related("unit").filter(pk__in=wanted))
    if not officers:
        errors["attendees"] = "Tick at least one officer who attended."
    else:
        outside = [
            o
            for o in officers
            if o.agency_id != agency.pk or o.unit is None or not o.unit.path.startswith(unit.path)
        ]
        separated = [o for o in officers if o.status == OfficerStatus.SEPARATED]
        not_hired = [
            o for o in officers if held_on and o.hired_on is not None and o.hired_on > held_on
        ]
        if outside:
            errors["attendees"] = f"Not in {unit} or its sub-units: {_names(outside)}."
        elif separated:
            errors["attendees"] = f"No longer serving: {_names(separated)}."
        elif not_hired:
            errors["attendees"] = f"Not yet hired on {held_on}: {_names(not_hired)}."

    if instructor is not None:
        if instructor.agency_id != agency.pk:
            errors["instructor"] = f"The instructor must be an officer of {agency}."
        elif instructor.pk in wanted:
            errors["instructor"] = (
                f"{instructor.full_name} taught it and is credited as instructor; "
                "untick them as an attendee."
            )
        elif held_on and instructor.hired_on is not None and instructor.hired_on > held_on:
            errors["instructor"] = f"{instructor.full_name} was not yet hired on {held_on}."
    elif not instructor_name.strip():
        errors["instructor"] = "Name the instructor: choose an officer or type their name."
    if errors:
        raise ValidationError(errors)
    return topic_rows, officers


def document_roll_call(
    *,
    acting_user: Any,
    unit: Unit,
    held_on: dt.date | None,
    minutes: int | None,
    title: str,
    topics: Iterable[str],
    attendees: Iterable[Officer],
    instructor: Officer | None = None,
    instructor_name: str = "",
    start_time: dt.time | None = None,
    notes: str = "",
) -> RollCallReport:
    """Document an element's roll-call training and forward it to the Training Unit; audited."""
    require(acting_user, "rollcall.document", unit)
    if getattr(acting_user, "pk", None) is None:
        raise PermissionDenied("A roll-call report is documented by a signed-in supervisor.")
    topic_rows, officers = _validated(
        unit=unit,
        held_on=held_on,
        minutes=minutes,
        title=title,
        topics=topics,
        attendees=attendees,
        instructor=instructor,
        instructor_name=instructor_name,
    )
    assert held_on is not None  # _validated refused an empty date or amount
    assert minutes is not None
    with transaction.atomic():
        report = RollCallReport.objects.create(
            agency=unit.agency,
            unit=unit,
            documented_by=acting_user,
            held_on=held_on,
            start_time=start_time,
            minutes=minutes,
            title=title.strip(),
            instructor=instructor,
            instructor_name="" if instructor is not None else instructor_name.strip(),
            notes=notes.strip(),
            status=ReportStatus.FORWARDED,
            forwarded_at=timezone.now(),
        )
        report.topics.set(topic_rows)
        report.attendees.set(officers)
        record_audit(
            actor=acting_user,
            action="rollcall.document",
            obj=report,
            agency_id=report.agency_id,
            after=_report_snapshot(report),
        )
    return report


def correct_and_forward(
    *,
    acting_user: Any,
    report: RollCallReport,
    held_on: dt.date | None,
    minutes: int | None,
    title: str,
    topics: Iterable[str],
    attendees: Iterable[Officer],
    instructor: Officer | None = None,
    instructor_name: str = "",
    start_time: dt.time | None = None,
    notes: str = "",
) -> RollCallReport:
    """Correct a report the Training Unit returned and forward it again; audited."""
    require(acting_user, "rollcall.correct", report)
    if report.status != ReportStatus.RETURNED:
        raise ValidationError(
            {"status": "Only a report the Training Unit returned can be corrected."}
        )
    topic_rows, officers = _validated(
        unit=report.unit,
        held_on=held_on,
        minutes=minutes,
        title=title,
        topics=topics,
        attendees=attendees,
        instructor=instructor,
        instructor_name=instructor_name,
    )
    assert held_on is not None  # _validated refused an empty date or amount
    assert minutes is not None
    with transaction.atomic():
        before = _report_snapshot(report)
        # Compare-and-set: a report is forwarded again once, however often the form is sent.
        changed = RollCallReport.objects.filter(pk=report.pk, status=ReportStatus.RETURNED).update(
            status=ReportStatus.FORWARDED,
            forwarded_at=timezone.now(),
            held_on=held_on,
            start_time=start_time,
            minutes=minutes,
            title=title.strip(),
            instructor=instructor,
            instructor_name="" if instructor is not None else instructor_name.strip(),
            notes=notes.strip(),
        )
        if not changed:
            raise ValidationError({"status": "This report has already been forwarded again."})
        report.refresh_from_db()
        report.topics.set(topic_rows)
        report.attendees.set(officers)
        record_audit(
            actor=acting_user,
            action="rollcall.forward",
            obj=report,
            agency_id=report.agency_id,
            before=before,
            after=_report_snapshot(report),
        )
    return report


def enter_roll_call(
    *, acting_user: Any, report: RollCallReport, course: Course | None = None
) -> RollCallReport:
    """Enter a forwarded report: assign a Course ID and record each officer's training; audited.

    Without a course, a new one is created from the report (title, minutes, topics, in
    person, the agency as provider). Every attendee gets a record; an instructor who is an
    officer of the agency gets an instructor record. All of it happens, or none of it.
    """
    require(acting_user, "rollcall.enter", report)
    if report.status != ReportStatus.FORWARDED:
        raise ValidationError(
            {"status": "This report has already been entered or returned; it cannot be entered."}
        )
    if course is not None:
        if course.agency_id != report.agency_id:
            raise ValidationError({"course": "The course belongs to another agency's catalog."})
        if course.status != CourseStatus.ACTIVE:
            raise ValidationError({"course": f"{course.course_id} is retired; choose another."})
    codes = sorted(report.topics.values_list("code", flat=True))
    instructor_label = report.instructor_label
    location = f"Roll call, {report.unit}"
    with transaction.atomic():
        before = _report_snapshot(report)
        if course is None:
            course = create_course(
                acting_user=acting_user,
                agency=report.agency,
                topics=codes,
                title=report.title,
                synopsis=f"Roll-call / element-specific training of {report.unit}.",
                credit_minutes=report.minutes,
                delivery=Delivery.IN_PERSON,
                provider=report.agency.name,
            )
        now = timezone.now()
        # Compare-and-set: of two people entering at once, exactly one creates the records.
        changed = RollCallReport.objects.filter(pk=report.pk, status=ReportStatus.FORWARDED).update(
            status=ReportStatus.ENTERED,
            course=course,
            entered_at=now,
            reviewed_by=acting_user,
            reviewed_at=now,
        )
        if not changed:
            raise ValidationError({"status": "This report has already been entered or returned."})
        report.refresh_from_db()
        records: list[TrainingRecord] = []
        with deferred_refresh():  # each officer's compliance once, still in this transaction
            for officer in report.attendees.select_related("agency").order_by("pk"):
                records.append(
                    record_training(
                        acting_user=acting_user,
                        officer=officer,
                        completed_on=report.held_on,
                        source=RecordSource.ROLL_CALL,
                        course=course,
                        minutes=report.minutes,
                        topics=codes,
                        participation=Participation.ATTENDEE,
                        instructor_name=instructor_label,
                        location=location,
                    )
                )
            teacher = report.instructor
            if teacher is not None and teacher.agency_id == report.agency_id:
                records.append(
                    record_training(
                        acting_user=acting_user,
                        officer=teacher,
                        completed_on=report.held_on,
                        source=RecordSource.ROLL_CALL,
                        course=course,
                        minutes=report.minutes,
                        topics=codes,
                        participation=Participation.INSTRUCTOR,
                        instructor_name=instructor_label,
                        location=location,
                    )
                )
        RollCallRecord.objects.bulk_create(
            [RollCallRecord(report=report, record=record) for record in records]
        )
        record_audit(
            actor=acting_user,
            action="rollcall.enter",
            obj=report,
            agency_id=report.agency_id,
            before=before,
            after=_report_snapshot(report) | {"records": [r.pk for r in records]},
        )
    return report


def return_roll_call(*, acting_user: Any, report: RollCallReport, reason: str) -> RollCallReport:
    """Send a forwarded report back to its supervisor with the reason; audited."""
    require(acting_user, "rollcall.return", report)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say what the supervisor needs to correct."})
    with transaction.atomic():
        before = _report_snapshot(report)
        now = timezone.now()
        changed = RollCallReport.objects.filter(pk=report.pk, status=ReportStatus.FORWARDED).update(
            status=ReportStatus.RETURNED,
            return_reason=reason,
            reviewed_by=acting_user,
            reviewed_at=now,
        )
        if not changed:
            raise ValidationError(
                {"status": "Only a report waiting for entry can be returned; this one is not."}
            )
        report.refresh_from_db()
        record_audit(
            actor=acting_user,
            action="rollcall.return",
            obj=report,
            agency_id=report.agency_id,
            before=before,
            after=_report_snapshot(report),
            reason=reason,
        )
    return report
