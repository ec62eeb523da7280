"""An outside training certificate from submission to the officer's record, in a real browser:
the officer submits, the Training Unit returns it with a reason, the officer corrects and
resubmits, the Training Unit approves it under a Course ID, and the officer sees the record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from muster.outside.models import OutsideTrainingSubmission
from muster.training.models import TrainingRecord
from tests.conftest import World
from tests.e2e.helpers import OpenPage, sign_in
from tests.factories import CourseFactory

PASSWORD = "correct horse battery"  # every factory-made user's password
# The smallest file the upload check takes for a PDF: the signature and the end marker.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TITLE = "Crisis Negotiation Seminar"


@pytest.fixture
def shots(pytestconfig: pytest.Config) -> Path:
    folder = pytestconfig.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_an_officer_s_certificate_is_returned_corrected_approved_and_recorded(
    world: World, open_page: OpenPage, shots: Path
) -> None:
    course = CourseFactory(
        agency=world.agency, course_id="OF-00042", title="Crisis Negotiation (outside)"
    )
    day = world.agency.today() - dt.timedelta(days=3)
    officer = open_page()
    staff = open_page()

    def shot(page: Page, step: str) -> None:
        page.screenshot(path=shots / f"outside-journey-{step}.png", full_page=True)

    # 1. The officer submits the certificate.
    officer.goto("/login/")
    sign_in(officer, world.officer_user.username, PASSWORD)
    expect(officer).to_have_url("/")
    officer.goto("/outside-training/")
    officer.get_by_role("button", name="Submit outside training").click()
    expect(officer.get_by_role("heading", name="Submit outside training", level=1)).to_be_visible()
    officer.get_by_label("Course title").fill(TITLE)
    officer.get_by_label("Presented by").fill("Heartland Negotiators Association")
    officer.get_by_label("Location").fill("Springfield")
    officer.get_by_label("State where it was held").fill("MO")
    officer.get_by_label("Started", exact=True).fill(f"{day.isoformat()}T08:00")
    officer.get_by_label("Ended", exact=True).fill(f"{day.isoformat()}T17:00")
    officer.get_by_label("Total instructional hours").fill("10")
    officer.get_by_label("The presenter had this training POST-certified").check()
    officer.get_by_label("Completion certificate (PDF, PNG or JPEG)").set_input_files(
        files=[{"name": "negotiation.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    shot(officer, "1-form")
    officer.get_by_role("button", name="Submit to the Training Unit").click()

    expect(officer.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(officer.get_by_text("Waiting for the Training Unit")).to_be_visible()
    submission = OutsideTrainingSubmission.objects.get()
    assert submission.officer == world.officer
    shot(officer, "2-submitted")

    # 2. The Training Unit returns it: the certificate says 8 hours.
    staff.goto("/login/")
    sign_in(staff, world.training_user.username, PASSWORD)
    expect(staff).to_have_url("/")
    staff.goto("/outside-training/review/")
    row = staff.get_by_role("row").filter(has_text=TITLE)
    row.get_by_role("link", name="Review").click()
    expect(staff.get_by_role("heading", name=f"Review: {TITLE}")).to_be_visible()
    staff.get_by_label("Return to the member for changes").check()
    staff.get_by_label("Reason or note to the member").fill(
        "The certificate shows 8 instructional hours, not 10."
    )
    shot(staff, "3-returning")
    staff.get_by_role("button", name="Record the decision").click()
    expect(staff.get_by_text("Returned to the member for changes.")).to_be_visible()

    # 3. The officer reads the reason, corrects the hours and resubmits.
    officer.goto("/outside-training/")
    expect(
        officer.get_by_text("The certificate shows 8 instructional hours, not 10.")
    ).to_be_visible()
    shot(officer, "4-returned")
    officer.get_by_role("link", name=TITLE).click()
    officer.get_by_role("button", name="Edit and resubmit").click()
    expect(officer.get_by_label("Total instructional hours")).to_have_value("10.00")
    officer.get_by_label("Total instructional hours").fill("8")
    officer.get_by_role("button", name="Save and resubmit").click()
    expect(officer.get_by_text("Your changes were sent to the Training Unit.")).to_be_visible()
    expect(officer.get_by_text("Waiting for the Training Unit")).to_be_visible()
    shot(officer, "5-resubmitted")

    # 4. The Training Unit approves it under a Course ID from the catalog, with POST credit.
    staff.goto("/outside-training/review/")
    staff.get_by_role("row").filter(has_text=TITLE).get_by_role("link", name="Review").click()
    expect(staff.get_by_text("Returned for changes")).to_be_visible()  # the history
    staff.get_by_label("Approve: assign a Course ID and enter the training record").check()
    staff.get_by_label("Course ID", exact=True).select_option(label=str(course))
    expect(staff.get_by_label("Grant POST credit")).to_be_checked()
    shot(staff, "6-approving")
    staff.get_by_role("button", name="Record the decision").click()
    expect(staff.get_by_text("Approved and recorded under Course ID OF-00042.")).to_be_visible()
    shot(staff, "7-approved")

    record = TrainingRecord.objects.get(officer=world.officer)
    assert record.course_code == "OF-00042"
    assert record.post_certified is True
    assert str(record.credit_hours) == "8.00"

    # 5. The officer sees the training on their own record.
    officer.goto(f"/officers/{world.officer.pk}/")
    records = officer.get_by_role("region", name="Training records")
    row = records.get_by_role("row").filter(has_text="OF-00042")
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text("8 h (stated)")
    expect(row).to_contain_text("Certificate")
    shot(officer, "8-on-the-record")
