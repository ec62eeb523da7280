"""The record series a schedule can cover: where each one's records are, which date each
record carries, whose hold keeps it, what still depends on it, and how it is disposed of.

Only finished work is ever a candidate: an outside-training submission that was decided or
withdrawn, a roll-call report the Training Unit entered, a closed or cancelled session, a
certification request POST decided or that was withdrawn. Open work is never due.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, TypeVar

from django.db import models
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce, Greatest, TruncDate

from muster.agencies.models import Agency
from muster.certification.models import CertificationRequest, PacketDocument, RequestStatus
from muster.outside.models import OutsideTrainingSubmission, SubmissionReview, SubmissionStatus
from muster.people.models import Officer, OfficerStatus
from muster.release.models import Disclosure, ReleaseRequest, ReleaseStatus
from muster.retention.models import Series
from muster.rollcall.models import ReportStatus, RollCallRecord, RollCallReport
from muster.training.models import (
    Enrolment,
    QualificationEvent,
    Session,
    SessionStatus,
    SignIn,
    TrainingRecord,
)

CHUNK = 500
_K = TypeVar("_K", int, str)

# A record is named by its series and id, everywhere in this app.
Key = tuple[str, int]


def chunks(values: Iterable[_K], size: int = CHUNK) -> Iterator[list[_K]]:
    """Ids (or file names) in sorted slices short enough for any database's IN clause."""
    ordered = sorted(values)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


@dataclass(frozen=True)
class Candidate:
    """A finished record whose schedule might make it due: its date, its officer, and
    the officers whose legal hold would keep it."""

    series: str
    object_id: int
    record_date: dt.date
    officer_id: int | None = None
    separated_on: dt.date | None = None
    hold_officer_ids: frozenset[int] = frozenset()

    @property
    def key(self) -> Key:
        """The record's series and id."""
        return (self.series, self.object_id)


@dataclass
class Disposal:
    """What disposing of some records left to do after the rows are gone."""

    file_names: list[str]
    officer_ids: set[int]


class RecordSeries:
    """One series: subclasses name the model, the date, and what disposal deletes."""

    code: ClassVar[str]
    noun: ClassVar[str]  # one record, as the tombstone names it
    model: ClassVar[type[models.Model]]
    # The way from a row to its officer, for series of one officer's records.
    officer_field: ClassVar[str | None] = None

    @property
    def label(self) -> str:
        """The series' name."""
        return str(Series(self.code).label)

    @property
    def object_type(self) -> str:
        """The audit log's name for the record's model."""
        return self.model._meta.label_lower

    def base(self, agency: Agency) -> models.QuerySet[Any]:
        """The agency's finished records of this series, each annotated with `record_day`."""
        raise NotImplementedError

    def candidates(
        self, agency: Agency, *, date_bound: dt.date | None, separated_bound: dt.date | None
    ) -> list[Candidate]:
        """Records that may be due: dated on or before `date_bound`, or (per officer) whose
        officer separated on or before `separated_bound`."""
        rows = self.base(agency)
        if date_bound is not None:
            rows = rows.filter(record_day__lte=date_bound)
        if separated_bound is not None:
            if self.officer_field is None:
                return []
            rows = rows.filter(
                **{
                    f"{self.officer_field}__status": OfficerStatus.SEPARATED,
                    f"{self.officer_field}__separated_on__lte": separated_bound,
                }
            )
        if self.officer_field is None:
            found = list(rows.values_list("pk", "record_day"))
            holders = self.hold_officers([pk for pk, _ in found])
            return [
                Candidate(self.code, pk, day, hold_officer_ids=frozenset(holders.get(pk, ())))
                for pk, day in found
            ]
        officer = self.officer_field
        out = []
        for pk, day, officer_id, status, separated in rows.values_list(
            "pk", "record_day", f"{officer}_id", f"{officer}__status", f"{officer}__separated_on"
        ):
            out.append(
                Candidate(
                    self.code,
                    pk,
                    day,
                    officer_id=officer_id,
                    separated_on=separated if status == OfficerStatus.SEPARATED else None,
                    hold_officer_ids=frozenset({officer_id}),
                )
            )
        return out

    def hold_officers(self, pks: Collection[int]) -> dict[int, set[int]]:
        """For series not kept per officer: the officers each record concerns."""
        return {}

    def blockers(self, pks: Collection[int], disposing: set[Key]) -> dict[int, str]:
        """Records that must stay because something pointing at them is not disposed of
        with them, and why."""
        return {}

    def describe(self, pks: Collection[int]) -> dict[int, str]:
        """A short description of each record that still exists (for the custodian's
        pages; never written to the audit log)."""
        raise NotImplementedError

    def dispose(self, pks: Collection[int]) -> Disposal:
        """Delete the records and what belongs only to them; runs in the caller's
        transaction, which also writes the tombstones."""
        raise NotImplementedError


