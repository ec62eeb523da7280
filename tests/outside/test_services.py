"""Outside training submissions: who may submit and review, the POST rules, and the record."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from muster.accounts.models import Role
from muster.compliance.models import ComplianceSnapshot
from muster.compliance.rulepack import RulePack
from muster.core.models import AuditEvent
from muster.core.services import SYSTEM
from muster.outside.demo import load_demo
from muster.outside.models import (
    OutsideTrainingSubmission,
    SubmissionReview,
    SubmissionStatus,
)
from muster.outside.services import (
    TrainingDetails,
    approve_submission,
    deny_submission,
    post_credit_note,
    return_submission,
    revise_submission,
    submit_outside_training,
    withdraw_submission,
)
from muster.training.models import Course, RecordSource, TrainingRecord
from tests.conftest import member
from tests.factories import CourseFactory, MembershipFactory, OfficerFactory, UserFactory

NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def pdf(name: str = "certificate.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def details(**changes: object) -> TrainingDetails:
    values: dict[str, object] = {
        "title": "Interview and Interrogation",
        "provider": "Midwest Investigators Association",
        "state": "MO",
        "ends_at": dt.datetime(2026, 10, 2, 17, 0, tzinfo=CHICAGO),
        "credit_hours": Decimal("8"),
        "delivery": "in_person",
        "category": "technical_studies",
        "topics": ("investigations",),
    }
    return TrainingDetails(**(values | changes))  # type: ignore[arg-type]


def six_items(**changes: object) -> TrainingDetails:
    """Every item policy IV.E.1.c asks for, with POST credit requested."""
    return details(
        starts_at=dt.datetime(2026, 10, 2, 8, 0, tzinfo=CHICAGO),
        location="Kansas City",
        instructor_name="J. Alvarez",
        synopsis="Techniques of lawful interviews.",
        requests_post_credit=True,
        **changes,
    )


def submit(world, **changes: object) -> OutsideTrainingSubmission:
    return submit_outside_training(
        acting_user=world.officer_user,
        officer=world.officer,
        details=details(**changes),
        certificate=pdf(),
    )


def nothing_saved() -> None:
    assert not OutsideTrainingSubmission.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="outside.").exists()


# --- Submitting ----------------------------------------------------------------------------


def test_a_member_submits_their_own_training_with_a_snapshot_of_who_they_are(world):
    submission = submit(world)
    assert submission.status == SubmissionStatus.SUBMITTED
    assert submission.submitted_by == world.officer_user
    assert submission.member_name == "Dana Reyes"
    assert submission.member_serial_number == world.officer.serial_number
    assert submission.member_assignment == "North Section"
    assert submission.member_rank == world.officer.rank
    with submission.certificate.open("rb") as handle:
        assert handle.read() == PDF
    assert list(submission.topics.values_list("code", flat=True)) == ["investigations"]
    event = AuditEvent.objects.get(action="outside.submit")
    assert event.object_id == str(submission.pk)
    assert event.actor == world.officer_user
    assert event.agency_id == world.agency.pk
    assert event.after["topics"] == ["investigations"]

    # Later roster changes do not rewrite what was submitted.
    world.officer.unit = world.traffic
    world.officer.save()
    submission.refresh_from_db()
    assert submission.member_assignment == "North Section"


def test_a_member_cannot_submit_for_a_colleague(world):
    with pytest.raises(PermissionDenied):
        submit_outside_training(
            acting_user=world.officer_user,
            officer=world.colleague,
            details=details(),
            certificate=pdf(),
        )
    nothing_saved()


@pytest.mark.parametrize("who", ["supervisor_user", "custodian_user"])
def test_only_training_staff_submit_for_someone_else(world, who):
    with pytest.raises(PermissionDenied):
        submit_outside_training(
            acting_user=getattr(world, who),
            officer=world.officer,
            details=details(),
            certificate=pdf(),
        )
    nothing_saved()


def test_training_staff_enter_a_paper_certificate_for_a_member_of_their_agency(world):
    submission = submit_outside_training(
        acting_user=world.training_user,
        officer=world.officer,
        details=details(),
        certificate=pdf(),
    )
    assert submission.officer == world.officer
    assert submission.submitted_by == world.training_user
    other_staff = member(Role.TRAINING_STAFF, world.other_agency)
    with pytest.raises(PermissionDenied):
        submit_outside_training(
            acting_user=other_staff, officer=world.officer, details=details(), certificate=pdf()
        )
    assert OutsideTrainingSubmission.objects.count() == 1


def test_the_certificate_is_required(world):
    with pytest.raises(ValidationError) as err:
        submit_outside_training(
            acting_user=world.officer_user,
            officer=world.officer,
            details=details(),
            certificate=None,
        )
    assert "certificate" in err.value.message_dict
    nothing_saved()


def test_a_text_file_named_pdf_is_refused_by_its_content_naming_the_file(world):
    with pytest.raises(ValidationError) as err:
        submit_outside_training(
            acting_user=world.officer_user,
            officer=world.officer,
            details=details(),
            certificate=pdf("fake.pdf", b"just some text, not a PDF at all"),
        )
    (message,) = err.value.message_dict["certificate"]
    assert "fake.pdf" in message
    assert "not a PDF, PNG or JPEG" in message
    nothing_saved()


def test_a_presenter_certified_course_needs_only_the_certificate(world):
    submission = submit(world, post_certified_by_presenter=True, presenter_post_number="MO-77")
    assert submission.starts_at is None
    assert submission.instructor_name == ""
    assert submission.synopsis == ""


def test_a_post_request_without_presenter_certification_names_every_missing_item(world):
    with pytest.raises(ValidationError) as err:
        submit(world, title="", credit_hours=None, requests_post_credit=True)
    errors = err.value.message_dict
    assert {"title", "starts_at", "location", "credit_hours", "instructor_name", "synopsis"} <= set(
        errors
    )
    assert "IV.E.1.c(5)" in errors["instructor_name"][0]
    nothing_saved()


def test_a_post_request_needs_the_members_assignment_from_the_roster(world):
    world.officer.unit = None
    world.officer.save()
    with pytest.raises(ValidationError) as err:
        submit_outside_training(
            acting_user=world.officer_user,
            officer=world.officer,
            details=six_items(),
            certificate=pdf(),
        )
    assert "assignment" in err.value.message_dict["officer"][0]
    nothing_saved()


def test_all_six_items_make_a_post_request_complete(world):
    submission = submit_outside_training(
        acting_user=world.officer_user,
        officer=world.officer,
        details=six_items(),
        certificate=pdf(),
    )
    assert submission.requests_post_credit is True
    assert submission.location == "Kansas City"


def test_non_post_training_needs_no_synopsis_or_instructor(world):
    submission = submit(world)
    assert submission.requests_post_credit is False
    assert submission.seeks_post_credit is False


def test_a_college_course_needs_semester_hours_and_not_instructional_hours(world):
    with pytest.raises(ValidationError) as err:
        submit(world, kind="college")
    assert "semester_hours" in err.value.message_dict
    assert "credit_hours" in err.value.message_dict
    nothing_saved()
    submission = submit(world, kind="college", credit_hours=None, semester_hours=Decimal("3"))
    assert submission.semester_hours == Decimal("3")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": dt.datetime(2026, 11, 21, 12, 0, tzinfo=CHICAGO)}, "ends_at"),  # future
        ({"ends_at": dt.datetime(2014, 6, 1, 12, 0, tzinfo=CHICAGO)}, "ends_at"),  # pre-hire
        ({"ends_at": None}, "ends_at"),
        (
            {
                "starts_at": dt.datetime(2026, 10, 3, 8, 0, tzinfo=CHICAGO),
                "ends_at": dt.datetime(2026, 10, 2, 8, 0, tzinfo=CHICAGO),
            },
            "ends_at",
        ),
        ({"state": "XX"}, "state"),
        ({"provider": ""}, "provider"),
        ({"category": "cooking"}, "category"),
        ({"topics": ("no_such_topic",)}, "topics"),
        ({"delivery": "carrier_pigeon"}, "delivery"),
        ({"credit_hours": Decimal("0")}, "credit_hours"),
    ],
)
def test_bad_details_name_the_field_and_save_nothing(world, changes, field):
    with pytest.raises(ValidationError) as err:
        submit(world, **changes)
    assert field in err.value.message_dict
    nothing_saved()


# --- Out-of-state training -----------------------------------------------------------------


def test_out_of_state_training_is_recorded_but_not_for_post_credit(world):
    submission = submit_outside_training(
        acting_user=world.officer_user,
        officer=world.officer,
        details=six_items(state="ks"),
        certificate=pdf(),
    )
    assert submission.state == "KS"
    note = post_credit_note(submission)
    assert "KS" in note
    assert "non-POST" in note

    with pytest.raises(ValidationError) as err:
        approve_submission(
            acting_user=world.training_user, submission=submission, post_certified=True
        )
    assert "non-POST" in err.value.message_dict["post_certified"][0]
    assert not TrainingRecord.objects.exists()
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED

    approve_submission(acting_user=world.training_user, submission=submission, post_certified=False)
    assert submission.record is not None
    assert submission.record.post_certified is False


def test_a_state_the_pack_recognises_earns_post_credit(world, monkeypatch):
    monkeypatch.setattr(RulePack, "recognises_state", lambda self, state: state in {"MO", "KS"})
    submission = submit(world, state="KS", post_certified_by_presenter=True)
    assert post_credit_note(submission) == ""
    approve_submission(acting_user=world.training_user, submission=submission, post_certified=True)
    assert submission.record is not None
    assert submission.record.post_certified is True


def test_in_state_training_has_no_post_credit_note(world):
    assert post_credit_note(submit(world, post_certified_by_presenter=True)) == ""


# --- Review --------------------------------------------------------------------------------


def period_snapshot(officer) -> ComplianceSnapshot | None:
    return ComplianceSnapshot.objects.filter(officer=officer, period_label="2026").first()


def test_approval_assigns_a_new_course_id_and_enters_the_record(world):
    submission = submit_outside_training(
        acting_user=world.officer_user,
        officer=world.officer,
        details=six_items(ends_at=dt.datetime(2026, 10, 2, 23, 30, tzinfo=CHICAGO)),
        certificate=pdf(),
    )
    before = period_snapshot(world.officer)
    credited_before = before.credited_hours if before else Decimal(0)

    approve_submission(
        acting_user=world.training_user,
        submission=submission,
        post_certified=True,
        reason="Meets POST requirements.",
    )

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.APPROVED
    assert submission.reviewer == world.training_user
    assert submission.reviewed_at == NOW
    course = submission.course
    assert course is not None
    assert course.agency == world.agency
    assert course.course_id.startswith(f"{world.agency.course_id_prefix}-")
    assert course.title == "Interview and Interrogation"
    assert course.credit_minutes == 480
    record = submission.record
    assert record is not None
    assert record.officer == world.officer
    assert record.course == course
    assert record.course_code == course.course_id
    assert record.kind == "outside"
    assert record.source == RecordSource.CERTIFICATE
    assert record.post_certified is True
    assert record.credit_hours == Decimal("8")
    assert record.minutes is None
    # 23:30 in Chicago on Oct 2 is Oct 3 in UTC: the agency's date counts.
    assert record.completed_on == dt.date(2026, 10, 2)
    assert record.evidence.name == submission.certificate.name
    assert record.category == "technical_studies"
    assert list(record.topics.values_list("code", flat=True)) == ["investigations"]
    assert record.provider == "Midwest Investigators Association"
    assert record.location == "Kansas City"
    assert record.instructor_name == "J. Alvarez"
    assert record.entered_by == world.training_user

    (review,) = SubmissionReview.objects.filter(submission=submission)
    assert review.outcome == "approved"
    assert review.course == course
    assert review.post_certified is True
    assert review.reviewer == world.training_user
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"outside.submit", "course.create", "record.create", "outside.approve"} <= actions
    approval = AuditEvent.objects.get(action="outside.approve")
    assert approval.before["status"] == "submitted"
    assert approval.after["status"] == "approved"
    assert approval.after["record_id"] == record.pk
    assert approval.reason == "Meets POST requirements."

    after = period_snapshot(world.officer)
    assert after is not None
    assert after.credited_hours == credited_before + Decimal("8")


def test_approval_can_use_an_existing_course_of_the_agency(world):
    course = CourseFactory(agency=world.agency, course_id="OF-00007", title="Interviewing")
    submission = submit(world)
    approve_submission(
        acting_user=world.training_user,
        submission=submission,
        post_certified=False,
        course=course,
        category="legal_studies",
    )
    record = submission.record
    assert record is not None
    assert record.course_code == "OF-00007"
    assert record.post_certified is False
    assert record.category == "legal_studies"
    assert Course.objects.count() == 1


@pytest.mark.parametrize("problem", ["other_agency", "retired"])
def test_approval_refuses_a_course_outside_the_agencys_active_catalog(world, problem):
    if problem == "other_agency":
        course = CourseFactory(agency=world.other_agency)
    else:
        course = CourseFactory(agency=world.agency, status="retired")
    submission = submit(world)
    with pytest.raises(ValidationError) as err:
        approve_submission(
            acting_user=world.training_user,
            submission=submission,
            post_certified=False,
            course=course,
        )
    assert "course" in err.value.message_dict
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED
    assert not TrainingRecord.objects.exists()
    assert not SubmissionReview.objects.exists()


def test_post_credit_cannot_be_granted_when_nobody_asked_for_it(world):
    submission = submit(world)
    with pytest.raises(ValidationError) as err:
        approve_submission(
            acting_user=world.training_user, submission=submission, post_certified=True
        )
    assert "post_certified" in err.value.message_dict
    assert not TrainingRecord.objects.exists()


def test_approving_twice_is_impossible(world):
    submission = submit(world)
    stale = OutsideTrainingSubmission.objects.get(pk=submission.pk)
    approve_submission(acting_user=world.training_user, submission=submission, post_certified=False)
    with pytest.raises(ValidationError) as err:
        approve_submission(acting_user=world.admin_user, submission=stale, post_certified=False)
    assert "status" in err.value.message_dict
    # Even a copy loaded before the first approval cannot approve again.
    stale.status = SubmissionStatus.SUBMITTED
    with pytest.raises(ValidationError):
        approve_submission(acting_user=world.admin_user, submission=stale, post_certified=False)
    assert TrainingRecord.objects.count() == 1
    assert Course.objects.count() == 1
    assert SubmissionReview.objects.count() == 1
    assert AuditEvent.objects.filter(action="outside.approve").count() == 1


def test_a_college_course_is_recorded_by_semester_hours(world):
    submission = submit(world, kind="college", credit_hours=None, semester_hours=Decimal("3"))
    approve_submission(acting_user=world.training_user, submission=submission, post_certified=False)
    record = submission.record
    assert record is not None
    assert record.kind == "college"
    assert record.semester_hours == Decimal("3")
    assert record.credit_hours is None
    assert submission.course is not None
    assert submission.course.credit_minutes == 3 * 750


@pytest.mark.parametrize("who", ["officer_user", "supervisor_user", "custodian_user"])
def test_only_training_staff_review(world, who):
    submission = submit(world)
    for decide in (return_submission, deny_submission):
        with pytest.raises(PermissionDenied):
            decide(acting_user=getattr(world, who), submission=submission, reason="No.")
    with pytest.raises(PermissionDenied):
        approve_submission(
            acting_user=getattr(world, who), submission=submission, post_certified=False
        )
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED
    assert not SubmissionReview.objects.exists()


def test_training_staff_cannot_approve_their_own_training(world):
    instructor = OfficerFactory(agency=world.agency, unit=world.north)
    staff = UserFactory(officer=instructor)
    MembershipFactory(user=staff, role=Role.TRAINING_STAFF, agency=world.agency)
    submission = submit_outside_training(
        acting_user=staff, officer=instructor, details=details(), certificate=pdf()
    )
    with pytest.raises(PermissionDenied):
        approve_submission(acting_user=staff, submission=submission, post_certified=False)
    assert not TrainingRecord.objects.exists()


def test_returned_then_resubmitted_then_approved_keeps_the_whole_history(world):
    submission = submit(world, credit_hours=Decimal("40"))
    with pytest.raises(ValidationError) as err:
        return_submission(acting_user=world.training_user, submission=submission, reason="  ")
    assert "reason" in err.value.message_dict
    assert not SubmissionReview.objects.exists()

    return_submission(
        acting_user=world.training_user, submission=submission, reason="The certificate says 36 h."
    )
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RETURNED
    assert submission.review_reason == "The certificate says 36 h."
    # A returned submission waits for the member, not for another decision.
    with pytest.raises(ValidationError):
        approve_submission(
            acting_user=world.training_user, submission=submission, post_certified=False
        )

    revise_submission(
        acting_user=world.officer_user,
        submission=submission,
        details=details(credit_hours=Decimal("36")),
        certificate=pdf("corrected.pdf"),
    )
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED
    assert submission.credit_hours == Decimal("36")
    assert "corrected" in submission.certificate.name
    revision = AuditEvent.objects.get(action="outside.revise")
    assert Decimal(revision.before["credit_hours"]) == 40
    assert Decimal(revision.after["credit_hours"]) == 36

    approve_submission(acting_user=world.training_user, submission=submission, post_certified=False)
    outcomes = list(submission.reviews.values_list("outcome", "reason"))
    assert outcomes == [("returned", "The certificate says 36 h."), ("approved", "")]
    assert submission.record is not None
    assert submission.record.credit_hours == Decimal("36")
    assert AuditEvent.objects.filter(action="outside.return").count() == 1


def test_revising_keeps_the_certificate_when_none_is_sent(world):
    submission = submit(world)
    name = submission.certificate.name
    revise_submission(
        acting_user=world.officer_user, submission=submission, details=details(title="Renamed")
    )
    submission.refresh_from_db()
    assert submission.certificate.name == name
    assert submission.title == "Renamed"


def test_a_bad_revision_changes_nothing(world):
    submission = submit(world)
    with pytest.raises(ValidationError) as err:
        revise_submission(
            acting_user=world.officer_user,
            submission=submission,
            details=details(title=""),
            certificate=pdf("fake.pdf", b"text"),
        )
    assert {"title", "certificate"} <= set(err.value.message_dict)
    submission.refresh_from_db()
    assert submission.title == "Interview and Interrogation"
    assert not AuditEvent.objects.filter(action="outside.revise").exists()


def test_a_colleague_cannot_change_or_withdraw_a_members_submission(world):
    submission = submit(world)
    colleague_user = UserFactory(officer=world.colleague)
    MembershipFactory(user=colleague_user, role=Role.OFFICER, agency=world.agency)
    with pytest.raises(PermissionDenied):
        revise_submission(acting_user=colleague_user, submission=submission, details=details())
    with pytest.raises(PermissionDenied):
        withdraw_submission(acting_user=colleague_user, submission=submission)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED


def test_denial_needs_a_reason_and_closes_the_submission(world):
    submission = submit(world)
    with pytest.raises(ValidationError) as err:
        deny_submission(acting_user=world.training_user, submission=submission, reason="")
    assert "reason" in err.value.message_dict
    deny_submission(
        acting_user=world.training_user, submission=submission, reason="Not job-related."
    )
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.DENIED
    assert submission.review_reason == "Not job-related."
    assert AuditEvent.objects.get(action="outside.deny").reason == "Not job-related."
    with pytest.raises(ValidationError):
        revise_submission(acting_user=world.officer_user, submission=submission, details=details())
    with pytest.raises(ValidationError):
        withdraw_submission(acting_user=world.officer_user, submission=submission)
    assert not TrainingRecord.objects.exists()


def test_the_member_withdraws_an_undecided_submission_once(world):
    submission = submit(world)
    withdraw_submission(acting_user=world.officer_user, submission=submission, reason="Duplicate")
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.WITHDRAWN
    event = AuditEvent.objects.get(action="outside.withdraw")
    assert event.before["status"] == "submitted"
    assert event.reason == "Duplicate"
    with pytest.raises(ValidationError):
        withdraw_submission(acting_user=world.officer_user, submission=submission)
    with pytest.raises(ValidationError):
        approve_submission(
            acting_user=world.training_user, submission=submission, post_certified=False
        )
    assert AuditEvent.objects.filter(action="outside.withdraw").count() == 1


def test_an_approved_submission_cannot_be_changed_or_withdrawn(world):
    submission = submit(world)
    approve_submission(acting_user=world.training_user, submission=submission, post_certified=False)
    with pytest.raises(ValidationError):
        revise_submission(acting_user=world.officer_user, submission=submission, details=details())
    with pytest.raises(ValidationError):
        withdraw_submission(acting_user=world.officer_user, submission=submission)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.APPROVED


def test_submissions_are_visible_to_the_member_and_their_agency_only(world):
    submission = submit(world)
    mine = OutsideTrainingSubmission.objects.visible_to
    assert list(mine(world.officer_user)) == [submission]
    assert list(mine(world.training_user)) == [submission]
    assert list(mine(member(Role.TRAINING_STAFF, world.other_agency))) == []
    colleague_user = UserFactory(officer=world.colleague)
    MembershipFactory(user=colleague_user, role=Role.OFFICER, agency=world.agency)
    assert list(mine(colleague_user)) == []


# --- Demo ----------------------------------------------------------------------------------


def test_the_demo_loader_makes_a_waiting_a_returned_and_an_approved_submission(world):
    load_demo(
        world.agency,
        officers=[world.officer, world.colleague, world.traffic_officer],
        training_user=world.training_user,
    )
    statuses = dict(OutsideTrainingSubmission.objects.values_list("officer_id", "status"))
    assert statuses == {
        world.officer.pk: "submitted",
        world.colleague.pk: "returned",
        world.traffic_officer.pk: "approved",
    }
    approved = OutsideTrainingSubmission.objects.get(status="approved")
    assert approved.record is not None
    assert approved.record.post_certified is True
    # Dana has a login, so her submission is hers; the others were made by the system.
    assert OutsideTrainingSubmission.objects.get(officer=world.officer).submitted_by == (
        world.officer_user
    )
    assert AuditEvent.objects.filter(action="outside.submit", actor__isnull=True).count() == 2


def test_the_demo_loader_works_as_the_system_too(world):
    load_demo(world.agency, officers=[world.colleague], training_user=SYSTEM)
    assert OutsideTrainingSubmission.objects.count() == 3
    assert SubmissionReview.objects.filter(reviewer__isnull=True).count() == 2


def test_training_staff_deny_rather_than_withdraw_a_members_submission(world):
    submission = submit(world)
    with pytest.raises(PermissionDenied):
        withdraw_submission(acting_user=world.training_user, submission=submission)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED
