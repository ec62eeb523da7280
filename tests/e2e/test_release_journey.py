"""A records release from request to disclosure, in a real browser: the records custodian
enters a subpoena for an officer's training records and submits it; having entered it, they
cannot approve it even though they also sit on General Counsel / HR; General Counsel approves
it with two fields left out; the custodian produces the PDF, which holds only the approved
fields under the request number; the officer sees the disclosure on their own page; and the
audit log shows the release's rows."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import dateformat
from playwright.sync_api import Page, expect

from muster.accounts.models import Role
from muster.release.models import Disclosure, ReleaseRequest, ReleaseStatus
from tests.conftest import World, member
from tests.e2e.helpers import OpenPage, sign_in
from tests.factories import MembershipFactory, TrainingRecordFactory
from tests.release.conftest import pdf_pages

PASSWORD = "correct horse battery"  # every factory-made user's password
# Values that appear nowhere else, so finding them in the package means their field was there.
PROVIDER = "Zephyr Tactical Institute"
LOCATION = "Quarry Range Nine"
REQUESTER = "Jordan Pike"
ORGANISATION = "Pike & Lowell LLP"
CITATION = "Subpoena duces tecum, case 26AC-CC00412"


@pytest.fixture
def shots(pytestconfig: pytest.Config) -> Path:
    folder = pytestconfig.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_release_is_requested_approved_narrowed_produced_and_disclosed(
    world: World, open_page: OpenPage, shots: Path, tmp_path: Path
) -> None:
    today = world.agency.today()
    TrainingRecordFactory(
        officer=world.officer,
        completed_on=today - dt.timedelta(days=30),
        course_code="OF-00042",
        title="Use of Force Update",
        provider=PROVIDER,
        location=LOCATION,
        instructor_name=world.colleague.full_name,
    )
    TrainingRecordFactory(
        officer=world.officer,
        completed_on=today - dt.timedelta(days=400),
        course_code="OF-00007",
        title="Report Writing Basics",
    )
    # The custodian also sits on General Counsel / HR: one person may hold both roles, but
    # never decides a request they entered.
    custodian = world.custodian_user
    MembershipFactory(user=custodian, role=Role.COUNSEL_HR, agency=world.agency)
    counsel_user = member(Role.COUNSEL_HR, world.agency)
    clerk = open_page()
    counsel = open_page()
    officer = open_page()

    def shot(page: Page, step: str) -> None:
        page.screenshot(path=shots / f"release-journey-{step}.png", full_page=True)

    # 1. The custodian enters the request from the menu.
    clerk.goto("/login/")
    sign_in(clerk, custodian.username, PASSWORD)
    expect(clerk).to_have_url("/")
    clerk.get_by_role("navigation", name="Main").get_by_role("link", name="Records release").click()
    clerk.get_by_role("button", name="New release request").click()
    expect(clerk.get_by_role("heading", name="New release request", level=1)).to_be_visible()
    o = world.officer
    clerk.get_by_label("Officer", exact=True).select_option(
        label=f"{o.sort_name} (#{o.serial_number}, {world.agency.name})"
    )
    clerk.get_by_label("Requester's name").fill(REQUESTER)
    clerk.get_by_label("Requester's organisation").fill(ORGANISATION)
    clerk.get_by_label("Requester's contact").fill("jpike@pikelowell.invalid")
    clerk.get_by_label("Purpose").fill("Civil suit about a use of force.")
    clerk.get_by_label("Legal basis").select_option(label="Subpoena")
    clerk.get_by_label("Citation").fill(CITATION)
    clerk.get_by_label("Training records").check()
    for field in ("Course ID", "Title", "Date completed", "Credit hours", "Provider", "Location"):
        clerk.get_by_label(field, exact=True).check()
    clerk.get_by_label("PDF", exact=True).check()
    shot(clerk, "1-form")
    clerk.get_by_role("button", name="Enter the request").click()

    rr = ReleaseRequest.objects.get()
    number = rr.number
    assert re.fullmatch(rf"REL-{today.year}-\d{{4}}", number)
    assert rr.entered_by == custodian
    assert rr.fields == [
        "course_id",
        "title",
        "completed_on",
        "credit_hours",
        "provider",
        "location",
    ]
    expect(clerk.get_by_role("heading", name=f"Release request {number}")).to_be_visible()
    expect(clerk.get_by_text(f"Request {number} entered as a draft.")).to_be_visible()
    clerk.get_by_role("button", name="Submit to General Counsel / HR").click()
    expect(clerk.get_by_text(f"Request {number} submitted for decision.")).to_be_visible()

    # 2. Having entered it, the custodian may not decide it, though they hold the role.
    expect(
        clerk.get_by_text("You entered this request, so another member of General Counsel")
    ).to_be_visible()
    expect(clerk.get_by_role("button", name="Approve the release")).to_have_count(0)
    token = clerk.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    refused = clerk.request.post(
        f"/releases/{rr.pk}/approve/",
        form={"csrfmiddlewaretoken": token, "release_fields": "title"},
    )
    assert refused.status == 403
    rr.refresh_from_db()
    assert rr.status == ReleaseStatus.SUBMITTED
    expect(clerk.get_by_role("button", name=re.compile("Produce and download"))).to_have_count(0)
    shot(clerk, "2-submitted-not-yours-to-decide")

    # 3. General Counsel finds it on their home page and approves it without provider and
    #    location.
    counsel.goto("/login/")
    sign_in(counsel, counsel_user.username, PASSWORD)
    expect(counsel).to_have_url("/")
    counsel.get_by_role("link", name="1 records release requests to decide").click()
    counsel.get_by_role("link", name=number).click()
    expect(counsel.get_by_role("heading", name=f"Release request {number}")).to_be_visible()
    approve = counsel.get_by_role("region", name="Approve")
    expect(approve.get_by_label("Provider", exact=True)).to_be_checked()
    approve.get_by_label("Provider", exact=True).uncheck()
    approve.get_by_label("Location", exact=True).uncheck()
    approve.get_by_label("Note (optional)").fill("Provider and location are not relevant.")
    shot(counsel, "3-approving")
    approve.get_by_role("button", name="Approve the release").click()
    expect(counsel.get_by_text(f"Request {number} approved.")).to_be_visible()
    expect(
        counsel.get_by_text("Course ID, Title, Date completed, Credit hours", exact=True)
    ).to_be_visible()
    rr.refresh_from_db()
    assert rr.status == ReleaseStatus.APPROVED
    assert rr.decided_by == counsel_user
    assert rr.approved_fields == ["course_id", "title", "completed_on", "credit_hours"]

    # 4. The custodian produces the PDF: only the approved fields, under the request number.
    clerk.reload()
    produce = clerk.get_by_role("region", name="Produce the package")
    with clerk.expect_download() as download_info:
        produce.get_by_role("button", name="Produce and download (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"{number}.pdf"
    pdf_path = tmp_path / download.suggested_filename
    download.save_as(pdf_path)
    pages = pdf_pages(pdf_path.read_bytes())
    text = "\n".join(pages)
    assert all(f"Request {number}" in page for page in pages)  # every page carries the number
    for shown in ("OF-00042", "Use of Force Update", "OF-00007", "Report Writing Basics"):
        assert shown in text
    assert "Credit hours" in text
    for left_out in (PROVIDER, LOCATION, "Provider", "Location", world.colleague.last_name):
        assert left_out not in text
    disclosure = Disclosure.objects.get()
    assert disclosure.produced_by == custodian
    assert disclosure.fields == rr.approved_fields
    assert disclosure.record_count == 2
    clerk.reload()
    expect(clerk.get_by_role("heading", name=f"Release request {number}")).to_contain_text(
        "Released"
    )
    log = clerk.get_by_role("region", name="Disclosure log")
    expect(log.get_by_role("cell", name=disclosure.sha256)).to_be_visible()
    shot(clerk, "4-released")

    # 5. The officer sees the disclosure on their own page: to whom, when, under which number
    #    and on what basis, without a link to the request itself.
    officer.goto("/login/")
    sign_in(officer, world.officer_user.username, PASSWORD)
    officer.get_by_role("navigation", name="Main").get_by_role("link", name="My training").click()
    disclosures = officer.get_by_role("region", name="Disclosures")
    row = disclosures.get_by_role("row").filter(has_text=number)
    produced_on = disclosure.produced_at.astimezone(world.agency.zone)
    expect(row).to_contain_text(dateformat.format(produced_on, "M j, Y"))
    expect(row).to_contain_text(f"{REQUESTER}, {ORGANISATION}")
    expect(row).to_contain_text(f"Subpoena — {CITATION}")
    expect(row).to_contain_text("Course ID, Title, Date completed, Credit hours")
    expect(row.get_by_role("link", name=number)).to_have_count(0)
    shot(officer, "5-officer-sees-the-disclosure")

    # 6. The audit log, as the custodian, shows the release's rows, newest first.
    clerk.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    clerk.get_by_role("textbox", name=re.compile("^Action")).fill("release.")
    clerk.get_by_role("button", name="Filter").click()
    actions = clerk.locator("table tbody tr td:nth-child(4)")
    expect(actions).to_have_text(
        [
            "release.released",
            "release.produce",
            "release.approve",
            "release.submit",
            "release.create",
        ]
    )
    approve_row = clerk.get_by_role("row").filter(has_text="release.approve")
    expect(approve_row).to_contain_text(counsel_user.username)
    expect(approve_row).to_contain_text("Not approved: Provider, Location.")
    expect(clerk.get_by_role("row").filter(has_text="release.produce")).to_contain_text(
        f"Released to {REQUESTER} under {number}."
    )
    shot(clerk, "6-audit-log")