def _superseded_blockers(
    model: type[models.Model], code: str, pks: Collection[int], disposing: set[Key]
) -> dict[int, str]:
    """An append-only row stays while a correction of it stays."""
    out: dict[int, str] = {}
    for chunk in chunks(pks):
        for corrected, correction in model._base_manager.filter(
            supersedes_id__in=chunk
        ).values_list("supersedes_id", "pk"):
            if (code, correction) not in disposing:
                out[corrected] = f"its correction (#{correction}) is kept"
    return out


class TrainingRecords(RecordSeries):
    """Training records, dated by completion."""

    code = Series.TRAINING_RECORDS
    noun = "Training record"
    model = TrainingRecord
    officer_field = "officer"

    def base(self, agency: Agency) -> models.QuerySet[Any]:
        return TrainingRecord._base_manager.filter(officer__agency=agency).annotate(
            record_day=F("completed_on")
        )

    def blockers(self, pks: Collection[int], disposing: set[Key]) -> dict[int, str]:
        out = _superseded_blockers(TrainingRecord, self.code, pks, disposing)
        for chunk in chunks(pks):
            for record_id, submission in OutsideTrainingSubmission.objects.filter(
                record_id__in=chunk
            ).values_list("record_id", "pk"):
                if (Series.OUTSIDE_SUBMISSIONS, submission) not in disposing:
                    out[record_id] = f"its outside-training submission (#{submission}) is kept"
        return out

    def describe(self, pks: Collection[int]) -> dict[int, str]:
        out = {}
        for chunk in chunks(pks):
            for pk, code, title, voided in TrainingRecord._base_manager.filter(
                pk__in=chunk
            ).values_list("pk", "course_code", "title", "voided_at"):
                text = f"{code} {title}".strip()
                out[pk] = f"{text} (voided)" if voided else text
        return out

    def dispose(self, pks: Collection[int]) -> Disposal:
        officers: set[int] = set()
        names: list[str] = []
        for chunk in chunks(pks):
            officers.update(
                TrainingRecord._base_manager.filter(pk__in=chunk).values_list(
                    "officer_id", flat=True
                )
            )
            # The link to the roll-call report it came from belongs to the record.
            RollCallRecord.objects.filter(record_id__in=chunk).delete()
        names.extend(TrainingRecord.dispose(pks))
        return Disposal(names, officers)


class Qualifications(RecordSeries):
    """Firearms qualification shoots, dated by the day of the shoot."""

    code = Series.QUALIFICATIONS
    noun = "Firearms qualification"
    model = QualificationEvent
    officer_field = "officer"

    def base(self, agency: Agency) -> models.QuerySet[Any]:
        return QualificationEvent._base_manager.filter(officer__agency=agency).annotate(
            record_day=F("qualified_on")
        )

    def blockers(self, pks: Collection[int], disposing: set[Key]) -> dict[int, str]:
        return _superseded_blockers(QualificationEvent, self.code, pks, disposing)

    def describe(self, pks: Collection[int]) -> dict[int, str]:
        out = {}
        for chunk in chunks(pks):
            for row in QualificationEvent._base_manager.filter(pk__in=chunk):
                out[row.pk] = f"{row.get_weapon_type_display()}, {row.course_of_fire}"
        return out

    def dispose(self, pks: Collection[int]) -> Disposal:
        officers: set[int] = set()
        for chunk in chunks(pks):
            officers.update(
                QualificationEvent._base_manager.filter(pk__in=chunk).values_list(
                    "officer_id", flat=True
                )
            )
        return Disposal(QualificationEvent.dispose(pks), officers)


class OutsideSubmissions(RecordSeries):
    """Decided or withdrawn outside-training submissions with their certificates, dated by
    the end of the training. Disposing of one keeps the training record it became."""

    code = Series.OUTSIDE_SUBMISSIONS
    noun = "Outside-training submission"
    model = OutsideTrainingSubmission
    officer_field = "officer"
    FINISHED = (SubmissionStatus.APPROVED, SubmissionStatus.DENIED, SubmissionStatus.WITHDRAWN)

    def base(self, agency: Agency) -> models.QuerySet[Any]:
        return OutsideTrainingSubmission.objects.filter(
            officer__agency=agency, status__in=self.FINISHED
        ).annotate(record_day=TruncDate("ends_at", tzinfo=agency.zone))

    def describe(self, pks: Collection[int]) -> dict[int, str]:
        out = {}
        for chunk in chunks(pks):
            for row in OutsideTrainingSubmission.objects.filter(pk__in=chunk):
                out[row.pk] = f"{row.title} ({row.get_status_display().lower()})"
        return out

    def dispose(self, pks: Collection[int]) -> Disposal:
        names: list[str] = []
        for chunk in chunks(pks):
            rows = OutsideTrainingSubmission.objects.filter(pk__in=chunk)
            names.extend(name for name in rows.values_list("certificate", flat=True) if name)
            SubmissionReview.objects.filter(submission_id__in=chunk).delete()
            rows.delete()
        return Disposal(names, set())


