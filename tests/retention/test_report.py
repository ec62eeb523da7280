"""The disposition report: what is due under each trigger and series, and what is kept."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from muster.certification.models import CertificationRequest, RequestStatus
from muster.core.services import SYSTEM
from muster.outside.models import OutsideTrainingSubmission, SubmissionStatus
from muster.retention.models import Series, Trigger
from muster.retention.report import disposition_report
from muster.retention.services import place_hold, propose_batch, release_hold
from muster.rollcall.models import ReportStatus, RollCallRecord, RollCallReport
from muster.training.models import SessionStatus, SignIn
from tests.factories import (
    CourseFactory,
    OfficerFactory,
    QualificationFactory,
    SessionFactory,
    TrainingRecordFactory,
)
from tests.retention.helpers import (
    CHICAGO,
    TODAY,
    approved_submission,
    release_request,
    schedule,
    separate,
)


def due_keys(agency, today=TODAY):
    return {r.key for r in disposition_report(agency, today=today).due}


def test_nothing_is_due_without_a_schedule(world):
    TrainingRecordFactory(officer=world.officer, completed_on=dt.date(2016, 1, 4))
    assert due_keys(world.agency) == set()


def test_a_permanent_schedule_keeps_every_record(world):
    TrainingRecordFactory(officer=world.officer, completed_on=dt.date(2016, 1, 4))
    schedule(world.agency, Series.TRAINING_RECORDS, None, Trigger.RECORD_DATE)
    assert due_keys(world.agency) == set()


def test_from_the_records_date_a_record_is_due_the_day_after_its_last_anniversary(world):
    schedule(world.agency, Series.TRAINING_RECORDS, 3, Trigger.RECORD_DATE)
    old = TrainingRecordFactory(officer=world.officer, completed_on=dt.date(2023, 11, 19))
    edge = TrainingRecordFactory(officer=world.officer, completed_on=dt.date(2023, 11, 20))
    TrainingRecordFactory(officer=world.officer, completed_on=dt.date(2024, 1, 5))
    assert due_keys(world.agency) == {(Series.TRAINING_RECORDS, old.pk)}
    assert due_keys(world.agency, dt.date(2026, 11, 21)) == {
        (Series.TRAINING_RECORDS, old.pk),
        (Series.TRAINING_RECORDS, edge.pk),
    }
    (record,) = disposition_report(world.agency, today=TODAY).due
    assert record.trigger_date == dt.date(2023, 11, 19)
    assert record.due_on == dt.date(2026, 11, 20)


def test_from_separation_only_separated_officers_records_are_due(world):
    schedule(world.agency, Series.QUALIFICATIONS, 5, Trigger.SEPARATION)
    serving = QualificationFactory(officer=world.officer, qualified_on=dt.date(2016, 4, 1))
    gone_long = separate(OfficerFactory(agency=world.agency), dt.date(2021, 6, 1))
    gone_lately = separate(OfficerFactory(agency=world.agency), dt.date(2022, 6, 1))
    due = QualificationFactory(officer=gone_long, qualified_on=dt.date(2021, 5, 1))
    QualificationFactory(officer=gone_lately, qualified_on=dt.date(2016, 5, 1))
    assert due_keys(world.agency) == {(Series.QUALIFICATIONS, due.pk)}
    (record,) = disposition_report(world.agency, today=TODAY).due
    assert record.trigger_date == dt.date(2021, 6, 1)
    assert record.officer_id == gone_long.pk
    assert serving.pk not in {r.object_id for r in disposition_report(world.agency).due}


def test_an_officer_who_returned_to_service_is_not_separated(world):
    schedule(world.agency, Series.TRAINING_RECORDS, 1, Trigger.SEPARATION)
    officer = OfficerFactory(agency=world.agency, separated_on=dt.date(2018, 1, 1))
    TrainingRecordFactory(officer=officer, completed_on=dt.date(2017, 1, 1))
    assert officer.status == "active"
    assert due_keys(world.agency) == set()


def test_from_the_end_of_the_period_follows_the_agencys_rule_pack_year(world):
    # Missouri counts calendar years; Kansas from July 1 to June 30.
    schedule(world.agency, Series.TRAINING_RECORDS, 3, Trigger.PERIOD_END)
    schedule(world.other_agency, Series.TRAINING_RECORDS, 3, Trigger.PERIOD_END)
    mo_old = TrainingRecordFactory(officer=world.officer, completed_on=dt.date(2022, 12, 30))
    TrainingRecordFactory(officer=world.officer, completed_on=dt.date(2023, 1, 2))
    ks_old = TrainingRecordFactory(officer=world.outsider, completed_on=dt.date(2023, 6, 20))
    TrainingRecordFactory(officer=world.outsider, completed_on=dt.date(2023, 7, 2))
    assert due_keys(world.agency) == {(Series.TRAINING_RECORDS, mo_old.pk)}
    (record,) = disposition_report(world.agency, today=TODAY).due
    assert record.trigger_date == dt.date(2022, 12, 31)
    assert record.due_on == dt.date(2026, 1, 1)
    assert due_keys(world.other_agency) == {(Series.TRAINING_RECORDS, ks_old.pk)}


def test_each_agency_sees_only_its_own_records(world):
    schedule(world.agency, Series.TRAINING_RECORDS, 1, Trigger.RECORD_DATE)
    TrainingRecordFactory(officer=world.outsider, completed_on=dt.date(2016, 1, 4))
    assert due_keys(world.agency) == set()


def test_a_hold_on_the_officer_keeps_their_records_and_no_one_elses(world):
    schedule(world.agency, Series.TRAINING_RECORDS, 1, Trigger.RECORD_DATE)
    held = TrainingRecordFactory(officer=world.officer, completed_on=dt.date(2016, 1, 4))
    free = TrainingRecordFactory(officer=world.colleague, completed_on=dt.date(2016, 1, 4))
    hold = place_hold(
        acting_user=world.custodian_user, agency=world.agency, officer=world.officer, reason="Suit"
    )
    report = disposition_report(world.agency)
    assert {r.key for r in report.due} == {(Series.TRAINING_RECORDS, free.pk)}
    assert {r.key for r in report.held} == {(Series.TRAINING_RECORDS, held.pk)}
    assert report.summaries[1].held == 1
    release_hold(acting_user=world.custodian_user, hold=hold, reason="Suit settled")
    assert (Series.TRAINING_RECORDS, held.pk) in due_keys(world.agency)


def test_a_hold_on_the_whole_agency_keeps_every_series(world):
    schedule(world.agency, Series.TRAINING_RECORDS, 1, Trigger.RECORD_DATE)
    schedule(world.agency, Series.SIGN_IN_SHEETS, 1, Trigger.RECORD_DATE)
    TrainingRecordFactory(officer=world.colleague, completed_on=dt.date(2016, 1, 4))
    session = _closed_session(world, dt.date(2016, 2, 2))
    SignIn.objects.create(
        session=session,
        officer=world.colleague,
        method="kiosk",
        signed_in_at=session.starts_at,
        recorded_by=world.training_user,
    )
    place_hold(acting_user=world.custodian_user, agency=world.agency, reason="Records request")
    report = disposition_report(world.agency)
    assert report.due == []
    assert len(report.held) == 2


def _closed_session(world, day, **fields):
    starts = dt.datetime.combine(day, dt.time(9, 0), tzinfo=CHICAGO)
    return SessionFactory(
        course=CourseFactory(agency=world.agency),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        status=SessionStatus.CLOSED,
        **fields,
    )


def test_a_sign_in_sheet_is_held_when_anyone_on_it_is_held(world):
    schedule(world.agency, Series.SIGN_IN_SHEETS, 3, Trigger.PERIOD_END)
    held_sheet = _closed_session(world, dt.date(2019, 3, 1))
    paper_only = _closed_session(
        world, dt.date(2019, 4, 1), paper_sheet=ContentFile(b"%PDF-1.4 %%EOF", name="s.pdf")
    )
    _closed_session(world, dt.date(2019, 5, 1))  # no sign-ins and no scan: nothing to keep
    SessionFactory(
        course=CourseFactory(agency=world.agency),
        starts_at=dt.datetime(2019, 6, 1, 15, tzinfo=dt.UTC),
        ends_at=dt.datetime(2019, 6, 1, 17, tzinfo=dt.UTC),
    )  # still scheduled: open work is never due
    for officer in (world.officer, world.colleague):
        SignIn.objects.create(
            session=held_sheet,
            officer=officer,
            method="phone",
            signed_in_at=held_sheet.starts_at,
            recorded_by=world.training_user,
        )
    place_hold(
        acting_user=world.custodian_user, agency=world.agency, officer=world.officer, reason="Suit"
    )
    report = disposition_report(world.agency)
    assert {r.key for r in report.due} == {(Series.SIGN_IN_SHEETS, paper_only.pk)}
    assert {r.key for r in report.held} == {(Series.SIGN_IN_SHEETS, held_sheet.pk)}


def test_only_finished_outside_submissions_entered_roll_calls_and_decided_requests(world):
    for series in (
        Series.OUTSIDE_SUBMISSIONS,
        Series.ROLL_CALL_REPORTS,
        Series.CERTIFICATION_PACKETS,
    ):
        schedule(world.agency, series, 1, Trigger.RECORD_DATE)
    submission, _record = approved_submission(world, world.officer, dt.date(2020, 3, 3))
    waiting, _ = approved_submission(world, world.colleague, dt.date(2020, 3, 3))
    OutsideTrainingSubmission.objects.filter(pk=waiting.pk).update(
        status=SubmissionStatus.SUBMITTED, record=None
    )
    entered = _roll_call(world, dt.date(2020, 5, 5), ReportStatus.ENTERED)
    _roll_call(world, dt.date(2020, 5, 6), ReportStatus.FORWARDED)
    decided = _request(world, RequestStatus.WITHDRAWN)
    _request(world, RequestStatus.SUBMITTED)
    assert due_keys(world.agency) == {
        (Series.OUTSIDE_SUBMISSIONS, submission.pk),
        (Series.ROLL_CALL_REPORTS, entered.pk),
        (Series.CERTIFICATION_PACKETS, decided.pk),
    }


def _roll_call(world, day, status):
    course = CourseFactory(agency=world.agency)
    report = RollCallReport.objects.create(
        agency=world.agency,
        unit=world.patrol,
        documented_by=world.supervisor_user,
        held_on=day,
        minutes=30,
        title="Pursuit policy",
        instructor_name="Sgt. Alvarez",
        status=status,
        forwarded_at=timezone.now(),
        course=course if status == ReportStatus.ENTERED else None,
        entered_at=timezone.now() if status == ReportStatus.ENTERED else None,
    )
    report.attendees.set([world.officer, world.colleague])
    return report


def _request(world, status):
    return CertificationRequest.objects.create(
        agency=world.agency,
        liaison=world.colleague,
        created_by=world.training_user,
        class_name="Crisis negotiation",
        hours=4,
        first_delivery_on=dt.date(2019, 9, 9),
        location="Academy",
        status=status,
    )


def test_a_roll_call_report_is_held_through_its_attendees(world):
    schedule(world.agency, Series.ROLL_CALL_REPORTS, 1, Trigger.RECORD_DATE)
    report = _roll_call(world, dt.date(2020, 5, 5), ReportStatus.ENTERED)
    place_hold(
        acting_user=world.custodian_user,
        agency=world.agency,
        officer=world.colleague,
        reason="Grievance",
    )
    assert {r.key for r in disposition_report(world.agency).held} == {
        (Series.ROLL_CALL_REPORTS, report.pk)
    }


def test_a_record_stays_while_its_correction_or_its_submission_stays(world):
    schedule(world.agency, Series.TRAINING_RECORDS, 3, Trigger.RECORD_DATE)
    voided = TrainingRecordFactory(
        officer=world.officer,
        completed_on=dt.date(2020, 1, 10),
        voided_at=timezone.now(),
        void_reason="Wrong date",
    )
    correction = TrainingRecordFactory(
        officer=world.officer, completed_on=dt.date(2024, 1, 10), supersedes=voided
    )
    _submission, from_outside = approved_submission(world, world.colleague, dt.date(2020, 3, 3))
    report = disposition_report(world.agency)
    assert report.due == []
    assert set(report.kept) == {
        (Series.TRAINING_RECORDS, voided.pk),
        (Series.TRAINING_RECORDS, from_outside.pk),
    }
    assert f"#{correction.pk}" in report.kept[(Series.TRAINING_RECORDS, voided.pk)]
    # Once the submission is due as well, both may go together.
    schedule(world.agency, Series.OUTSIDE_SUBMISSIONS, 3, Trigger.RECORD_DATE)
    assert (Series.TRAINING_RECORDS, from_outside.pk) in due_keys(world.agency)


def test_a_correction_held_for_its_officer_keeps_the_corrected_record_too(world):
    schedule(world.agency, Series.TRAINING_RECORDS, 1, Trigger.RECORD_DATE)
    voided = TrainingRecordFactory(
        officer=world.officer,
        completed_on=dt.date(2019, 1, 10),
        voided_at=timezone.now(),
        void_reason="Wrong course",
    )
    TrainingRecordFactory(
        officer=world.officer, completed_on=dt.date(2019, 1, 10), supersedes=voided
    )
    place_hold(
        acting_user=world.custodian_user, agency=world.agency, officer=world.officer, reason="Suit"
    )
    assert due_keys(world.agency) == set()


def test_records_in_an_open_batch_are_marked_and_not_proposed_again(world):
    schedule(world.agency, Series.TRAINING_RECORDS, 1, Trigger.RECORD_DATE)
    record = TrainingRecordFactory(officer=world.officer, completed_on=dt.date(2019, 1, 10))
    batch = propose_batch(acting_user=SYSTEM, agency=world.agency)
    report = disposition_report(world.agency)
    assert report.in_batch == {(Series.TRAINING_RECORDS, record.pk): batch.pk}
    assert report.proposable() == []


def test_roll_call_links_do_not_keep_a_record(world):
    schedule(world.agency, Series.TRAINING_RECORDS, 1, Trigger.RECORD_DATE)
    report = _roll_call(world, dt.date(2020, 5, 5), ReportStatus.ENTERED)
    record = TrainingRecordFactory(officer=world.officer, completed_on=dt.date(2020, 5, 5))
    RollCallRecord.objects.create(report=report, record=record)
    assert due_keys(world.agency) == {(Series.TRAINING_RECORDS, record.pk)}


def test_a_release_request_counts_from_its_last_package_and_only_once_finished(world):
    schedule(world.agency, Series.RELEASE_REQUESTS, 5, Trigger.RECORD_DATE)
    denied = release_request(world, world.officer, "denied", dt.date(2021, 11, 1))
    # Decided in 2021, but its package was produced 40 days later: not due until 2026-12-11.
    released = release_request(
        world, world.officer, "released", dt.date(2021, 11, 1), produced=True
    )
    release_request(world, world.colleague, "approved", dt.date(2019, 1, 1))  # still open
    assert due_keys(world.agency) == {(Series.RELEASE_REQUESTS, denied.pk)}
    assert (Series.RELEASE_REQUESTS, released.pk) in due_keys(world.agency, dt.date(2026, 12, 12))


def test_a_hold_on_an_instructor_or_a_no_show_keeps_the_sheet_that_names_them(world):
    from muster.training.models import Enrolment

    schedule(world.agency, Series.SIGN_IN_SHEETS, 1, Trigger.RECORD_DATE)
    sheets = []
    for _ in range(2):
        session = SessionFactory(
            course=CourseFactory(agency=world.agency),
            starts_at=dt.datetime(2019, 6, 1, 15, tzinfo=dt.UTC),
            ends_at=dt.datetime(2019, 6, 1, 17, tzinfo=dt.UTC),
            status=SessionStatus.CLOSED,
        )
        SignIn.objects.create(
            session=session,
            officer=world.traffic_officer,
            method="phone",
            signed_in_at=session.starts_at,
            recorded_by=world.training_user,
        )
        sheets.append(session)
    taught, missed = sheets
    taught.instructors.add(world.officer)
    Enrolment.objects.create(session=missed, officer=world.colleague, status="absent")
    for officer in (world.officer, world.colleague):
        place_hold(
            acting_user=world.custodian_user, agency=world.agency, officer=officer, reason="Suit"
        )
    report = disposition_report(world.agency)
    assert {r.key for r in report.held} == {
        (Series.SIGN_IN_SHEETS, taught.pk),
        (Series.SIGN_IN_SHEETS, missed.pk),
    }
    assert not report.due
