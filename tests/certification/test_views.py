"""Course certification pages: lists, the new-request form, the request page and its
actions, downloads, and 404s for requests the user may not read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from muster.accounts.models import Role
from muster.certification import services
from muster.certification.models import CertificationRequest, PacketDocument, RequestStatus
from tests.certification.conftest import ALL_KINDS, PDF, TODAY, pdf
from tests.conftest import member
from tests.factories import CourseFactory


def _detail(request):
    return reverse("certification-detail", args=[request.pk])


def test_pages_ask_an_anonymous_visitor_to_sign_in(client, world, make_request):
    request = make_request()
    for url in (reverse("certification-list"), reverse("certification-new"), _detail(request)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_the_liaisons_list_warns_of_the_days_left(client, world, make_request):
    make_request(days=37, class_name="Traffic Stops")
    client.force_login(world.officer_user)
    page = client.get(reverse("certification-list")).content.decode()
    assert "My course certification requests" in page
    assert "Traffic Stops" in page
    assert "7 days left to complete the packet" in page
    assert "All requests of the agency" not in page


def test_training_staff_see_every_request_of_their_agency(client, world, make_request):
    make_request(class_name="Dana's class")
    make_request(user=world.training_user, liaison=world.colleague, class_name="Colleague class")
    client.force_login(world.training_user)
    page = client.get(reverse("certification-list")).content.decode()
    assert "All requests of the agency" in page
    assert "Dana&#x27;s class" in page
    assert "Colleague class" in page


def test_another_agency_sees_none_of_our_requests(client, world, make_request):
    make_request(class_name="Secret class")
    client.force_login(member(Role.TRAINING_STAFF, world.other_agency))
    assert "Secret class" not in client.get(reverse("certification-list")).content.decode()


def test_a_new_request_makes_the_member_its_liaison(client, world):
    client.force_login(world.officer_user)
    assert "liaison" not in client.get(reverse("certification-new")).context["form"].fields
    response = client.post(
        reverse("certification-new"),
        {
            "class_name": "Ethics in Policing",
            "hours": "2.5",
            "first_delivery_on": "2027-02-01",
            "further_dates": "",
            "location": "HQ",
        },
    )
    request = CertificationRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail(request)
    assert request.liaison == world.officer
    assert str(request.hours) == "2.50"


def test_a_bad_new_request_shows_the_field_and_creates_nothing(client, world):
    client.force_login(world.officer_user)
    response = client.post(
        reverse("certification-new"),
        {"class_name": "X", "hours": "3", "first_delivery_on": "2026-01-01", "location": "HQ"},
    )
    assert response.status_code == 200
    assert "The first delivery date has passed." in response.content.decode()
    assert response.context["form"].errors["first_delivery_on"]
    assert not CertificationRequest.objects.exists()


def test_training_staff_name_the_liaison_on_the_form(client, world):
    client.force_login(world.training_user)
    response = client.post(
        reverse("certification-new"),
        {
            "class_name": "Range safety",
            "hours": "4",
            "first_delivery_on": "2027-02-01",
            "location": "Range",
            "liaison": world.colleague.pk,
        },
    )
    assert response.status_code == 302
    assert CertificationRequest.objects.get().liaison == world.colleague


def test_the_request_page_shows_the_checklist_of_six_kinds(client, world, make_request):
    request = make_request(kinds=("lesson_plan",))
    client.force_login(world.officer_user)
    response = client.get(_detail(request))
    page = response.content.decode()
    checklist = response.context["checklist"]
    assert [label for _, label, _ in checklist][-1] == "All training materials"
    assert page.count("✓ Present") == 1
    assert page.count(">Missing<") == 5
    assert "lesson_plan.pdf" in page


@pytest.mark.parametrize("who", ["colleague", "supervisor", "other_agency_staff"])
def test_others_get_404_for_the_request_and_its_documents(client, world, make_request, who):
    request = make_request(kinds=("lesson_plan",))
    document = request.documents.get()
    user = {
        "colleague": member(Role.OFFICER, world.agency),
        "supervisor": world.supervisor_user,
        "other_agency_staff": member(Role.TRAINING_STAFF, world.other_agency),
    }[who]
    client.force_login(user)
    assert client.get(_detail(request)).status_code == 404
    url = reverse("certification-document", args=[request.pk, document.pk])
    assert client.get(url).status_code == 404
    assert client.post(reverse("certification-submit", args=[request.pk])).status_code == 404
    upload = reverse("certification-upload", args=[request.pk])
    response = client.post(upload, {"kind": "lesson_plan", "file": pdf()})
    assert response.status_code == 404
    assert request.documents.count() == 1


def test_a_document_downloads_as_an_attachment_for_the_liaison(client, world, make_request):
    request = make_request(kinds=("lesson_plan",))
    document = request.documents.get()
    client.force_login(world.officer_user)
    response = client.get(reverse("certification-document", args=[request.pk, document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


def test_a_document_of_another_request_answers_404(client, world, make_request):
    mine = make_request()
    other = make_request(kinds=("lesson_plan",))
    client.force_login(world.officer_user)
    url = reverse("certification-document", args=[mine.pk, other.documents.get().pk])
    assert client.get(url).status_code == 404


def test_uploading_through_the_page(client, world, make_request):
    request = make_request()
    client.force_login(world.officer_user)
    response = client.post(
        reverse("certification-upload", args=[request.pk]),
        {"kind": "learning_objectives", "file": pdf("objectives.pdf")},
    )
    assert response.status_code == 302
    assert request.documents.get().original_name == "objectives.pdf"


def test_a_bad_upload_is_shown_next_to_the_file_field(client, world, make_request):
    from django.core.files.uploadedfile import SimpleUploadedFile

    request = make_request()
    client.force_login(world.officer_user)
    response = client.post(
        reverse("certification-upload", args=[request.pk]),
        {"kind": "lesson_plan", "file": SimpleUploadedFile("plan.pdf", b"hello")},
    )
    assert response.status_code == 200
    assert response.context["document_form"].errors["file"]
    assert "plan.pdf is not a PDF, PNG or JPEG" in response.content.decode()
    assert not PacketDocument.objects.exists()


def test_removing_a_document_through_the_page(client, world, make_request):
    request = make_request(kinds=("lesson_plan",))
    document = request.documents.get()
    client.force_login(world.officer_user)
    url = reverse("certification-document-remove", args=[request.pk, document.pk])
    assert client.post(url).status_code == 302
    assert not request.documents.exists()


def test_submitting_an_incomplete_packet_shows_what_is_missing(client, world, make_request):
    request = make_request(kinds=ALL_KINDS[:5])
    client.force_login(world.officer_user)
    response = client.post(reverse("certification-submit", args=[request.pk]))
    assert response.status_code == 200
    assert "still missing: All training materials" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.DRAFT


def test_a_late_packet_page_asks_for_the_director(client, world, make_request):
    request = make_request(days=20, kinds=ALL_KINDS)
    client.force_login(world.officer_user)
    page = client.get(_detail(request)).content.decode()
    assert "needs the Director&#x27;s approval" in page
    response = client.post(reverse("certification-submit", args=[request.pk]))
    assert "only 20 days are left" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.DRAFT


def test_only_the_director_gets_the_late_exception_form(client, world, director, make_request):
    request = make_request(days=20, kinds=ALL_KINDS)
    url = reverse("certification-late-exception", args=[request.pk])
    client.force_login(world.training_user)
    assert "Approve a late packet" not in client.get(_detail(request)).content.decode()
    assert client.post(url, {"reason": "Please"}).status_code == 403
    request.refresh_from_db()
    assert request.late_exception_by is None

    client.force_login(director)
    assert "Approve a late packet" in client.get(_detail(request)).content.decode()
    response = client.post(url, {"reason": ""})
    assert response.context["late_form"].errors["reason"]
    assert client.post(url, {"reason": "New state mandate."}).status_code == 302
    request.refresh_from_db()
    assert request.late_exception_by == director

    client.force_login(world.officer_user)
    assert client.post(reverse("certification-submit", args=[request.pk])).status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_training_staff_record_progress_and_the_number_reaches_the_course(
    client, world, make_request
):
    course = CourseFactory(agency=world.agency)
    request = make_request(kinds=ALL_KINDS, course=course)
    services.submit_request(acting_user=world.officer_user, request=request)
    url = reverse("certification-progress", args=[request.pk])
    client.force_login(world.officer_user)
    assert client.post(url, {"step": "sent", "on": TODAY.isoformat()}).status_code == 403

    client.force_login(world.training_user)
    future = (TODAY + dt.timedelta(days=2)).isoformat()
    response = client.post(url, {"step": "sent", "on": future})
    assert response.context["progress_form"].errors["on"]
    assert client.post(url, {"step": "sent", "on": TODAY.isoformat()}).status_code == 302
    response = client.post(url, {"step": "certified", "on": TODAY.isoformat()})
    assert response.context["progress_form"].errors["certification_number"]
    response = client.post(
        url, {"step": "certified", "on": TODAY.isoformat(), "certification_number": "MO-9"}
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.post_certified
    assert course.post_certification_number == "MO-9"
    assert "MO-9" in client.get(_detail(request)).content.decode()


def test_the_liaison_withdraws_through_the_page(client, world, make_request):
    request = make_request()
    client.force_login(world.officer_user)
    response = client.post(reverse("certification-withdraw", args=[request.pk]), {"reason": ""})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN


def test_training_staff_change_the_liaison_through_the_page(client, world, make_request):
    request = make_request()
    client.force_login(world.training_user)
    response = client.post(
        reverse("certification-liaison", args=[request.pk]),
        {"liaison": world.colleague.pk, "reason": "Reassigned"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.liaison == world.colleague