class SignInSheets(RecordSeries):
    """The sign-ins and the scanned paper sheet of a closed or cancelled session, dated by
    the session's end. The session itself, and the records it gave, stay."""

    code = Series.SIGN_IN_SHEETS
    noun = "Sign-in sheet of session"
    model = Session

    @property
    def object_type(self) -> str:
        return "training.session.sign_in_sheet"

    def base(self, agency: Agency) -> models.QuerySet[Any]:
        has_sheet = Q(pk__in=SignIn.objects.values("session_id")) | ~Q(paper_sheet="")
        return Session.objects.filter(
            has_sheet,
            course__agency=agency,
            status__in=(SessionStatus.CLOSED, SessionStatus.CANCELLED),
        ).annotate(record_day=TruncDate("ends_at", tzinfo=agency.zone))

    def hold_officers(self, pks: Collection[int]) -> dict[int, set[int]]:
        # Everyone the sheet names: who signed, and who was on its roster or taught the
        # session (the printed roster lists them too), so a hold on any of them keeps it.
        out: dict[int, set[int]] = defaultdict(set)
        for chunk in chunks(pks):
            for session_id, officer_id in SignIn.objects.filter(session_id__in=chunk).values_list(
                "session_id", "officer_id"
            ):
                out[session_id].add(officer_id)
            for session_id, officer_id in Enrolment.objects.filter(
                session_id__in=chunk
            ).values_list("session_id", "officer_id"):
                out[session_id].add(officer_id)
            for session_id, officer_id in Session.instructors.through.objects.filter(
                session_id__in=chunk
            ).values_list("session_id", "officer_id"):
                out[session_id].add(officer_id)
        return out

    def describe(self, pks: Collection[int]) -> dict[int, str]:
        out = {}
        counts: dict[int, int] = defaultdict(int)
        for chunk in chunks(pks):
            for session_id in SignIn.objects.filter(session_id__in=chunk).values_list(
                "session_id", flat=True
            ):
                counts[session_id] += 1
            for session in Session.objects.filter(pk__in=chunk).select_related("course"):
                scan = ", paper scan" if session.paper_sheet else ""
                out[session.pk] = (
                    f"{session.course.course_id} {session.course.title}: "
                    f"{counts[session.pk]} sign-ins{scan}"
                )
        return out

    def dispose(self, pks: Collection[int]) -> Disposal:
        names: list[str] = []
        for chunk in chunks(pks):
            sessions = Session.objects.filter(pk__in=chunk)
            names.extend(name for name in sessions.values_list("paper_sheet", flat=True) if name)
            SignIn.objects.filter(session_id__in=chunk).delete()
            sessions.update(paper_sheet="")
        return Disposal(names, set())


class RollCallReports(RecordSeries):
    """Roll-call reports the Training Unit entered, dated by the roll-call. The training
    records entered from a report stay (they are their own series)."""

    code = Series.ROLL_CALL_REPORTS
    noun = "Roll-call report"
    model = RollCallReport

    def base(self, agency: Agency) -> models.QuerySet[Any]:
        return RollCallReport.objects.filter(agency=agency, status=ReportStatus.ENTERED).annotate(
            record_day=F("held_on")
        )

    def hold_officers(self, pks: Collection[int]) -> dict[int, set[int]]:
        out: dict[int, set[int]] = defaultdict(set)
        through = RollCallReport.attendees.through
        for chunk in chunks(pks):
            for report_id, officer_id in through.objects.filter(
                rollcallreport_id__in=chunk
            ).values_list("rollcallreport_id", "officer_id"):
                out[report_id].add(officer_id)
            for report_id, officer_id in RollCallReport.objects.filter(
                pk__in=chunk, instructor__isnull=False
            ).values_list("pk", "instructor_id"):
                out[report_id].add(officer_id)
        return out

    def describe(self, pks: Collection[int]) -> dict[int, str]:
        out = {}
        for chunk in chunks(pks):
            for report in RollCallReport.objects.filter(pk__in=chunk).select_related("unit"):
                out[report.pk] = f"{report.title} ({report.unit})"
        return out

    def dispose(self, pks: Collection[int]) -> Disposal:
        for chunk in chunks(pks):
            RollCallRecord.objects.filter(report_id__in=chunk).delete()
            RollCallReport.objects.filter(pk__in=chunk).delete()
        return Disposal([], set())


