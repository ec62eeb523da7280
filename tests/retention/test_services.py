"""Schedules, legal holds and disposition: who may, what is audited, what is deleted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from muster.accounts.models import Role
from muster.certification.models import CertificationRequest, PacketDocument
from muster.compliance.models import ComplianceSnapshot
from muster.compliance.services import refresh_compliance
from muster.core.audit import verify_chain
from muster.core.models import AuditEvent
from muster.core.services import SYSTEM
from muster.core.uploads import private_storage
from muster.outside.models import OutsideTrainingSubmission, SubmissionReview
from muster.release.models import Disclosure, ReleaseRequest
from muster.retention.defaults import DEFAULTS
from muster.retention.models import (
    BatchStatus,
    DispositionBatch,
    ItemOutcome,
    LegalHold,
    RetentionSchedule,
    Series,
    Trigger,
)
from muster.retention.services import (
    approve_batch,
    cancel_batch,
    execute_batch,
    install_default_schedules,
    place_hold,
    propose_batch,
    release_hold,
    update_schedule,
)
from muster.rollcall.models import RollCallRecord, RollCallReport
from muster.training.models import QualificationEvent, Session, SignIn, TrainingRecord
from tests.conftest import member
from tests.factories import (
    CourseFactory,
    OfficerFactory,
    QualificationFactory,
    SessionFactory,
    TrainingRecordFactory,
    UserFactory,
)
from tests.retention.helpers import (
    CHICAGO,
    approved_submission,
    release_request,
    schedule,
    separate,
)

# --- Schedules ------------------------------------------------------------------------------


def test_starting_schedules_cover_every_series_once_and_are_audited(world):
    made = install_default_schedules(acting_user=world.custodian_user, agency=world.agency)
    assert {s.series for s in made} == set(Series.values) == {d.series for d in DEFAULTS}
    assert all("confirm" in s.citation and "RSMo 109.255" in s.citation for s in made)
    assert AuditEvent.objects.filter(action="retention.schedule_create").count() == len(made)
    assert install_default_schedules(acting_user=world.admin_user, agency=world.agency) == []
    assert RetentionSchedule.objects.filter(agency=world.agency).count() == len(Series.values)


@pytest.mark.parametrize("who", ["training_user", "officer_user", "supervisor_user"])
def test_only_custodians_and_administrators_keep_schedules(world, who):
    with pytest.raises(PermissionDenied):
        install_default_schedules(acting_user=getattr(world, who), agency=world.agency)
    counsel = member(Role.COUNSEL_HR, world.agency)
    with pytest.raises(PermissionDenied):
        install_default_schedules(acting_user=counsel, agency=world.agency)
    assert not RetentionSchedule.objects.exists()


def test_a_custodian_of_another_agency_cannot_change_this_ones_schedule(world):
    row = schedule(world.agency, Series.TRAINING_RECORDS, 5, Trigger.SEPARATION)
    foreign = member(Role.RECORDS_CUSTODIAN, world.other_agency)
    with pytest.raises(PermissionDenied):
        update_schedule(
            acting_user=foreign, schedule=row, years=1, trigger=Trigger.RECORD_DATE, citation="x"
        )
    row.refresh_from_db()
    assert row.years == 5


def test_changing_a_schedule_is_audited_before_and_after(world):
    row = schedule(world.agency, Series.TRAINING_RECORDS, 5, Trigger.SEPARATION)
    update_schedule(
        acting_user=world.admin_user,
        schedule=row,
        years=7,
        trigger=Trigger.RECORD_DATE,
        citation="  MO SoS GS 025  ",
    )
    row.refresh_from_db()
    assert (row.years, row.trigger, row.citation) == (7, "record_date", "MO SoS GS 025")
    assert row.updated_by == world.admin_user
    event = AuditEvent.objects.get(action="retention.schedule_update")
    assert event.before["years"] == 5
    assert event.after["years"] == 7
    update_schedule(
        acting_user=world.admin_user,
        schedule=row,
        years=None,
        trigger=Trigger.RECORD_DATE,
        citation="Permanent",
    )
    row.refresh_from_db()
    assert row.rule_label == "kept permanently"


@pytest.mark.parametrize(
    ("series", "years", "trigger", "citation", "field"),
    [
        (Series.TRAINING_RECORDS, 0, Trigger.RECORD_DATE, "x", "years"),
        (Series.TRAINING_RECORDS, 101, Trigger.RECORD_DATE, "x", "years"),
        (Series.TRAINING_RECORDS, 3, "whenever", "x", "trigger"),
        (Series.SIGN_IN_SHEETS, 3, Trigger.SEPARATION, "x", "trigger"),
        (Series.TRAINING_RECORDS, 3, Trigger.RECORD_DATE, "   ", "citation"),
    ],
)
def test_a_bad_schedule_is_refused_by_field_and_changes_nothing(
    world, series, years, trigger, citation, field
):
    row = schedule(world.agency, series, 5, Trigger.RECORD_DATE)
    with pytest.raises(ValidationError) as err:
        update_schedule(
            acting_user=world.custodian_user,
            schedule=row,
            years=years,
            trigger=trigger,
            citation=citation,
        )
    assert field in err.value.message_dict
    row.refresh_from_db()
    assert row.years == 5
    assert not AuditEvent.objects.filter(action="retention.schedule_update").exists()


# --- Legal holds ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.RECORDS_CUSTODIAN, Role.COUNSEL_HR, Role.AGENCY_ADMIN])
def test_custodians_counsel_and_administrators_place_and_release_holds(world, role):
    user = member(role, world.agency)
    hold = place_hold(acting_user=user, agency=world.agency, officer=world.officer, reason=" Suit ")
    assert hold.reason == "Suit"
    assert hold.placed_by == user
    assert hold.is_active
    release_hold(acting_user=user, hold=hold, reason="Settled")
    assert not hold.is_active
    assert hold.released_by == user
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions[-2:] == ["retention.hold_place", "retention.hold_release"]
    with pytest.raises(ValidationError, match="already been released"):
        release_hold(acting_user=user, hold=hold, reason="Again")


@pytest.mark.parametrize("who", ["training_user", "supervisor_user", "officer_user"])
def test_others_cannot_place_holds(world, who):
    with pytest.raises(PermissionDenied):
        place_hold(acting_user=getattr(world, who), agency=world.agency, reason="Suit")
    assert not LegalHold.objects.exists()


def test_a_hold_needs_a_matter_and_an_officer_of_the_agency(world):
    with pytest.raises(ValidationError) as err:
        place_hold(
            acting_user=world.custodian_user,
            agency=world.agency,
            officer=world.outsider,
            reason=" ",
        )
    assert set(err.value.message_dict) == {"reason", "officer"}
    hold = place_hold(acting_user=world.custodian_user, agency=world.agency, reason="Audit")
    with pytest.raises(ValidationError) as err:
        release_hold(acting_user=world.custodian_user, hold=hold, reason="")
    assert "reason" in err.value.message_dict
    assert LegalHold.objects.get().is_active


# --- Disposition ----------------------------------------------------------------------------


@pytest.fixture
def old_records(world):
    """Three records due under a one-year schedule, and one that is not."""
    schedule(world.agency, Series.TRAINING_RECORDS, 1, Trigger.RECORD_DATE)
    due = [
        TrainingRecordFactory(officer=world.officer, completed_on=dt.date(2018, 3, 1)),
        TrainingRecordFactory(officer=world.colleague, completed_on=dt.date(2018, 4, 1)),
        TrainingRecordFactory(officer=world.traffic_officer, completed_on=dt.date(2018, 5, 1)),
    ]
    TrainingRecordFactory(officer=world.officer, completed_on=dt.date(2026, 5, 1))
    return due


def test_proposing_takes_every_record_due_and_deletes_nothing(world, old_records):
    batch = propose_batch(acting_user=world.admin_user, agency=world.agency, note="Q4")
    assert batch.status == BatchStatus.PROPOSED
    assert batch.proposed_by == world.admin_user
    assert sorted(batch.items.values_list("object_id", flat=True)) == sorted(
        r.pk for r in old_records
    )
    assert TrainingRecord.objects.count() == 4
    event = AuditEvent.objects.get(action="retention.batch_propose")
    assert event.after["records"] == {Series.TRAINING_RECORDS: 3}


def test_proposing_with_nothing_due_is_refused_by_field(world, old_records):
    propose_batch(acting_user=world.custodian_user, agency=world.agency)
    with pytest.raises(ValidationError) as err:
        propose_batch(acting_user=world.custodian_user, agency=world.agency)
    assert "series" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        propose_batch(
            acting_user=world.custodian_user, agency=world.agency, series=Series.QUALIFICATIONS
        )
    assert "series" in err.value.message_dict
    assert DispositionBatch.objects.count() == 1


@pytest.mark.parametrize("who", ["training_user", "officer_user", "supervisor_user"])
def test_only_custodians_and_administrators_propose(world, old_records, who):
    with pytest.raises(PermissionDenied):
        propose_batch(acting_user=getattr(world, who), agency=world.agency)
    assert not DispositionBatch.objects.exists()


def test_nothing_is_disposed_of_without_a_custodians_approval(world, old_records):
    batch = propose_batch(acting_user=world.custodian_user, agency=world.agency)
    with pytest.raises(ValidationError, match="approved"):
        execute_batch(acting_user=world.custodian_user, batch=batch)
    assert TrainingRecord.objects.count() == 4
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PROPOSED
    assert not AuditEvent.objects.filter(action="record.disposed").exists()


@pytest.mark.parametrize("who", ["admin", "counsel", "superuser", "foreign_custodian"])
def test_only_a_custodian_of_the_agency_approves_and_executes(world, old_records, who):
    user = {
        "admin": lambda: world.admin_user,
        "counsel": lambda: member(Role.COUNSEL_HR, world.agency),
        "superuser": lambda: UserFactory(is_superuser=True),
        "foreign_custodian": lambda: member(Role.RECORDS_CUSTODIAN, world.other_agency),
    }[who]()
    batch = propose_batch(acting_user=world.admin_user, agency=world.agency)
    with pytest.raises(PermissionDenied):
        approve_batch(acting_user=user, batch=batch)
    approve_batch(acting_user=world.custodian_user, batch=batch)
    with pytest.raises(PermissionDenied):
        execute_batch(acting_user=user, batch=batch)
    assert TrainingRecord.objects.count() == 4
    with pytest.raises(PermissionDenied):
        approve_batch(acting_user=SYSTEM, batch=batch)


def test_execution_disposes_of_exactly_the_approved_records_with_a_tombstone_each(
    world, old_records
):
    batch = propose_batch(acting_user=world.admin_user, agency=world.agency)
    approve_batch(acting_user=world.custodian_user, batch=batch)
    # Due after the proposal, but not in the batch: it stays.
    late = TrainingRecordFactory(officer=world.colleague, completed_on=dt.date(2019, 1, 1))
    execute_batch(acting_user=world.custodian_user, batch=batch)
    assert set(TrainingRecord.objects.values_list("pk", flat=True)) == {
        late.pk,
        *TrainingRecord.objects.filter(completed_on=dt.date(2026, 5, 1)).values_list(
            "pk", flat=True
        ),
    }
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EXECUTED
    assert batch.executed_by == world.custodian_user
    assert set(batch.items.values_list("outcome", flat=True)) == {ItemOutcome.DISPOSED}
    tombstones = AuditEvent.objects.filter(action="record.disposed")
    assert sorted(int(t.object_id) for t in tombstones) == sorted(r.pk for r in old_records)
    for stone, record in zip(
        tombstones.order_by("object_id"), sorted(old_records, key=lambda r: r.pk), strict=True
    ):
        assert stone.object_type == "training.trainingrecord"
        assert stone.agency_id == world.agency.pk
        assert stone.actor == world.custodian_user
        assert stone.after["batch"] == batch.pk
        assert stone.after["series"] == Series.TRAINING_RECORDS
        assert stone.after["approved_by"] == world.custodian_user.username
        assert stone.after["proposed_by"] == world.admin_user.username
        assert stone.after["officer"] == record.officer_id
        assert stone.after["rule"] == "1 year from the record's date"
        # The tombstone names the record, never its content.
        assert record.title not in str(stone.after)
        assert record.title not in stone.object_label
    assert verify_chain() == []
    # The audit rows of the records' entry are untouched.
    assert AuditEvent.objects.filter(action="retention.batch_execute").get().after["disposed"] == {
        Series.TRAINING_RECORDS: 3
    }


def test_execution_keeps_records_held_or_no_longer_due_and_says_why(world, old_records):
    held, longer, going = old_records
    batch = propose_batch(acting_user=world.admin_user, agency=world.agency)
    approve_batch(acting_user=world.custodian_user, batch=batch)
    place_hold(
        acting_user=world.custodian_user, agency=world.agency, officer=held.officer, reason="Suit"
    )
    # The schedule now counts from separation; the colleague is still serving.
    separate(going.officer, dt.date(2019, 1, 1))
    separate(held.officer, dt.date(2019, 1, 1))
    row = RetentionSchedule.objects.get(series=Series.TRAINING_RECORDS)
    update_schedule(
        acting_user=world.custodian_user,
        schedule=row,
        years=1,
        trigger=Trigger.SEPARATION,
        citation="New schedule",
    )
    execute_batch(acting_user=world.custodian_user, batch=batch)
    remaining = set(TrainingRecord.objects.values_list("pk", flat=True))
    assert held.pk in remaining
    assert longer.pk in remaining
    assert going.pk not in remaining
    (stone,) = AuditEvent.objects.filter(action="record.disposed")
    assert stone.object_id == str(going.pk)
    assert stone.after["rule"] == "1 year from the officer's separation"
    outcomes = {
        pk: (outcome, note)
        for pk, outcome, note in batch.items.values_list("object_id", "outcome", "outcome_note")
    }
    assert outcomes[held.pk] == (ItemOutcome.KEPT, "Kept: under a legal hold.")
    assert outcomes[longer.pk] == (
        ItemOutcome.KEPT,
        "Kept: no longer due under the current schedule.",
    )
    assert outcomes[going.pk] == (ItemOutcome.DISPOSED, "")


def test_a_batch_is_executed_once(world, old_records):
    batch = propose_batch(acting_user=world.custodian_user, agency=world.agency)
    approve_batch(acting_user=world.custodian_user, batch=batch)
    execute_batch(acting_user=world.custodian_user, batch=batch)
    with pytest.raises(ValidationError):
        execute_batch(acting_user=world.custodian_user, batch=batch)
    with pytest.raises(ValidationError):
        approve_batch(acting_user=world.custodian_user, batch=batch)
    with pytest.raises(ValidationError):
        cancel_batch(acting_user=world.custodian_user, batch=batch, reason="Too late")
    assert AuditEvent.objects.filter(action="record.disposed").count() == 3


def test_a_cancelled_batch_is_never_executed_and_frees_its_records(world, old_records):
    batch = propose_batch(acting_user=world.admin_user, agency=world.agency)
    with pytest.raises(ValidationError) as err:
        cancel_batch(acting_user=world.admin_user, batch=batch, reason=" ")
    assert "reason" in err.value.message_dict
    cancel_batch(acting_user=world.admin_user, batch=batch, reason="Schedule under review")
    with pytest.raises(ValidationError):
        approve_batch(acting_user=world.custodian_user, batch=batch)
    assert TrainingRecord.objects.count() == 4
    again = propose_batch(acting_user=world.custodian_user, agency=world.agency)
    assert again.items.count() == 3


def test_an_administrator_cancels_only_their_own_proposal(world, old_records):
    batch = propose_batch(acting_user=world.custodian_user, agency=world.agency)
    with pytest.raises(PermissionDenied):
        cancel_batch(acting_user=world.admin_user, batch=batch, reason="No")
    cancel_batch(acting_user=world.custodian_user, batch=batch, reason="Redo")


def test_disposing_of_records_removes_their_files_after_commit(
    world, django_capture_on_commit_callbacks
):
    schedule(world.agency, Series.TRAINING_RECORDS, 1, Trigger.RECORD_DATE)
    record = TrainingRecordFactory(
        officer=world.officer,
        completed_on=dt.date(2018, 3, 1),
        evidence=ContentFile(b"%PDF-1.4 %%EOF", name="cert.pdf"),
    )
    name = record.evidence.name
    assert private_storage().exists(name)
    batch = propose_batch(acting_user=world.custodian_user, agency=world.agency)
    approve_batch(acting_user=world.custodian_user, batch=batch)
    with django_capture_on_commit_callbacks(execute=True):
        execute_batch(acting_user=world.custodian_user, batch=batch)
    assert not private_storage().exists(name)
    assert not TrainingRecord.objects.filter(pk=record.pk).exists()


def test_a_failed_execution_changes_nothing_and_keeps_every_file(world, monkeypatch):
    schedule(world.agency, Series.TRAINING_RECORDS, 1, Trigger.RECORD_DATE)
    record = TrainingRecordFactory(
        officer=world.officer,
        completed_on=dt.date(2018, 3, 1),
        evidence=ContentFile(b"%PDF-1.4 %%EOF", name="cert.pdf"),
    )
    batch = propose_batch(acting_user=world.custodian_user, agency=world.agency)
    approve_batch(acting_user=world.custodian_user, batch=batch)
    events = AuditEvent.objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("muster.retention.services.recompute_stored_snapshots", broken)
    with pytest.raises(RuntimeError):
        execute_batch(acting_user=world.custodian_user, batch=batch)
    assert TrainingRecord.objects.filter(pk=record.pk).exists()
    assert private_storage().exists(record.evidence.name)
    assert AuditEvent.objects.count() == events
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED


def test_every_series_is_disposed_of_with_what_belongs_only_to_it(
    world, django_capture_on_commit_callbacks
):
    for series in Series.values:
        schedule(world.agency, series, 1, Trigger.RECORD_DATE)
    officer = world.officer
    submission, from_outside = approved_submission(world, officer, dt.date(2019, 3, 3))
    certificate = submission.certificate.name
    voided = TrainingRecordFactory(
        officer=officer,
        completed_on=dt.date(2019, 1, 10),
        voided_at=timezone.now(),
        void_reason="Wrong date",
    )
    correction = TrainingRecordFactory(
        officer=officer, completed_on=dt.date(2019, 1, 11), supersedes=voided
    )
    shoot = QualificationFactory(officer=officer, qualified_on=dt.date(2019, 4, 1))
    starts = dt.datetime(2019, 2, 2, 9, 0, tzinfo=CHICAGO)
    session = SessionFactory(
        course=CourseFactory(agency=world.agency),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        status="closed",
        paper_sheet=ContentFile(b"%PDF-1.4 %%EOF", name="sheet.pdf"),
    )
    sheet = session.paper_sheet.name
    SignIn.objects.create(
        session=session,
        officer=officer,
        method="paper",
        signed_in_at=starts,
        recorded_by=world.training_user,
    )
    from_session = TrainingRecordFactory(
        officer=officer, completed_on=dt.date(2019, 2, 2), session=session, course=session.course
    )
    report = RollCallReport.objects.create(
        agency=world.agency,
        unit=world.patrol,
        documented_by=world.supervisor_user,
        held_on=dt.date(2019, 5, 5),
        minutes=30,
        title="Pursuit policy",
        instructor_name="Sgt. Alvarez",
        status="entered",
        forwarded_at=timezone.now(),
        course=CourseFactory(agency=world.agency),
        entered_at=timezone.now(),
    )
    report.attendees.set([officer])
    from_roll_call = TrainingRecordFactory(officer=officer, completed_on=dt.date(2019, 5, 5))
    RollCallRecord.objects.create(report=report, record=from_roll_call)

    request = CertificationRequest.objects.create(
        agency=world.agency,
        liaison=world.colleague,
        created_by=world.training_user,
        class_name="Crisis negotiation",
        hours=4,
        first_delivery_on=dt.date(2019, 9, 9),
        location="Academy",
        status="rejected_by_post",
        post_decision_on=dt.date(2019, 10, 1),
    )
    document = PacketDocument.objects.create(
        request=request,
        kind="lesson_plan",
        file=ContentFile(b"%PDF-1.4 %%EOF", name="plan.pdf"),
        original_name="plan.pdf",
        uploaded_by=world.training_user,
    )
    packet = document.file.name

    release = release_request(world, officer, "released", dt.date(2019, 6, 1), produced=True)

    batch = propose_batch(acting_user=world.custodian_user, agency=world.agency)
    assert batch.items.count() == 11
    approve_batch(acting_user=world.custodian_user, batch=batch)
    with django_capture_on_commit_callbacks(execute=True):
        execute_batch(acting_user=world.custodian_user, batch=batch)

    for model, pk in (
        (OutsideTrainingSubmission, submission.pk),
        (TrainingRecord, from_outside.pk),
        (TrainingRecord, voided.pk),
        (TrainingRecord, correction.pk),
        (TrainingRecord, from_session.pk),
        (TrainingRecord, from_roll_call.pk),
        (QualificationEvent, shoot.pk),
        (RollCallReport, report.pk),
        (CertificationRequest, request.pk),
        (PacketDocument, document.pk),
        (ReleaseRequest, release.pk),
    ):
        assert not model._base_manager.filter(pk=pk).exists(), model
    assert not SubmissionReview.objects.exists()
    assert not RollCallRecord.objects.exists()
    assert not Disclosure.objects.exists()
    # The session stays (it is the catalog's history); its sign-ins and scan are gone.
    session.refresh_from_db()
    assert not session.paper_sheet
    assert not SignIn.objects.exists()
    assert Session.objects.filter(pk=session.pk).exists()
    for name in (certificate, sheet, packet):
        assert not private_storage().exists(name)
    stones = AuditEvent.objects.filter(action="record.disposed")
    assert stones.count() == 11
    assert stones.filter(object_type="training.session.sign_in_sheet").get().object_id == str(
        session.pk
    )
    assert verify_chain() == []


def test_compliance_no_longer_counts_or_describes_disposed_records(world):
    schedule(world.agency, Series.TRAINING_RECORDS, 1, Trigger.SEPARATION)
    officer = OfficerFactory(agency=world.agency, unit=world.north, hired_on=dt.date(2015, 1, 1))
    kept = TrainingRecordFactory(officer=officer, completed_on=dt.date(2024, 3, 1), minutes=600)
    gone = TrainingRecordFactory(
        officer=officer, completed_on=dt.date(2024, 6, 1), minutes=600, title="Gone course"
    )
    refresh_compliance([officer], today=dt.date(2025, 6, 1))  # leaves a snapshot of 2024
    old = ComplianceSnapshot.objects.get(officer=officer, period_label="2024")
    assert "Gone course" in str(old.result)
    separate(officer, dt.date(2024, 12, 31))
    refresh_compliance([officer])
    batch = propose_batch(acting_user=world.custodian_user, agency=world.agency)
    assert set(batch.items.values_list("object_id", flat=True)) == {kept.pk, gone.pk}
    batch.items.filter(object_id=kept.pk).delete()  # the custodian proposes only one
    approve_batch(acting_user=world.custodian_user, batch=batch)
    execute_batch(acting_user=world.custodian_user, batch=batch)
    old.refresh_from_db()
    assert "Gone course" not in str(old.result)
    assert str(kept.pk) in str(old.result)
    assert old.credited_hours < 20
    assert verify_chain() == []


def test_only_the_retention_service_disposes_of_append_only_records():
    """The narrow path stays narrow: no other module calls the models' dispose()."""
    import re
    from pathlib import Path

    import muster

    root = Path(muster.__file__).parent
    call = re.compile(r"\b(TrainingRecord|QualificationEvent|cls|self|type\(\w+\))\.dispose\(")
    callers = sorted(
        str(path.relative_to(root)) for path in root.rglob("*.py") if call.search(path.read_text())
    )
    assert callers == ["retention/series.py"]
    with pytest.raises(TypeError):
        TrainingRecord.objects.all().delete()


def test_a_file_shared_with_a_record_that_stays_is_kept(world, django_capture_on_commit_callbacks):
    """An approved submission's certificate is also its training record's evidence."""
    schedule(world.agency, Series.OUTSIDE_SUBMISSIONS, 1, Trigger.RECORD_DATE)
    schedule(world.agency, Series.TRAINING_RECORDS, None, Trigger.RECORD_DATE)
    submission, record = approved_submission(world, world.officer, dt.date(2018, 3, 1))
    assert record.evidence.name == submission.certificate.name
    batch = propose_batch(acting_user=world.custodian_user, agency=world.agency)
    approve_batch(acting_user=world.custodian_user, batch=batch)
    with django_capture_on_commit_callbacks(execute=True):
        execute_batch(acting_user=world.custodian_user, batch=batch)
    assert not OutsideTrainingSubmission.objects.filter(pk=submission.pk).exists()
    record.refresh_from_db()
    assert private_storage().exists(record.evidence.name)
