"""Outside training pages: the member's form and list, the review queue, scoping and downloads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from muster.accounts.models import Role
from muster.core.models import AuditEvent
from muster.outside.models import OutsideTrainingSubmission, SubmissionStatus
from muster.outside.services import return_submission
from muster.training.models import TrainingRecord
from tests.conftest import member
from tests.factories import CourseFactory, MembershipFactory, UserFactory
from tests.outside.test_services import PDF, details, pdf

NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def form_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "outside",
        "title": "Interview and Interrogation",
        "provider": "Midwest Investigators Association",
        "location": "Kansas City",
        "state": "MO",
        "starts_at": "2026-10-02T08:00",
        "ends_at": "2026-10-02T17:00",
        "credit_hours": "8",
        "semester_hours": "",
        "instructor_name": "J. Alvarez",
        "synopsis": "Lawful interviews.",
        "delivery": "in_person",
        "category": "technical_studies",
        "topics": ["investigations"],
        "presenter_post_number": "",
        "certificate": pdf(),
    }
    data.update(changes)
    return data


def make(world, officer=None, **changes: object) -> OutsideTrainingSubmission:
    from muster.outside.services import submit_outside_training

    return submit_outside_training(
        acting_user=world.training_user,
        officer=officer or world.officer,
        details=details(**changes),
        certificate=pdf(),
    )


def colleague_login(world):
    user = UserFactory(officer=world.colleague)
    MembershipFactory(user=user, role=Role.OFFICER, agency=world.agency)
    return user


# --- The member's pages --------------------------------------------------------------------


def test_a_member_submits_through_the_form(client, world):
    client.force_login(world.officer_user)
    page = client.get(reverse("outside-new"))
    assert page.status_code == 200
    assert "Submit outside training" in page.content.decode()
    assert 'name="officer"' not in page.content.decode()  # members submit only for themselves

    response = client.post(reverse("outside-new"), form_data(requests_post_credit="on"))
    submission = OutsideTrainingSubmission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("outside-detail", args=[submission.pk])
    assert submission.officer == world.officer
    assert submission.requests_post_credit is True
    # Entered in the agency's zone (Chicago): 17:00 there is 22:00 UTC in October.
    assert submission.ends_at == dt.datetime(2026, 10, 2, 22, 0, tzinfo=dt.UTC)
    detail = client.get(response["Location"])
    text = detail.content.decode()
    assert "Waiting for the Training Unit" in text
    assert "sent to the Training Unit" in text


def test_a_fake_pdf_is_refused_next_to_the_certificate_field_naming_the_file(client, world):
    client.force_login(world.officer_user)
    fake = pdf("notes.pdf", b"these are plain text notes")
    response = client.post(reverse("outside-new"), form_data(certificate=fake))
    assert response.status_code == 200
    assert "notes.pdf is not a PDF, PNG or JPEG" in response.content.decode()
    assert "certificate" in response.context["form"].errors
    assert not OutsideTrainingSubmission.objects.exists()
    assert not AuditEvent.objects.filter(action="outside.submit").exists()


def test_a_post_request_missing_items_shows_each_field_error(client, world):
    client.force_login(world.officer_user)
    response = client.post(
        reverse("outside-new"),
        form_data(requests_post_credit="on", instructor_name="", synopsis="", starts_at=""),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"instructor_name", "synopsis", "starts_at"} <= set(errors)
    assert not OutsideTrainingSubmission.objects.exists()


def test_a_roster_gap_is_shown_above_the_form_not_as_a_crash(client, world):
    world.officer.unit = None
    world.officer.save()
    client.force_login(world.officer_user)
    response = client.post(reverse("outside-new"), form_data(requests_post_credit="on"))
    assert response.status_code == 200
    assert "assignment" in " ".join(response.context["form"].non_field_errors())


def test_out_of_state_training_tells_the_member_it_is_non_post(client, world):
    client.force_login(world.officer_user)
    response = client.post(
        reverse("outside-new"), form_data(state="KS", requests_post_credit="on"), follow=True
    )
    text = response.content.decode()
    assert "No POST credit" in text
    assert "held in KS" in text
    assert OutsideTrainingSubmission.objects.get().state == "KS"


def test_the_list_shows_the_members_own_submissions_and_reasons(client, world):
    mine = make(world, title="My seminar")
    make(world, officer=world.colleague, title="Colleague's seminar")
    return_submission(acting_user=world.training_user, submission=mine, reason="Wrong hours.")
    client.force_login(world.officer_user)
    text = client.get(reverse("outside-list")).content.decode()
    assert "My seminar" in text
    assert "Returned for changes" in text
    assert "Wrong hours." in text
    assert "Colleague&#x27;s seminar" not in text
    assert "Colleague's seminar" not in text


# --- Scoping -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["outside-detail", "outside-certificate", "outside-edit"])
def test_anyone_but_the_member_and_their_training_staff_gets_404(client, world, name):
    submission = make(world)
    url = reverse(name, args=[submission.pk])
    strangers = [
        colleague_login(world),
        world.supervisor_user,  # reads Dana's record, but not her submissions
        world.custodian_user,
        member(Role.TRAINING_STAFF, world.other_agency),
    ]
    for user in strangers:
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    client.force_login(world.officer_user)
    assert client.get(url).status_code == 200


def test_training_staff_see_the_detail_and_the_certificate(client, world):
    submission = make(world)
    client.force_login(world.training_user)
    assert client.get(reverse("outside-detail", args=[submission.pk])).status_code == 200
    response = client.get(reverse("outside-certificate", args=[submission.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF


def test_the_member_downloads_their_own_certificate(client, world):
    submission = make(world)
    client.force_login(world.officer_user)
    response = client.get(reverse("outside-certificate", args=[submission.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_review_queue_is_for_training_staff_of_the_agency(client, world):
    waiting = make(world, title="Waiting seminar")
    returned = make(world, title="Returned seminar")
    return_submission(acting_user=world.training_user, submission=returned, reason="Fix it.")
    make_for_other = member(Role.TRAINING_STAFF, world.other_agency)

    client.force_login(world.training_user)
    text = client.get(reverse("outside-queue")).content.decode()
    assert "Waiting seminar" in text
    assert "Returned seminar" not in text
    text = client.get(reverse("outside-queue"), {"status": "returned"}).content.decode()
    assert "Returned seminar" in text
    assert "Waiting seminar" not in text
    text = client.get(reverse("outside-queue"), {"status": "all"}).content.decode()
    assert "Returned seminar" in text
    assert "Waiting seminar" in text

    client.force_login(make_for_other)
    assert "Waiting seminar" not in client.get(reverse("outside-queue")).content.decode()
    client.force_login(world.officer_user)
    assert client.get(reverse("outside-queue")).status_code == 403
    assert client.get(reverse("outside-review", args=[waiting.pk])).status_code == 403
    client.force_login(make_for_other)
    assert client.get(reverse("outside-review", args=[waiting.pk])).status_code == 404


# --- Review --------------------------------------------------------------------------------


def test_staff_approve_with_a_new_course_id_and_the_officer_sees_the_record(client, world):
    submission = make(world, post_certified_by_presenter=True, presenter_post_number="MO-9")
    client.force_login(world.training_user)
    page = client.get(reverse("outside-review", args=[submission.pk]))
    assert page.status_code == 200
    assert page.context["form"].fields["post_certified"].initial is True

    response = client.post(
        reverse("outside-review", args=[submission.pk]),
        {"decision": "approve", "course": "", "category": "legal_studies", "post_certified": "on"},
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.APPROVED
    record = TrainingRecord.objects.get()
    assert record.post_certified is True
    assert record.category == "legal_studies"
    assert submission.course is not None
    assert submission.course.post_certification_number == "MO-9"

    client.force_login(world.officer_user)
    officer_page = client.get(reverse("officer-detail", args=[world.officer.pk])).content.decode()
    assert submission.course.course_id in officer_page
    assert "Interview and Interrogation" in officer_page
    detail = client.get(reverse("outside-detail", args=[submission.pk])).content.decode()
    assert "with POST credit" in detail


def test_staff_approve_with_a_course_from_the_catalog(client, world):
    course = CourseFactory(agency=world.agency, course_id="OF-00003")
    other = CourseFactory(agency=world.other_agency, course_id="EL-00001")
    submission = make(world)
    client.force_login(world.training_user)
    page = client.get(reverse("outside-review", args=[submission.pk]))
    choices = page.context["form"].fields["course"].queryset
    assert course in choices
    assert other not in choices
    client.post(
        reverse("outside-review", args=[submission.pk]),
        {"decision": "approve", "course": str(course.pk), "category": "technical_studies"},
    )
    record = TrainingRecord.objects.get()
    assert record.course_code == "OF-00003"
    assert record.post_certified is False


def test_returning_without_a_reason_is_refused_on_the_form(client, world):
    submission = make(world)
    client.force_login(world.training_user)
    response = client.post(
        reverse("outside-review", args=[submission.pk]), {"decision": "return", "reason": ""}
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED
    assert not AuditEvent.objects.filter(action="outside.return").exists()


def test_granting_post_credit_out_of_state_is_refused_on_the_form(client, world):
    submission = make(world, state="KS", post_certified_by_presenter=True)
    client.force_login(world.training_user)
    page = client.get(reverse("outside-review", args=[submission.pk]))
    assert "held in KS" in page.content.decode()
    assert page.context["form"].fields["post_certified"].initial is False
    response = client.post(
        reverse("outside-review", args=[submission.pk]),
        {"decision": "approve", "post_certified": "on"},
    )
    assert response.status_code == 200
    assert "post_certified" in response.context["form"].errors
    assert not TrainingRecord.objects.exists()


def test_denying_shows_the_reason_to_the_member(client, world):
    submission = make(world)
    client.force_login(world.training_user)
    client.post(
        reverse("outside-review", args=[submission.pk]),
        {"decision": "deny", "reason": "Not related to law enforcement."},
    )
    client.force_login(world.officer_user)
    text = client.get(reverse("outside-detail", args=[submission.pk])).content.decode()
    assert "Denied" in text
    assert "Not related to law enforcement." in text
    assert reverse("outside-edit", args=[submission.pk]) not in text


def test_the_member_edits_a_returned_submission_and_resubmits(client, world):
    submission = make(world, credit_hours=Decimal("40"))
    return_submission(acting_user=world.training_user, submission=submission, reason="36 h.")
    client.force_login(world.officer_user)
    page = client.get(reverse("outside-edit", args=[submission.pk]))
    assert page.status_code == 200
    assert "36 h." in page.content.decode()
    assert page.context["form"].initial["credit_hours"] == Decimal("40")
    data = form_data(credit_hours="36", certificate="")
    response = client.post(reverse("outside-edit", args=[submission.pk]), data)
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED
    assert submission.credit_hours == Decimal("36")


def test_a_decided_submission_cannot_be_edited_through_the_form(client, world):
    submission = make(world)
    client.force_login(world.training_user)
    client.post(reverse("outside-review", args=[submission.pk]), {"decision": "approve"})
    client.force_login(world.officer_user)
    response = client.post(reverse("outside-edit", args=[submission.pk]), form_data(title="X"))
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.title == "Interview and Interrogation"
    assert submission.status == SubmissionStatus.APPROVED


def test_the_member_withdraws_from_the_detail_page(client, world):
    submission = make(world)
    client.force_login(colleague_login(world))
    assert client.post(reverse("outside-withdraw", args=[submission.pk])).status_code == 404
    client.force_login(world.officer_user)
    response = client.post(reverse("outside-withdraw", args=[submission.pk]), follow=True)
    assert "withdrawn" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.WITHDRAWN


def test_staff_enter_a_paper_certificate_for_a_member_of_their_agency_only(client, world):
    client.force_login(world.training_user)
    page = client.get(reverse("outside-new"))
    officers = page.context["form"].fields["officer"].queryset
    assert world.colleague in officers
    assert world.outsider not in officers
    response = client.post(reverse("outside-new"), form_data(officer=str(world.colleague.pk)))
    assert response.status_code == 302
    submission = OutsideTrainingSubmission.objects.get()
    assert submission.officer == world.colleague
    assert submission.submitted_by == world.training_user
    response = client.post(reverse("outside-new"), form_data(officer=str(world.outsider.pk)))
    assert response.status_code == 200
    assert "officer" in response.context["form"].errors
    assert OutsideTrainingSubmission.objects.count() == 1


def test_a_login_without_an_officer_or_training_role_cannot_submit(client, world):
    client.force_login(world.custodian_user)
    assert client.get(reverse("outside-new")).status_code == 403
