"""A transcript from download to verification, in a real browser: the officer downloads their
transcript, a stranger opens the verify address printed on it and sees it is authentic, the
untouched PDF passes the upload check, and a copy with one hour changed is rejected."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from muster.reports.models import IssuedTranscript
from muster.training.models import RecordSource
from muster.training.services import record_training
from tests.conftest import World
from tests.e2e.helpers import OpenPage, sign_in
from tests.factories import CourseFactory
from tests.reports.test_transcripts import _one_hour_more, _pdf_text, _with_embedded

PASSWORD = "correct horse battery"  # every factory-made user's password


@pytest.fixture
def shots(pytestconfig: pytest.Config) -> Path:
    folder = pytestconfig.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_an_officer_s_transcript_is_downloaded_verified_and_a_forgery_rejected(
    world: World, open_page: OpenPage, shots: Path, tmp_path: Path
) -> None:
    course = CourseFactory(
        agency=world.agency,
        course_id="OF-00042",
        title="Use of Force Law Update",
        credit_minutes=100,
        category="legal_studies",
    )
    record_training(
        acting_user=world.training_user,
        officer=world.officer,
        course=course,
        completed_on=world.agency.today() - dt.timedelta(days=3),
        source=RecordSource.SIGN_IN,
    )
    officer = open_page()
    stranger = open_page()

    def shot(page: Page, step: str) -> None:
        page.screenshot(path=shots / f"transcript-{step}.png", full_page=True)

    # 1. The officer downloads their transcript from their transcript page.
    officer.goto("/login/")
    sign_in(officer, world.officer_user.username, PASSWORD)
    expect(officer).to_have_url("/")
    officer.goto(f"/officers/{world.officer.pk}/transcript/")
    expect(officer.get_by_role("heading", name="Transcript of", level=1)).to_be_visible()
    shot(officer, "1-page")
    with officer.expect_download() as download_info:
        officer.get_by_role("button", name="Download transcript (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf_path = tmp_path / download.suggested_filename
    download.save_as(pdf_path)
    data = pdf_path.read_bytes()
    text = _pdf_text(data)
    assert "OF-00042" in text
    assert "2 (100 min)" in text  # 100 minutes at Missouri's 50 to the hour
    transcript = IssuedTranscript.objects.get()
    assert transcript.issued_by == world.officer_user

    # The issued transcript is listed on the page, linking to its verify page.
    officer.reload()
    expect(officer.get_by_role("link", name=transcript.code)).to_be_visible()
    shot(officer, "2-issued")

    # 2. A stranger (no login) opens the address printed on the PDF.
    match = re.search(r"https?://\S+/verify/([A-Z0-9]{10})/", text)
    assert match is not None, text
    assert match.group(1) == transcript.code
    stranger.goto(match.group(0))
    expect(stranger.get_by_text("Authentic:", exact=False)).to_be_visible()
    expect(stranger.get_by_text("issued by Osage Falls PD", exact=False)).to_be_visible()
    expect(stranger.get_by_role("cell", name="OF-00042")).to_be_visible()
    shot(stranger, "3-verify-page")

    # 3. The untouched PDF passes the upload check.
    stranger.get_by_label("Transcript PDF").set_input_files(str(pdf_path))
    stranger.get_by_role("button", name="Check the PDF").click()
    expect(stranger.get_by_text("Authentic and unaltered.")).to_be_visible()
    shot(stranger, "4-upload-authentic")

    # 4. A copy with one hour changed is rejected.
    forged = _with_embedded(data, _one_hour_more(transcript.content))
    stranger.get_by_label("Transcript PDF").set_input_files(
        files=[{"name": "transcript.pdf", "mimeType": "application/pdf", "buffer": forged}]
    )
    stranger.get_by_role("button", name="Check the PDF").click()
    expect(stranger.get_by_text("This document has been altered", exact=False)).to_be_visible()
    expect(stranger.get_by_text("Authentic and unaltered.")).to_have_count(0)
    shot(stranger, "5-upload-altered")
