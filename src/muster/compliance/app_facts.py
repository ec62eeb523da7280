"""From the application's records to the evaluator's plain facts (the only ORM-aware part)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from muster.compliance.facts import Leave, OfficerFacts, RecordFacts, Waiver
from muster.compliance.models import Waiver as WaiverRow
from muster.people.models import Officer
from muster.training.models import (
    EnrolmentStatus,
    Participation,
    QualificationEvent,
    RecordKind,
    Session,
    SessionStatus,
    TrainingRecord,
)


def officer_facts(officer: Officer) -> OfficerFacts:
    """An officer's facts, with leave and waivers (two queries)."""
    leaves = tuple(
        Leave(kind=lp.kind, start=lp.starts_on, end=lp.ends_on)
        for lp in officer.leave_periods.all()
    )
    waivers = tuple(
        Waiver(
            period_label=w.period_label,
            reason=w.reason,
            requirement_ids=frozenset(w.requirement_ids or ()),
            extended_until=w.extended_until,
        )
        for w in WaiverRow.objects.filter(officer=officer, revoked_at__isnull=True)
    )
    return OfficerFacts(
        officer_id=str(officer.pk),
        name=officer.full_name,
        employment=officer.employment,
        licensed_on=officer.first_licensed_on,
        hired_on=officer.hired_on,
        separated_on=officer.separated_on,
        licence_class=officer.licence_class,
        assignment=officer.unit.name if officer.unit_id and officer.unit else "",
        leaves=leaves,
        waivers=waivers,
    )


def _record_fact(record: TrainingRecord, topics: frozenset[str]) -> RecordFacts:
    return RecordFacts(
        record_id=str(record.pk),
        officer_id=str(record.officer_id),
        date=record.completed_on,
        title=f"{record.course_code} {record.title}".strip(),
        kind="training",
        minutes=record.minutes,
        hours=record.credit_hours,
        semester_hours=record.semester_hours,
        delivery="college" if record.kind == RecordKind.COLLEGE else record.delivery,
        role="instructor" if record.participation == Participation.INSTRUCTOR else "attendee",
        category=record.category,
        topics=topics,
        approved_provider=record.approved_provider,
        voided=record.voided_at is not None,
        void_reason=record.void_reason,
        attributed_to=record.attributed_to_period,
    )


def _qualification_fact(event: QualificationEvent) -> RecordFacts:
    percent = (event.score / event.max_score * 100) if event.max_score else Decimal(0)
    return RecordFacts(
        record_id=f"q{event.pk}",
        officer_id=str(event.officer_id),
        date=event.qualified_on,
        title=f"{event.get_weapon_type_display()} qualification ({event.course_of_fire})",
        kind="qualification",
        qualification="firearms",
        weapon_type=event.weapon_type,
        result="pass" if event.passed else "fail",
        score_percent=percent,
        voided=event.voided_at is not None,
        void_reason=event.void_reason,
    )


def record_facts(
    officer_ids: Iterable[int], start: dt.date, end: dt.date, labels: Iterable[str] = ()
) -> dict[int, list[RecordFacts]]:
    """Records and qualifications dated in [start, end] (or made up for `labels`), by officer.

    Three queries however many officers: records, their topics, and qualifications.
    """
    ids = list(officer_ids)
    out: dict[int, list[RecordFacts]] = defaultdict(list)
    records = list(
        TrainingRecord.objects.filter(officer_id__in=ids)
        .filter(Q(completed_on__range=(start, end)) | Q(attributed_to_period__in=list(labels)))
        .order_by()
    )
    topics: dict[int, set[str]] = defaultdict(set)
    through = TrainingRecord.topics.through.objects.filter(
        trainingrecord_id__in=[r.pk for r in records]
    ).values_list("trainingrecord_id", "topic__code")
    for record_id, code in through:
        topics[record_id].add(code)
    for record in records:
        out[record.officer_id].append(_record_fact(record, frozenset(topics.get(record.pk, ()))))
    for event in QualificationEvent.objects.filter(
        officer_id__in=ids, qualified_on__range=(start, end)
    ).order_by():
        out[event.officer_id].append(_qualification_fact(event))
    return out


def planned_facts(officer: Officer) -> list[RecordFacts]:
    """The officer's enrolled, upcoming sessions as planned records (for the what-if)."""
    sessions = (
        Session.objects.filter(
            enrolments__officer=officer,
            enrolments__status=EnrolmentStatus.ENROLLED,
            status=SessionStatus.SCHEDULED,
            starts_at__gte=timezone.now(),
        )
        .select_related("course")
        .prefetch_related("course__topics")
    )
    zone = officer.agency.zone
    return [
        RecordFacts(
            record_id=f"planned-{s.pk}",
            officer_id=str(officer.pk),
            date=s.ends_at.astimezone(zone).date(),
            title=f"{s.course.course_id} {s.course.title}",
            minutes=s.course.credit_minutes,
            delivery=s.course.delivery,
            category=s.course.category,
            topics=frozenset(t.code for t in s.course.topics.all()),
            approved_provider=s.course.approved_provider,
            planned=True,
        )
        for s in sessions
    ]
