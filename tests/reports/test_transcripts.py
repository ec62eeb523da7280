"""Transcripts: issuing (scope, audit), the PDF (rendered and read), and the verify pages."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from muster.accounts.models import Role
from muster.compliance.models import ComplianceSnapshot
from muster.core.models import AuditEvent
from muster.reports.models import IssuedTranscript
from muster.reports.transcripts import (
    ATTACHMENT_NAME,
    canonical_bytes,
    check_uploaded_pdf,
    embedded_content,
    issue_transcript,
    issue_transcript_pdf,
    render_transcript_pdf,
)
from muster.training.models import RecordSource
from muster.training.services import record_training
from tests.conftest import World, member
from tests.factories import CourseFactory, TopicFactory

NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)
BASE = "http://testserver/"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def trained(world: World) -> World:
    """Dana has two courses on record (1.5 h and 2 h) and a computed compliance result."""
    legal = CourseFactory(
        agency=world.agency,
        course_id="OF-00042",
        title="Use of Force Law Update",
        credit_minutes=90,
        category="legal_studies",
    )
    legal.topics.set([TopicFactory(code="ethics", name="Ethics")])
    firearms = CourseFactory(
        agency=world.agency,
        course_id="OF-00043",
        title="Low-Light Shooting",
        credit_minutes=120,
        category="technical_studies",
    )
    for course, day in ((legal, dt.date(2026, 3, 4)), (firearms, dt.date(2026, 6, 9))):
        record_training(
            acting_user=world.training_user,
            officer=world.officer,
            course=course,
            completed_on=day,
            source=RecordSource.SIGN_IN,
        )
    return world


def _pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def _with_embedded(data: bytes, content: dict) -> bytes:
    """The same PDF with its embedded transcript.json replaced (a forger's edit)."""
    pdf = pdfium.PdfDocument(data)
    try:
        for index in reversed(range(pdf.count_attachments())):
            if pdf.get_attachment(index).get_name() == ATTACHMENT_NAME:
                pdf.del_attachment(index)
        pdf.new_attachment(ATTACHMENT_NAME).set_data(canonical_bytes(content))
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()
    finally:
        pdf.close()


def _one_hour_more(content: dict) -> dict:
    forged = json.loads(json.dumps(content))
    row = next(r for r in forged["records"] if r["course_id"] == "OF-00042")
    row["hours"] = str(Decimal(row["hours"]) + 1)
    return forged


# --- Issuing ---------------------------------------------------------------------------------


def test_issuing_stores_what_the_document_shows_signed_and_audited(trained: World) -> None:
    transcript = issue_transcript(
        acting_user=trained.custodian_user, officer=trained.officer, period_label=None
    )
    c = transcript.content
    assert transcript.scope == "career"
    assert len(transcript.code) == 10
    assert c["code"] == transcript.code
    assert c["agency"] == {"name": "Osage Falls PD", "state": "MO", "ori": trained.agency.ori}
    assert c["officer"]["name"] == "Dana Reyes"
    assert c["officer"]["serial"] == trained.officer.serial_number
    rows = {r["course_id"]: r for r in c["records"]}
    assert rows["OF-00042"]["hours"] == "1.8"  # 90 minutes at 50 to the hour
    assert rows["OF-00042"]["minutes"] == 90
    assert rows["OF-00042"]["date"] == "2026-03-04"
    assert rows["OF-00042"]["topics"] == ["Ethics"]
    assert rows["OF-00042"]["role"] == "Attendee"
    assert rows["OF-00042"]["category"]  # the pack's label, not empty
    assert rows["OF-00043"]["hours"] == "2.4"
    snaps = ComplianceSnapshot.objects.filter(officer=trained.officer).order_by("period_start")
    assert [p["label"] for p in c["periods"]] == [s.period_label for s in snaps]
    current = next(p for p in c["periods"] if p["label"] == "2026")
    assert current["status"] == snaps.get(period_label="2026").status
    assert current["credited_hours"] == "4.2"  # 50-minute hours
    assert current["requirements"]
    assert len(transcript.signature) == 64

    event = AuditEvent.objects.get(action="transcript.issue")
    assert event.object_id == str(transcript.pk)
    assert event.actor == trained.custodian_user
    assert event.agency_id == trained.agency.pk
    assert "Confidential read" in event.reason
    assert "content" not in event.after


def test_an_officer_s_own_transcript_is_not_logged_as_a_confidential_read(
    trained: World,
) -> None:
    issue_transcript(acting_user=trained.officer_user, officer=trained.officer)
    assert AuditEvent.objects.get(action="transcript.issue").reason == ""


def test_a_period_transcript_holds_only_that_period(trained: World) -> None:
    record_training(
        acting_user=trained.training_user,
        officer=trained.officer,
        course=CourseFactory(agency=trained.agency, course_id="OF-00001", credit_minutes=60),
        completed_on=dt.date(2025, 5, 5),
        source=RecordSource.SIGN_IN,
    )
    transcript = issue_transcript(
        acting_user=trained.training_user, officer=trained.officer, period_label="2026"
    )
    assert transcript.scope == "2026"
    assert sorted(r["course_id"] for r in transcript.content["records"]) == [
        "OF-00042",
        "OF-00043",
    ]
    assert [p["label"] for p in transcript.content["periods"]] == ["2026"]


def test_an_unknown_period_is_refused_by_field_and_nothing_is_issued(trained: World) -> None:
    with pytest.raises(ValidationError) as err:
        issue_transcript(
            acting_user=trained.training_user, officer=trained.officer, period_label="1999"
        )
    assert "period" in err.value.message_dict
    assert not IssuedTranscript.objects.exists()
    assert not AuditEvent.objects.filter(action="transcript.issue").exists()


@pytest.mark.parametrize("who", ["colleague", "other_agency_admin", "other_unit_supervisor"])
def test_who_may_not_read_the_officer_gets_no_transcript(trained: World, who: str) -> None:
    user = {
        "colleague": lambda: _colleague_user(trained),
        "other_agency_admin": lambda: member(Role.AGENCY_ADMIN, trained.other_agency),
        "other_unit_supervisor": lambda: member(
            Role.SUPERVISOR, trained.agency, unit=trained.traffic
        ),
    }[who]()
    with pytest.raises(PermissionDenied):
        issue_transcript(acting_user=user, officer=trained.officer)
    assert not IssuedTranscript.objects.exists()
    assert not AuditEvent.objects.filter(action="transcript.issue").exists()


def _colleague_user(world: World):
    from tests.factories import UserFactory

    return UserFactory(officer=world.colleague)


# --- The PDF ---------------------------------------------------------------------------------


def test_the_pdf_renders_and_reads_with_course_ids_hours_and_the_verify_url(
    trained: World,
) -> None:
    transcript, data = issue_transcript_pdf(
        acting_user=trained.officer_user, officer=trained.officer, period_label=None, base_url=BASE
    )
    pdf = pdfium.PdfDocument(data)
    image = pdf[0].render(scale=1).to_pil().convert("L")
    low, high = image.getextrema()
    assert high - low > 200  # ink on paper, not a blank page
    # Enough dark pixels for a letterhead, two tables and a QR code.
    assert sum(image.histogram()[:128]) > 5000
    text = _pdf_text(data)
    for expected in (
        "Osage Falls PD",
        "Dana Reyes",
        "OF-00042",
        "OF-00043",
        "1.8",
        "90 min",
        "ORI",
    ):
        assert expected in text
    assert f"http://testserver/verify/{transcript.code}/" in text
    assert transcript.signature[:16] in text
    # The canonical content is embedded; the stored hash is the file's.
    assert embedded_content(data) == transcript.content
    transcript.refresh_from_db()
    assert len(transcript.pdf_sha256) == 64


# --- Verifying -------------------------------------------------------------------------------


def test_the_verify_page_needs_no_login_and_shows_only_the_stored_content(
    trained: World, client
) -> None:
    transcript = issue_transcript(acting_user=trained.training_user, officer=trained.officer)
    # Training entered after issue must not appear: the page shows the document, not the DB.
    record_training(
        acting_user=trained.training_user,
        officer=trained.officer,
        course=CourseFactory(agency=trained.agency, course_id="OF-00099", credit_minutes=60),
        completed_on=dt.date(2026, 11, 1),
        source=RecordSource.SIGN_IN,
    )
    response = client.get(reverse("verify", args=[transcript.code.lower()]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Authentic:</strong> issued by Osage Falls PD on Nov 20, 2026" in body
    assert "OF-00042" in body
    assert "OF-00099" not in body
    assert "NOT authentic" not in body.replace('<span class="badge void">NOT', "")


def test_a_stored_transcript_edited_in_the_database_is_not_authentic(
    trained: World, client
) -> None:
    transcript = issue_transcript(acting_user=trained.training_user, officer=trained.officer)
    content = _one_hour_more(transcript.content)
    IssuedTranscript.objects.filter(pk=transcript.pk).update(content=content)
    body = client.get(reverse("verify", args=[transcript.code])).content.decode()
    assert "NOT authentic" in body
    assert "OF-00042" not in body  # nothing from an untrustworthy row is shown


def test_an_unknown_code_answers_404_saying_no_such_transcript(world: World, client) -> None:
    response = client.get(reverse("verify", args=["ABCDEFGHJK"]))
    assert response.status_code == 404
    assert "No such transcript" in response.content.decode()


def test_an_uploaded_copy_exactly_as_issued_is_authentic_and_unaltered(
    trained: World, client
) -> None:
    transcript, data = issue_transcript_pdf(
        acting_user=trained.officer_user, officer=trained.officer, period_label=None, base_url=BASE
    )
    upload = SimpleUploadedFile("t.pdf", data, content_type="application/pdf")
    response = client.post(reverse("verify-upload"), {"document": upload})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Authentic and unaltered." in body
    assert transcript.code in body
    assert "has been altered" not in body


def test_an_uploaded_copy_with_one_hour_changed_is_rejected(trained: World, client) -> None:
    transcript, data = issue_transcript_pdf(
        acting_user=trained.officer_user, officer=trained.officer, period_label=None, base_url=BASE
    )
    forged = _with_embedded(data, _one_hour_more(transcript.content))
    verdict = check_uploaded_pdf(forged)
    assert not verdict.authentic
    assert verdict.changed == ("records",)
    upload = SimpleUploadedFile("t.pdf", forged, content_type="application/pdf")
    body = client.post(reverse("verify-upload"), {"document": upload}).content.decode()
    assert "This document has been altered" in body
    assert "Authentic and unaltered" not in body


def test_a_copy_re_rendered_with_a_changed_hour_is_rejected(trained: World) -> None:
    """A forger who re-renders the whole PDF from edited content cannot sign it."""
    transcript = issue_transcript(acting_user=trained.officer_user, officer=trained.officer)
    transcript.content = _one_hour_more(transcript.content)
    forged = render_transcript_pdf(transcript, BASE)
    assert "2.8" in _pdf_text(forged)
    verdict = check_uploaded_pdf(forged)
    assert not verdict.authentic
    assert "altered" in verdict.message


def test_a_copy_whose_file_differs_but_embedded_content_matches_is_rejected(
    trained: World,
) -> None:
    """Edits to the printed pages alone leave the embedded JSON intact; the file hash differs."""
    transcript, data = issue_transcript_pdf(
        acting_user=trained.officer_user, officer=trained.officer, period_label=None, base_url=BASE
    )
    changed = _with_embedded(data, transcript.content)  # re-saved: same content, other bytes
    assert changed != data
    verdict = check_uploaded_pdf(changed)
    assert not verdict.authentic
    assert "file is not the one issued" in verdict.message


def test_an_upload_that_is_no_transcript_is_refused_on_the_field(world: World, client) -> None:
    not_pdf = SimpleUploadedFile("t.pdf", b"hello", content_type="application/pdf")
    response = client.post(reverse("verify-upload"), {"document": not_pdf})
    assert response.status_code == 400
    assert "not a PDF, PNG or JPEG" in response.content.decode()
    plain = SimpleUploadedFile("t.pdf", render_plain_pdf(), content_type="application/pdf")
    response = client.post(reverse("verify-upload"), {"document": plain})
    assert response.status_code == 400
    assert "carries no Muster transcript" in response.content.decode()


def render_plain_pdf() -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string="<p>Not a transcript</p>").write_pdf())


# --- Views -----------------------------------------------------------------------------------


def test_the_officer_downloads_their_own_transcript(trained: World, client) -> None:
    client.force_login(trained.officer_user)
    page = client.get(reverse("transcript", args=[trained.officer.pk]))
    assert "Download transcript (PDF)" in page.content.decode()
    response = client.post(
        reverse("transcript-pdf", args=[trained.officer.pk]), {"period": "career"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    transcript = IssuedTranscript.objects.get()
    assert transcript.issued_by == trained.officer_user
    assert "OF-00042" in _pdf_text(response.content)


def test_a_bad_period_shows_on_the_form_and_issues_nothing(trained: World, client) -> None:
    client.force_login(trained.training_user)
    response = client.post(reverse("transcript-pdf", args=[trained.officer.pk]), {"period": "1999"})
    assert response.status_code == 400
    assert "period-error" in response.content.decode()
    assert not IssuedTranscript.objects.exists()


@pytest.mark.parametrize("who", ["outsider_admin", "traffic_supervisor", "colleague_officer"])
def test_others_get_404_for_the_transcript(trained: World, client, who: str) -> None:
    from tests.factories import MembershipFactory, UserFactory

    if who == "outsider_admin":
        user = member(Role.AGENCY_ADMIN, trained.other_agency)
    elif who == "traffic_supervisor":
        user = member(Role.SUPERVISOR, trained.agency, unit=trained.traffic)
    else:
        user = UserFactory(officer=trained.colleague)
        MembershipFactory(user=user, role=Role.OFFICER, agency=trained.agency)
    client.force_login(user)
    assert client.get(reverse("transcript", args=[trained.officer.pk])).status_code == 404
    assert client.post(reverse("transcript-pdf", args=[trained.officer.pk])).status_code == 404
    assert not IssuedTranscript.objects.exists()


def test_the_supervisor_of_the_officer_s_unit_may_download(trained: World, client) -> None:
    client.force_login(trained.supervisor_user)
    response = client.post(reverse("transcript-pdf", args=[trained.officer.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="transcript.issue")
    assert event.actor == trained.supervisor_user
    assert "Confidential read" in event.reason


def test_transcript_pages_need_a_login(trained: World, client) -> None:
    response = client.post(reverse("transcript-pdf", args=[trained.officer.pk]))
    assert response.status_code == 302
    assert not IssuedTranscript.objects.exists()


def test_a_link_or_image_elsewhere_cannot_issue_a_transcript(trained: World, client) -> None:
    client.force_login(trained.officer_user)
    assert client.get(reverse("transcript-pdf", args=[trained.officer.pk])).status_code == 405
    csrf_client = type(client)(enforce_csrf_checks=True)
    csrf_client.force_login(trained.officer_user)
    response = csrf_client.post(reverse("transcript-pdf", args=[trained.officer.pk]))
    assert response.status_code == 403
    assert not IssuedTranscript.objects.exists()


def test_uploads_with_odd_attachments_are_no_transcript_not_a_crash(trained: World, client):
    for payload in (b"", b"[" * 100_000):
        pdf = pdfium.PdfDocument.new()
        pdf.new_page(200, 200)
        attachment = pdf.new_attachment("transcript.json")
        if payload:
            attachment.set_data(payload)
        out = io.BytesIO()
        pdf.save(out)
        upload = io.BytesIO(out.getvalue())
        upload.name = "odd.pdf"
        response = client.post(reverse("verify-upload"), {"document": upload})
        assert response.status_code in (200, 400), payload[:5]
        assert "Authentic and unaltered" not in response.content.decode()