class CertificationPackets(RecordSeries):
    """POST certification requests that were decided or withdrawn, with their packets,
    dated by POST's decision (or the first delivery when there was none)."""

    code = Series.CERTIFICATION_PACKETS
    noun = "Certification request"
    model = CertificationRequest
    FINISHED = (RequestStatus.CERTIFIED, RequestStatus.REJECTED_BY_POST, RequestStatus.WITHDRAWN)

    def base(self, agency: Agency) -> models.QuerySet[Any]:
        return CertificationRequest.objects.filter(
            agency=agency, status__in=self.FINISHED
        ).annotate(record_day=Coalesce("post_decision_on", "first_delivery_on"))

    def hold_officers(self, pks: Collection[int]) -> dict[int, set[int]]:
        out: dict[int, set[int]] = defaultdict(set)
        for chunk in chunks(pks):
            for pk, liaison in CertificationRequest.objects.filter(pk__in=chunk).values_list(
                "pk", "liaison_id"
            ):
                out[pk].add(liaison)
        return out

    def describe(self, pks: Collection[int]) -> dict[int, str]:
        out = {}
        for chunk in chunks(pks):
            for request in CertificationRequest.objects.filter(pk__in=chunk):
                out[request.pk] = f"{request.class_name} ({request.get_status_display().lower()})"
        return out

    def dispose(self, pks: Collection[int]) -> Disposal:
        names: list[str] = []
        for chunk in chunks(pks):
            names.extend(
                name
                for name in PacketDocument.objects.filter(request_id__in=chunk).values_list(
                    "file", flat=True
                )
                if name
            )
            # The packet's documents go with the request (they cascade).
            CertificationRequest.objects.filter(pk__in=chunk).delete()
        return Disposal(names, set())


class ReleaseRequests(RecordSeries):
    """Records release requests that were denied, withdrawn or released, with their
    disclosure log, dated by their last event (the last package produced, the decision or
    the withdrawal). Approved requests not yet released are open work."""

    code = Series.RELEASE_REQUESTS
    noun = "Records release request"
    model = ReleaseRequest
    officer_field = "officer"
    FINISHED = (ReleaseStatus.DENIED, ReleaseStatus.WITHDRAWN, ReleaseStatus.RELEASED)

    def base(self, agency: Agency) -> models.QuerySet[Any]:
        created = F("created_at")
        last_event = Greatest(
            Coalesce(Max("disclosures__produced_at"), created),
            Coalesce("decided_at", created),
            Coalesce("withdrawn_at", created),
        )
        return ReleaseRequest.objects.filter(agency=agency, status__in=self.FINISHED).annotate(
            record_day=TruncDate(last_event, tzinfo=agency.zone)
        )

    def describe(self, pks: Collection[int]) -> dict[int, str]:
        out = {}
        for chunk in chunks(pks):
            for request in ReleaseRequest.objects.filter(pk__in=chunk):
                out[request.pk] = f"{request.number} ({request.get_status_display().lower()})"
        return out

    def dispose(self, pks: Collection[int]) -> Disposal:
        for chunk in chunks(pks):
            # The disclosure log of a request is part of it (its packages are not stored).
            Disclosure.objects.filter(request_id__in=chunk).delete()
            ReleaseRequest.objects.filter(pk__in=chunk).delete()
        return Disposal([], set())


# In the order disposal runs: what points at a training record goes before it.
SERIES: dict[str, RecordSeries] = {
    s.code: s
    for s in (
        OutsideSubmissions(),
        TrainingRecords(),
        Qualifications(),
        RollCallReports(),
        SignInSheets(),
        CertificationPackets(),
        ReleaseRequests(),
    )
}


def officer_labels(officer_ids: Iterable[int]) -> dict[int, str]:
    """ "Last, First #serial" for each officer."""
    out = {}
    for chunk in chunks(set(officer_ids)):
        for officer in Officer.objects.filter(pk__in=chunk).only(
            "first_name", "last_name", "serial_number"
        ):
            out[officer.pk] = f"{officer.sort_name} #{officer.serial_number}"
    return out


def period_end_of(agency: Agency) -> Callable[[dt.date], dt.date]:
    """The last day of the agency's rule-pack period that contains a day (the calendar
    year when the pack's periods start on each officer's own date)."""

    @cache
    def end(day: dt.date) -> dt.date:
        try:
            return agency.training_year(day)[1]
        except ValueError:
            return dt.date(day.year, 12, 31)

    return end
