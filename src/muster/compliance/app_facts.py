"""From the application's records to the evaluator's plain facts (the only ORM-aware part)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

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


_RECORD_COLUMNS = (
    "pk", "officer_id", "completed_on", "course_code", "title", "minutes", "credit_hours",
    "semester_hours", "kind", "delivery", "participation", "category", "approved_provider",
    "voided_at", "void_reason", "attributed_to_period",
)  # fmt: skip


def _record_fact(row: tuple[Any, ...], topics: frozenset[str]) -> RecordFacts:
    (pk, officer_id, completed_on, course_code, title, minutes, credit_hours, semester_hours,
     kind, delivery, participation, category, approved, voided_at, void_reason,
     attributed) = row  # fmt: skip
    return RecordFacts(
        record_id=str(pk),
        officer_id=str(officer_id),
        date=completed_on,
        title=f"{course_code} {title}".strip(),
        kind="training",
        minutes=minutes,
        hours=credit_hours,
        semester_hours=semester_hours,
        delivery="college" if kind == RecordKind.COLLEGE else delivery,
        role="instructor" if participation == Participation.INSTRUCTOR else "attendee",
        category=category,
        topics=topics,
        approved_provider=approved,
        voided=voided_at is not None,
        void_reason=void_reason,
        attributed_to=attributed,
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
    # Plain tuples, not model instances: this runs inside every change to an officer's record.
    in_scope = TrainingRecord.objects.filter(officer_id__in=ids).filter(
        Q(completed_on__range=(start, end)) | Q(attributed_to_period__in=list(labels))
    )
    rows = list(in_scope.order_by().values_list(*_RECORD_COLUMNS))
    topics: dict[int, set[str]] = defaultdict(set)
    through = TrainingRecord.topics.through.objects.filter(
        trainingrecord_id__in=in_scope.values("pk")
    ).values_list("trainingrecord_id", "topic__code")
    for record_id, code in through:
        topics[record_id].add(code)
    interned: dict[frozenset[str], frozenset[str]] = {}
    for row in rows:
        codes = frozenset(topics.get(row[0], ()))
        out[row[1]].append(_record_fact(row, interned.setdefault(codes, codes)))
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
