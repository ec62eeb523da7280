"""POST course certification services: the liaison, the packet, the 30-day line, the
Director's late exception, POST's decision on the course, and reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from muster.accounts.models import Role
from muster.certification import services
from muster.certification.demo import load_demo
from muster.certification.models import (
    CertificationRequest,
    DocumentKind,
    PacketDocument,
    RequestStatus,
)
from muster.core.audit import verify_chain
from muster.core.models import AuditEvent
from muster.training.models import Course
from tests.certification.conftest import ALL_KINDS, TODAY, pdf
from tests.conftest import member
from tests.factories import CourseFactory


def _actions(obj: object) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(obj.pk))  # type: ignore[attr-defined]
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- Creating a request and its liaison ------------------------------------------------------


def test_the_member_who_introduces_a_class_is_its_liaison(world, make_request):
    request = make_request()
    assert request.liaison == world.officer
    assert request.agency == world.agency
    assert request.created_by == world.officer_user
    assert request.status == RequestStatus.DRAFT
    event = AuditEvent.objects.get(action="certification.create")
    assert event.object_id == str(request.pk)
    assert event.agency_id == world.agency.pk
    assert event.after["class_name"] == "Search and Seizure Update"


def test_a_member_may_not_name_someone_else_as_liaison(world, make_request):
    with pytest.raises(PermissionDenied):
        make_request(liaison=world.colleague)
    assert not CertificationRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="certification.create").exists()


def test_the_training_unit_may_name_another_member_as_liaison(world, make_request):
    request = make_request(user=world.training_user, liaison=world.colleague)
    assert request.liaison == world.colleague
    assert request.created_by == world.training_user


def test_training_staff_without_an_officer_record_must_name_a_liaison(world, make_request):
    with pytest.raises(ValidationError) as exc:
        make_request(user=world.training_user)
    assert "liaison" in exc.value.message_dict
    assert not CertificationRequest.objects.exists()


def test_training_staff_of_another_agency_cannot_name_our_member(world, make_request):
    outsider_staff = member(Role.TRAINING_STAFF, world.other_agency)
    with pytest.raises(PermissionDenied):
        make_request(user=outsider_staff, liaison=world.officer)
    assert not CertificationRequest.objects.exists()


def test_a_course_of_another_agency_cannot_be_linked(world, make_request):
    foreign = CourseFactory(agency=world.other_agency)
    with pytest.raises(ValidationError) as exc:
        make_request(course=foreign)
    assert "course" in exc.value.message_dict
    assert not CertificationRequest.objects.exists()


def test_a_first_delivery_in_the_past_is_refused(make_request):
    with pytest.raises(ValidationError) as exc:
        make_request(days=-1)
    assert "first_delivery_on" in exc.value.message_dict


def test_hours_must_be_positive(make_request):
    with pytest.raises(ValidationError) as exc:
        make_request(hours=Decimal(0))
    assert "hours" in exc.value.message_dict
    assert not CertificationRequest.objects.exists()


def test_the_training_unit_may_change_the_liaison_with_a_reason(world, make_request):
    request = make_request()
    with pytest.raises(PermissionDenied):
        services.change_liaison(
            acting_user=world.officer_user, request=request, liaison=world.colleague, reason="x"
        )
    with pytest.raises(ValidationError) as exc:
        services.change_liaison(
            acting_user=world.training_user, request=request, liaison=world.outsider, reason="x"
        )
    assert "liaison" in exc.value.message_dict
    request.refresh_from_db()
    assert request.liaison == world.officer
    services.change_liaison(
        acting_user=world.training_user,
        request=request,
        liaison=world.colleague,
        reason="Dana moved to nights.",
    )
    request.refresh_from_db()
    assert request.liaison == world.colleague
    event = AuditEvent.objects.get(action="certification.change_liaison")
    assert event.before["liaison_id"] == world.officer.pk
    assert event.after["liaison_id"] == world.colleague.pk
    assert event.reason == "Dana moved to nights."


# --- The packet -------------------------------------------------------------------------------


def test_there_are_exactly_the_six_kinds_of_the_policy():
    assert [label for _, label in DocumentKind.choices] == [
        "Instructor records",
        "Learning objectives",
        "Lesson plan",
        "Source documentation",
        "Support documents",
        "All training materials",
    ]


def test_uploading_keeps_the_file_privately_and_audits_it(world, make_request):
    request = make_request()
    document = services.upload_document(
        acting_user=world.officer_user,
        request=request,
        kind=DocumentKind.LESSON_PLAN,
        upload=pdf("plan.pdf"),
    )
    assert document.original_name == "plan.pdf"
    assert document.uploaded_by == world.officer_user
    with document.file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF-")
    event = AuditEvent.objects.get(action="certification.upload_document")
    assert event.after["kind"] == "lesson_plan"


def test_several_files_per_kind_are_kept(world, make_request):
    request = make_request()
    for name in ("a.pdf", "b.pdf"):
        services.upload_document(
            acting_user=world.officer_user,
            request=request,
            kind=DocumentKind.TRAINING_MATERIALS,
            upload=pdf(name),
        )
    assert request.documents.filter(kind=DocumentKind.TRAINING_MATERIALS).count() == 2


def test_a_file_that_is_not_a_pdf_or_image_is_refused(world, make_request):
    request = make_request()
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        services.upload_document(
            acting_user=world.officer_user, request=request, kind="lesson_plan", upload=fake
        )
    assert "plan.pdf" in exc.value.message_dict["file"][0]
    assert not PacketDocument.objects.exists()


def test_an_unknown_kind_is_refused(world, make_request):
    request = make_request()
    with pytest.raises(ValidationError) as exc:
        services.upload_document(
            acting_user=world.officer_user, request=request, kind="photos", upload=pdf()
        )
    assert "kind" in exc.value.message_dict
    assert not PacketDocument.objects.exists()


def test_only_the_liaison_or_training_staff_edit_the_packet(world, make_request):
    request = make_request()
    colleague_user = member(Role.OFFICER, world.agency)
    colleague_user.officer = world.colleague
    colleague_user.save()
    for user in (
        colleague_user,
        world.supervisor_user,
        member(Role.TRAINING_STAFF, world.other_agency),
    ):
        with pytest.raises(PermissionDenied):
            services.upload_document(
                acting_user=user, request=request, kind="lesson_plan", upload=pdf()
            )
    assert not PacketDocument.objects.exists()
    services.upload_document(
        acting_user=world.training_user, request=request, kind="lesson_plan", upload=pdf()
    )
    assert PacketDocument.objects.count() == 1


def test_the_packet_is_complete_when_every_kind_has_a_file(world, make_request):
    request = make_request(kinds=ALL_KINDS[:-1])
    assert request.packet_completed_at is None
    assert services.missing_kinds(request) == ["training_materials"]
    services.upload_document(
        acting_user=world.officer_user,
        request=request,
        kind=ALL_KINDS[-1],
        upload=pdf(),
    )
    request.refresh_from_db()
    assert request.packet_completed_at is not None
    assert services.completed_on(request) == TODAY
    assert "certification.packet_complete" in _actions(request)


def test_removing_the_last_file_of_a_kind_reopens_the_packet_and_deletes_the_file(
    world, make_request, django_capture_on_commit_callbacks
):
    request = make_request(kinds=ALL_KINDS)
    document = request.documents.get(kind=DocumentKind.LESSON_PLAN)
    storage, name = document.file.storage, document.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_document(acting_user=world.officer_user, document=document)
    request.refresh_from_db()
    assert request.packet_completed_at is None
    assert not storage.exists(name)
    event = AuditEvent.objects.get(action="certification.remove_document")
    assert event.before["original_name"] == "lesson_plan.pdf"
    assert "certification.packet_incomplete" in _actions(request)


def test_the_packet_cannot_change_once_submitted(world, make_request):
    request = make_request(kinds=ALL_KINDS)
    services.submit_request(acting_user=world.officer_user, request=request)
    with pytest.raises(ValidationError) as exc:
        services.upload_document(
            acting_user=world.officer_user, request=request, kind="lesson_plan", upload=pdf()
        )
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.remove_document(acting_user=world.officer_user, document=request.documents.first())
    assert request.documents.count() == 6


# --- Submitting and the 30-day line -------------------------------------------------------------


def test_an_incomplete_packet_is_refused_naming_the_missing_kinds(world, make_request):
    request = make_request(kinds=("instructor_records", "learning_objectives"))
    with pytest.raises(ValidationError) as exc:
        services.submit_request(acting_user=world.officer_user, request=request)
    message = exc.value.message_dict["documents"][0]
    for label in ("Lesson plan", "Source documentation", "Support documents"):
        assert label in message
    assert "All training materials" in message
    assert "Instructor records" not in message
    request.refresh_from_db()
    assert request.status == RequestStatus.DRAFT
    assert request.submitted_at is None
    assert "certification.submit" not in _actions(request)


def test_a_packet_completed_29_days_before_is_refused(world, make_request):
    request = make_request(days=29, kinds=ALL_KINDS)
    with pytest.raises(ValidationError) as exc:
        services.submit_request(acting_user=world.officer_user, request=request)
    message = exc.value.message_dict["first_delivery_on"][0]
    assert "only 29 days are left" in message
    assert "Director or designee may approve" in message
    request.refresh_from_db()
    assert request.status == RequestStatus.DRAFT
    assert "certification.submit" not in _actions(request)


def test_a_packet_completed_30_days_before_is_accepted(world, make_request):
    request = make_request(days=30, kinds=ALL_KINDS)
    services.submit_request(acting_user=world.officer_user, request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert request.submitted_at is not None
    event = AuditEvent.objects.get(action="certification.submit")
    assert event.before["status"] == "draft"
    assert event.after["status"] == "submitted"


def test_completion_counts_not_the_day_of_submitting(world, make_request):
    request = make_request(days=31, kinds=ALL_KINDS)
    with time_machine.travel(dt.datetime(2026, 12, 10, 18, 0, tzinfo=dt.UTC), tick=False):
        services.submit_request(acting_user=world.officer_user, request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_the_line_is_judged_on_the_agencys_date(world, make_request):
    # First delivery Dec 20: the line is Nov 20. At 03:00 UTC on Nov 21 it is still
    # Nov 20 in Chicago, so the packet is on time.
    request = make_request(days=30)
    with time_machine.travel(dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC), tick=False):
        for kind in ALL_KINDS:
            services.upload_document(
                acting_user=world.officer_user, request=request, kind=kind, upload=pdf()
            )
        services.submit_request(acting_user=world.officer_user, request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


@pytest.mark.parametrize("role", [Role.TRAINING_STAFF, Role.AGENCY_ADMIN, Role.OFFICER])
def test_a_late_exception_by_anyone_but_the_director_is_refused(world, make_request, role):
    request = make_request(days=10, kinds=ALL_KINDS)
    with pytest.raises(PermissionDenied):
        services.approve_late_exception(
            acting_user=member(role, world.agency), request=request, reason="Urgent."
        )
    request.refresh_from_db()
    assert request.late_exception_by is None
    assert request.late_exception_reason == ""
    assert "certification.approve_late" not in _actions(request)


def test_the_director_of_another_agency_cannot_approve(world, make_request):
    request = make_request(days=10)
    with pytest.raises(PermissionDenied):
        services.approve_late_exception(
            acting_user=member(Role.TRAINING_DIRECTOR, world.other_agency),
            request=request,
            reason="Urgent.",
        )


def test_a_late_exception_needs_a_reason(director, make_request):
    request = make_request(days=10)
    with pytest.raises(ValidationError) as exc:
        services.approve_late_exception(acting_user=director, request=request, reason="  ")
    assert "reason" in exc.value.message_dict
    request.refresh_from_db()
    assert request.late_exception_by is None


def test_with_the_directors_exception_a_late_packet_is_accepted(world, director, make_request):
    request = make_request(days=10, kinds=ALL_KINDS)
    services.approve_late_exception(
        acting_user=director, request=request, reason="New state mandate."
    )
    request.refresh_from_db()
    assert request.late_exception_by == director
    assert request.late_exception_reason == "New state mandate."
    assert request.late_exception_at is not None
    event = AuditEvent.objects.get(action="certification.approve_late")
    assert event.actor == director
    assert event.reason == "New state mandate."
    services.submit_request(acting_user=world.officer_user, request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_only_a_draft_can_be_submitted(world, make_request):
    request = make_request(kinds=ALL_KINDS)
    services.submit_request(acting_user=world.officer_user, request=request)
    with pytest.raises(ValidationError) as exc:
        services.submit_request(acting_user=world.officer_user, request=request)
    assert "status" in exc.value.message_dict


def test_a_colleague_cannot_submit_someone_elses_packet(world, make_request):
    request = make_request(kinds=ALL_KINDS)
    with pytest.raises(PermissionDenied):
        services.submit_request(acting_user=world.supervisor_user, request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.DRAFT


# --- The Training Unit and POST -------------------------------------------------------------


@pytest.fixture
def submitted(world, make_request):
    request = make_request(kinds=ALL_KINDS)
    services.submit_request(acting_user=world.officer_user, request=request)
    request.refresh_from_db()
    return request


@pytest.fixture
def sent(world, submitted):
    services.mark_sent_to_post(acting_user=world.training_user, request=submitted, sent_on=TODAY)
    submitted.refresh_from_db()
    return submitted


def test_training_staff_record_sending_to_post(world, submitted):
    with pytest.raises(PermissionDenied):
        services.mark_sent_to_post(acting_user=world.officer_user, request=submitted, sent_on=TODAY)
    with pytest.raises(ValidationError) as exc:
        services.mark_sent_to_post(
            acting_user=world.training_user,
            request=submitted,
            sent_on=TODAY + dt.timedelta(days=1),
        )
    assert "sent_on" in exc.value.message_dict
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.SUBMITTED
    services.mark_sent_to_post(acting_user=world.training_user, request=submitted, sent_on=TODAY)
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.SENT_TO_POST
    assert submitted.sent_to_post_on == TODAY
    assert "certification.send_to_post" in _actions(submitted)


def test_a_draft_cannot_be_sent_to_post(world, make_request):
    request = make_request(kinds=ALL_KINDS)
    with pytest.raises(ValidationError) as exc:
        services.mark_sent_to_post(acting_user=world.training_user, request=request, sent_on=TODAY)
    assert "status" in exc.value.message_dict


def test_the_certification_number_lands_on_the_linked_course(world, make_request):
    course = CourseFactory(agency=world.agency, title="Search and Seizure")
    request = make_request(kinds=ALL_KINDS, course=course)
    services.submit_request(acting_user=world.officer_user, request=request)
    services.mark_sent_to_post(acting_user=world.training_user, request=request, sent_on=TODAY)
    services.record_certification(
        acting_user=world.training_user,
        request=request,
        decided_on=TODAY,
        certification_number=" MO-2026-77 ",
    )
    course.refresh_from_db()
    assert course.post_certified is True
    assert course.post_certification_number == "MO-2026-77"
    request.refresh_from_db()
    assert request.status == RequestStatus.CERTIFIED
    assert request.post_certification_number == "MO-2026-77"
    assert request.post_decision_on == TODAY
    event = AuditEvent.objects.get(action="course.post_certify")
    assert event.object_id == str(course.pk)
    assert event.before["post_certified"] is False
    assert event.after["post_certification_number"] == "MO-2026-77"
    assert AuditEvent.objects.filter(action="certification.certified").exists()
    assert verify_chain() == []


def test_without_a_linked_course_certification_creates_one(world, sent):
    services.record_certification(
        acting_user=world.training_user,
        request=sent,
        decided_on=TODAY,
        certification_number="MO-2026-78",
    )
    sent.refresh_from_db()
    course = sent.course
    assert course is not None
    assert course.agency == world.agency
    assert course.title == "Search and Seizure Update"
    assert course.credit_minutes == 240
    assert course.post_certified is True
    assert course.post_certification_number == "MO-2026-78"
    assert course.course_id.startswith(f"{world.agency.course_id_prefix}-")
    assert AuditEvent.objects.filter(action="course.create", object_id=str(course.pk)).exists()


def test_certification_without_a_number_changes_nothing(world, sent):
    with pytest.raises(ValidationError) as exc:
        services.record_certification(
            acting_user=world.training_user, request=sent, decided_on=TODAY, certification_number=""
        )
    assert "certification_number" in exc.value.message_dict
    sent.refresh_from_db()
    assert sent.status == RequestStatus.SENT_TO_POST
    assert not Course.objects.exists()


def test_the_liaison_cannot_record_posts_decision(world, sent):
    with pytest.raises(PermissionDenied):
        services.record_certification(
            acting_user=world.officer_user, request=sent, decided_on=TODAY, certification_number="1"
        )
    assert not Course.objects.exists()


def test_a_decision_before_sending_is_refused(world, submitted):
    with pytest.raises(ValidationError) as exc:
        services.record_certification(
            acting_user=world.training_user,
            request=submitted,
            decided_on=TODAY,
            certification_number="1",
        )
    assert "status" in exc.value.message_dict
    assert not Course.objects.exists()


def test_a_rejection_keeps_posts_reason(world, sent):
    with pytest.raises(ValidationError) as exc:
        services.record_rejection(
            acting_user=world.training_user, request=sent, decided_on=TODAY, reason=""
        )
    assert "reason" in exc.value.message_dict
    services.record_rejection(
        acting_user=world.training_user,
        request=sent,
        decided_on=TODAY,
        reason="Learning objectives are not measurable.",
    )
    sent.refresh_from_db()
    assert sent.status == RequestStatus.REJECTED_BY_POST
    assert sent.post_rejection_reason == "Learning objectives are not measurable."
    assert AuditEvent.objects.get(action="certification.rejected").reason.startswith("Learning")


def test_only_the_liaison_withdraws_and_only_while_open(world, submitted):
    with pytest.raises(PermissionDenied):
        services.withdraw_request(acting_user=world.training_user, request=submitted)
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.SUBMITTED
    services.withdraw_request(
        acting_user=world.officer_user, request=submitted, reason="Class cancelled."
    )
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.WITHDRAWN
    assert AuditEvent.objects.get(action="certification.withdraw").reason == "Class cancelled."
    with pytest.raises(ValidationError):
        services.withdraw_request(acting_user=world.officer_user, request=submitted)


# --- The 30-day line on the pages, and reminders -----------------------------------------------


def test_days_to_deadline_counts_to_thirty_days_before_the_first_delivery(make_request):
    request = make_request(days=44)
    assert request.deadline == TODAY + dt.timedelta(days=14)
    assert services.days_to_deadline(request, TODAY) == 14
    assert services.days_to_deadline(request, TODAY + dt.timedelta(days=15)) == -1


def test_requests_needing_reminder_are_drafts_14_7_3_or_1_days_from_the_line(world, make_request):
    due = {d: make_request(days=30 + d, class_name=f"Due {d}") for d in (14, 7, 3, 1)}
    make_request(days=30 + 13, class_name="Not a reminder day")
    make_request(days=30 + 7, class_name="Complete", kinds=ALL_KINDS)
    withdrawn = make_request(days=30 + 3, class_name="Withdrawn")
    services.withdraw_request(acting_user=world.officer_user, request=withdrawn)
    found = {r.class_name: days for r, days in services.requests_needing_reminder(TODAY)}
    assert found == {due[d].class_name: d for d in (14, 7, 3, 1)}


def test_the_warning_counts_down_and_then_asks_for_the_director(director, make_request):
    request = make_request(days=35)
    warning = services.deadline_warning(request, TODAY)
    assert warning is not None
    assert not warning.past
    assert warning.text == "5 days left to complete the packet."
    assert services.deadline_warning(request, TODAY - dt.timedelta(days=30)) is None
    past = services.deadline_warning(request, TODAY + dt.timedelta(days=6))
    assert past is not None
    assert past.past
    assert "past the 30-day line: needs the director's approval" in past.text.lower()
    services.approve_late_exception(acting_user=director, request=request, reason="Ok.")
    request.refresh_from_db()
    assert services.deadline_warning(request, TODAY + dt.timedelta(days=6)) is None


def test_reminder_lines_say_the_days_left_and_what_is_missing(make_request):
    request = make_request(days=37, kinds=ALL_KINDS[:4])
    text = "\n".join(services.reminder_lines(request, TODAY))
    assert "7 days left to complete the packet" in text
    assert "Support documents, All training materials" in text


# --- Who reads what --------------------------------------------------------------------------


def test_requests_are_read_by_their_liaison_and_the_agencys_wide_roles_only(world, make_request):
    request = make_request()

    def sees(user):
        return CertificationRequest.objects.visible_to(user).filter(pk=request.pk).exists()

    assert sees(world.officer_user)
    assert sees(world.training_user)
    assert not sees(world.supervisor_user)
    assert not sees(member(Role.OFFICER, world.agency))
    assert not sees(member(Role.TRAINING_STAFF, world.other_agency))


# --- Demo -----------------------------------------------------------------------------------


@pytest.mark.parametrize("liaison_name", ["colleague", "officer"])  # without / with a login
def test_the_demo_loader_makes_a_draft_near_its_line_a_submitted_and_a_certified_request(
    world, director, liaison_name
):
    liaison = getattr(world, liaison_name)
    load_demo(
        world.agency,
        liaison=liaison,
        director_user=director,
        training_user=world.training_user,
    )
    rows = {r.status: r for r in CertificationRequest.objects.all()}
    assert set(rows) == {RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.CERTIFIED}
    draft_warning = services.deadline_warning(rows[RequestStatus.DRAFT], TODAY)
    assert draft_warning is not None
    assert not draft_warning.past
    assert rows[RequestStatus.SUBMITTED].late_exception_by == director
    certified = rows[RequestStatus.CERTIFIED]
    assert certified.course is not None
    assert certified.course.post_certified
    assert all(r.liaison == liaison for r in rows.values())
    assert verify_chain() == []
