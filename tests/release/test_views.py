"""Records release pages: who sees the list and a request, the new-request form, deciding and
producing through the pages, and the disclosure log on the officer's own page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from muster.accounts.models import Role
from muster.core.models import AuditEvent
from muster.release import services
from muster.release.models import Disclosure, ReleaseRequest, ReleaseStatus
from tests.conftest import member
from tests.factories import MembershipFactory, UserFactory
from tests.release.conftest import ALL_QUALIFICATION, ALL_TRAINING, csv_rows, pdf_pages

pytestmark = pytest.mark.django_db


def _detail(request):
    return reverse("release-detail", args=[request.pk])


def _form(world, **overrides):
    data = {
        "officer": str(world.officer.pk),
        "requester_name": "Jordan Pike",
        "requester_organisation": "Pike & Lowell LLP",
        "requester_contact": "jpike@pikelowell.invalid",
        "purpose": "Civil suit.",
        "legal_basis": "court_order",
        "legal_citation": "Order of Jan 5, 2026, case 26AC-CC00412",
        "period_from": "",
        "period_to": "",
        "record_kinds": ["training"],
        "release_fields": ["title", "completed_on"],
        "format": "csv",
    }
    data.update(overrides)
    return data


def test_pages_ask_an_anonymous_visitor_to_sign_in(client, world, make_request):
    request = make_request()
    for url in (reverse("release-list"), reverse("release-new"), _detail(request)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_records_staff_and_counsel_see_the_list_filtered_by_status(
    client, world, counsel, make_request
):
    make_request()
    make_request(to="submitted", requester_name="Alice Morrow")
    for user in (world.custodian_user, world.training_user, world.admin_user, counsel):
        client.force_login(user)
        page = client.get(reverse("release-list")).content.decode()
        assert "REL-2026-0001" in page
        assert "REL-2026-0002" in page
    page = client.get(reverse("release-list"), {"status": "submitted"}).content.decode()
    assert "Alice Morrow" in page
    assert "REL-2026-0001" not in page


def test_officers_supervisors_and_commission_staff_do_not_see_the_list(
    client, world, commission_user, make_request
):
    make_request()
    for user in (world.officer_user, world.supervisor_user, commission_user):
        client.force_login(user)
        assert client.get(reverse("release-list")).status_code == 403
        assert client.get(reverse("release-new")).status_code == 403


def test_another_agency_sees_none_of_our_requests(client, world, make_request):
    request = make_request()
    client.force_login(member(Role.RECORDS_CUSTODIAN, world.other_agency))
    assert "REL-2026-0001" not in client.get(reverse("release-list")).content.decode()
    assert client.get(_detail(request)).status_code == 404
    response = client.post(reverse("release-produce", args=[request.pk]))
    assert response.status_code == 404


def test_the_officer_cannot_open_a_request_about_themself(client, world, make_request):
    request = make_request()
    client.force_login(world.officer_user)
    assert client.get(_detail(request)).status_code == 404


def test_the_custodian_enters_a_request_through_the_form(client, world):
    client.force_login(world.custodian_user)
    page = client.get(reverse("release-new"))
    choices = page.context["form"].fields["officer"].queryset
    assert world.officer in choices
    assert world.outsider not in choices
    response = client.post(reverse("release-new"), _form(world))
    request = ReleaseRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail(request)
    assert request.number == "REL-2026-0001"
    assert request.fields == ["title", "completed_on"]
    assert request.entered_by == world.custodian_user
    assert request.legal_basis == "court_order"


def test_a_bad_request_shows_the_field_and_creates_nothing(client, world):
    client.force_login(world.custodian_user)
    response = client.post(
        reverse("release-new"),
        _form(world, record_kinds=["qualifications"], legal_citation=""),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "legal_citation" in form.errors
    assert not ReleaseRequest.objects.exists()
    # The service's own refusals land next to the field too.
    response = client.post(reverse("release-new"), _form(world, record_kinds=["qualifications"]))
    assert "a field of training records" in " ".join(
        response.context["form"].errors["release_fields"]
    )
    assert not ReleaseRequest.objects.exists()


def test_an_officer_of_another_agency_cannot_be_picked(client, world):
    client.force_login(world.custodian_user)
    response = client.post(reverse("release-new"), _form(world, officer=str(world.outsider.pk)))
    assert "officer" in response.context["form"].errors
    assert not ReleaseRequest.objects.exists()


def test_counsel_cannot_enter_a_request(client, world, counsel):
    client.force_login(counsel)
    assert client.get(reverse("release-new")).status_code == 403
    assert client.post(reverse("release-new"), _form(world)).status_code == 403
    assert not ReleaseRequest.objects.exists()


def test_the_detail_page_offers_each_role_its_own_actions(client, world, counsel, make_request):
    request = make_request(to="submitted")
    client.force_login(world.custodian_user)
    page = client.get(_detail(request)).content.decode()
    assert "Pike &amp; Lowell LLP" in page
    assert "Subpoena duces tecum" in page
    assert "Approve the release" not in page
    assert "Withdraw this request" in page
    client.force_login(counsel)
    page = client.get(_detail(request)).content.decode()
    assert "Approve the release" in page
    assert "Deny the release" in page
    assert "Produce and download" not in page


def test_counsel_approves_fewer_fields_through_the_page(client, world, counsel, make_request):
    request = make_request(to="submitted")
    client.force_login(counsel)
    response = client.post(
        reverse("release-approve", args=[request.pk]),
        {"release_fields": ["title", "completed_on"], "reason": "Enough."},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == ReleaseStatus.APPROVED
    assert request.approved_fields == ["title", "completed_on"]
    assert request.decided_by == counsel


def test_approving_a_field_not_asked_for_is_refused_on_the_page(
    client, world, counsel, make_request
):
    request = make_request(to="submitted", record_kinds=["training"], fields=["title"])
    client.force_login(counsel)
    response = client.post(
        reverse("release-approve", args=[request.pk]), {"release_fields": ["score"]}
    )
    assert response.status_code == 400
    assert "release_fields" in response.content.decode()
    request.refresh_from_db()
    assert request.status == ReleaseStatus.SUBMITTED


def test_a_denial_without_reason_is_shown_and_changes_nothing(client, world, counsel, make_request):
    request = make_request(to="submitted")
    client.force_login(counsel)
    response = client.post(reverse("release-deny", args=[request.pk]), {"reason": ""})
    assert response.status_code == 400
    request.refresh_from_db()
    assert request.status == ReleaseStatus.SUBMITTED
    response = client.post(reverse("release-deny", args=[request.pk]), {"reason": "No."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == ReleaseStatus.DENIED


def test_records_staff_cannot_approve_through_the_page(client, world, make_request):
    request = make_request(to="submitted")
    client.force_login(world.custodian_user)
    response = client.post(
        reverse("release-approve", args=[request.pk]), {"release_fields": ["title"]}
    )
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == ReleaseStatus.SUBMITTED


def test_counsel_who_entered_it_is_told_someone_else_decides(client, world, make_request):
    both = member(Role.COUNSEL_HR, world.agency)
    both.memberships.create(role=Role.RECORDS_CUSTODIAN, agency=world.agency)
    request = make_request(to="submitted", user=both)
    client.force_login(both)
    page = client.get(_detail(request)).content.decode()
    assert "another member of General Counsel or HR decides it" in page
    assert "Approve the release" not in page
    response = client.post(reverse("release-approve", args=[request.pk]))
    assert response.status_code == 403


def test_producing_downloads_the_package_and_logs_it(client, world, make_request, dana_records):
    request = make_request(to="approved")
    client.force_login(world.custodian_user)
    assert client.get(reverse("release-produce", args=[request.pk])).status_code == 405
    response = client.post(reverse("release-produce", args=[request.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="REL-2026-0001.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert all("REL-2026-0001" in text for text in pdf_pages(response.content))
    disclosure = Disclosure.objects.get()
    assert disclosure.produced_by == world.custodian_user
    page = client.get(_detail(request)).content.decode()
    assert disclosure.sha256 in page
    assert "has been released before" in page


def test_producing_before_approval_is_refused_on_the_page(client, world, make_request):
    request = make_request(to="submitted")
    client.force_login(world.custodian_user)
    response = client.post(reverse("release-produce", args=[request.pk]))
    assert response.status_code == 400
    assert "nothing is produced before" in response.content.decode()
    assert not Disclosure.objects.exists()


def test_the_csv_download_parses(client, world, make_request, dana_records):
    request = make_request(to="approved", format="csv", approve=["title"])
    client.force_login(world.training_user)
    response = client.post(reverse("release-produce", args=[request.pk]))
    assert response["Content-Type"].startswith("text/csv")
    header, *rows = csv_rows(response.content)
    assert header == ["Request number", "Record kind", "Title"]
    assert {row[0] for row in rows} == {"REL-2026-0001"}


def test_submit_and_withdraw_through_the_page(client, world, make_request):
    request = make_request()
    client.force_login(world.custodian_user)
    assert client.post(reverse("release-submit", args=[request.pk])).status_code == 302
    request.refresh_from_db()
    assert request.status == ReleaseStatus.SUBMITTED
    response = client.post(
        reverse("release-withdraw", args=[request.pk]), {"reason": "Subpoena quashed."}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.withdrawal_reason) == ("withdrawn", "Subpoena quashed.")
    assert AuditEvent.objects.filter(action="release.withdraw").exists()


# --- The officer's own page ------------------------------------------------------------------


def _released(world, make_request):
    request = make_request(
        to="approved", format="csv", approve=["title", "completed_on", "qualification_result"]
    )
    services.produce_package(acting_user=world.custodian_user, request=request)
    return request


def test_the_officer_sees_their_disclosure_log(client, world, make_request, dana_records):
    _released(world, make_request)
    client.force_login(world.officer_user)
    page = client.get(reverse("officer-detail", args=[world.officer.pk])).content.decode()
    assert "Disclosures" in page
    assert "REL-2026-0001" in page
    assert "Jordan Pike, Pike &amp; Lowell LLP" in page
    assert "Subpoena — Subpoena duces tecum" in page
    assert "Title, Date completed, Qualification result" in page
    # The officer sees the log but has no page for the request itself.
    assert _detail(ReleaseRequest.objects.get()) not in page


def test_an_officer_never_released_is_told_so(client, world):
    client.force_login(world.officer_user)
    page = client.get(reverse("officer-detail", args=[world.officer.pk])).content.decode()
    assert "never been released outside the agency" in page


def test_records_staff_see_the_log_with_a_link_to_the_request(
    client, world, make_request, dana_records
):
    request = _released(world, make_request)
    client.force_login(world.training_user)
    page = client.get(reverse("officer-detail", args=[world.officer.pk])).content.decode()
    assert "REL-2026-0001" in page
    assert _detail(request) in page


def test_a_supervisor_sees_the_record_but_not_the_disclosures(
    client, world, make_request, dana_records
):
    _released(world, make_request)
    client.force_login(world.supervisor_user)
    response = client.get(reverse("officer-detail", args=[world.officer.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Disclosures" not in page
    assert "Jordan Pike" not in page


def test_a_colleague_never_sees_anothers_disclosures(client, world, make_request, dana_records):
    _released(world, make_request)
    colleague_user = UserFactory(officer=world.colleague)
    MembershipFactory(user=colleague_user, role=Role.OFFICER, agency=world.agency)
    client.force_login(colleague_user)
    assert client.get(reverse("officer-detail", args=[world.officer.pk])).status_code == 404


# --- Home page and navigation ----------------------------------------------------------------


def test_counsel_home_counts_the_requests_waiting_for_a_decision(
    client, world, counsel, make_request
):
    make_request(to="submitted")
    make_request(to="submitted")
    make_request()  # a draft waits for nobody
    client.force_login(counsel)
    page = client.get(reverse("home")).content.decode()
    assert "2</strong> records release requests to decide" in page
    assert f"{reverse('release-list')}?status=submitted" in page
    client.force_login(world.training_user)
    assert "records release requests to decide" not in client.get(reverse("home")).content.decode()


def test_the_menu_shows_records_release_to_the_roles_that_use_it(client, world, counsel):
    for user, shown in (
        (world.custodian_user, True),
        (counsel, True),
        (world.training_user, True),
        (world.officer_user, False),
        (world.supervisor_user, False),
    ):
        client.force_login(user)
        page = client.get(reverse("home")).content.decode()
        assert ("Records release" in page) is shown


def test_every_field_of_the_catalogue_can_be_released(client, world, make_request, dana_records):
    request = make_request(
        to="approved",
        format="csv",
        record_kinds=["training", "qualifications", "compliance"],
        fields=[
            *ALL_TRAINING,
            *ALL_QUALIFICATION,
            "compliance_period",
            "compliance_status",
            "compliance_hours",
        ],
    )
    _disclosure, package = services.produce_package(
        acting_user=world.custodian_user, request=request
    )
    header, *rows = csv_rows(package.data)
    assert len(header) == 2 + 19
    assert {row[1] for row in rows} == {
        "Training records",
        "Firearms qualifications",
        "Compliance results",
    }
