"""Transcripts: issuing one (its content and signature), its PDF, and verifying a copy.

A transcript's `content` is exactly what the PDF shows, as plain JSON (strings, lists, booleans;
no floats, so it reads back identically from SQLite and PostgreSQL). Its `signature` is
HMAC-SHA256 over the canonical bytes of that JSON (sorted keys, no spaces, UTF-8), keyed with a
key derived from SECRET_KEY for this purpose only. The PDF carries the same canonical JSON as an
embedded file named `transcript.json`, so an uploaded copy can be checked against the stored row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from muster.compliance.models import ComplianceSnapshot
from muster.compliance.rulepack import RulePack, load_pack
from muster.core.audit import record_audit, snapshot
from muster.people.models import Officer
from muster.reports.models import IssuedTranscript
from muster.training.models import Participation, TrainingRecord

CAREER = "career"
CONTENT_FORMAT = "muster-transcript/1"
ATTACHMENT_NAME = "transcript.json"
_KEY_LABEL = b"muster-transcript-v1"
_HUNDREDTH = Decimal("0.01")


# --- Signing ---------------------------------------------------------------------------------


def canonical_bytes(content: dict[str, Any]) -> bytes:
    """The bytes the signature covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _key(secret: str) -> bytes:
    # A key of its own, so a signature here can never be replayed as any other Django signature.
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def sign_content(content: dict[str, Any]) -> str:
    """HMAC-SHA256 of the content's canonical bytes, as hex."""
    return hmac.new(_key(settings.SECRET_KEY), canonical_bytes(content), hashlib.sha256).hexdigest()


def signature_holds(content: dict[str, Any], signature: str) -> bool:
    """Whether `signature` is this site's signature of `content` (old keys still count, so
    rotating SECRET_KEY with SECRET_KEY_FALLBACKS keeps issued transcripts verifiable)."""
    data = canonical_bytes(content)
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        expected = hmac.new(_key(secret), data, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, signature):
            return True
    return False


# --- Content ---------------------------------------------------------------------------------


def _number(value: Decimal | float | int | None) -> str:
    """A number as the document prints it: 24.00 → "24", 1.50 → "1.5"."""
    if value is None:
        return "0"
    text = f"{Decimal(str(value)).quantize(_HUNDREDTH, ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _record_row(record: TrainingRecord, pack: RulePack) -> dict[str, Any]:
    if record.minutes is not None:
        # Credit hours as the state counts them (Missouri: an hour per 50 minutes attended),
        # so the rows add up to the compliance totals; the minutes are shown beside them.
        credit = pack.version_for(record.completed_on).credit
        per_hour = (
            credit.instructor_minutes_per_hour
            if record.participation == Participation.INSTRUCTOR
            else credit.attendee_minutes_per_hour
        ).value
        hours = _number(Decimal(record.minutes) / Decimal(int(per_hour or 60)))
        basis = "minutes"
    elif record.credit_hours is not None:
        hours, basis = _number(record.credit_hours), "stated"
    else:
        hours, basis = _number(record.semester_hours), "semester"
    titles = {c.code: c.title for c in pack.categories}
    return {
        "course_id": record.course_code,
        "date": record.completed_on.isoformat(),
        "title": record.title,
        "provider": record.provider,
        "hours": hours,
        "hours_basis": basis,
        "minutes": record.minutes if record.minutes is not None else "",
        "category": titles.get(record.category, record.category),
        "topics": sorted(t.name for t in record.topics.all()),
        "role": record.get_participation_display(),
    }


def _period_row(snap: ComplianceSnapshot) -> dict[str, Any]:
    result = snap.result or {}
    requirements = []
    for req in result.get("requirements", []):
        unit = f" ({req['unit']})" if req.get("unit") else ""
        requirements.append(
            {
                "title": f"{req.get('title', '')}{unit}",
                "kind": str(req.get("kind", "")),
                "required": _number(req.get("required")),
                "credited": _number(req.get("credited")),
                "met": bool(req.get("met")),
                "waived": str(req.get("waived", "")),
            }
        )
    return {
        "label": snap.period_label,
        "start": snap.period_start.isoformat(),
        "end": snap.period_end.isoformat(),
        "status": snap.status,
        "reason": snap.reason,
        "deadline": snap.deadline.isoformat() if snap.deadline else "",
        "credited_hours": _number(snap.credited_hours),
        "required_hours": _number(snap.required_hours),
        "requirements": requirements,
    }


def build_content(
    *,
    acting_user: Any,
    officer: Officer,
    period_label: str | None,
    code: str,
    issued_at: dt.datetime,
) -> dict[str, Any]:
    """What a transcript shows, read only through what `acting_user` may read."""
    agency = officer.agency
    snapshots = ComplianceSnapshot.objects.visible_to(acting_user).filter(
        officer=officer, pack_id=agency.rule_pack
    )
    records = (
        TrainingRecord.objects.visible_to(acting_user)
        .current()
        .filter(officer=officer)
        .prefetch_related("topics")
        .order_by("completed_on", "id")
    )
    if period_label:
        period = snapshots.filter(period_label=period_label).first()
        if period is None:
            raise ValidationError(
                {"period": f"{officer.full_name} has no compliance period {period_label}."}
            )
        periods = [period]
        # Make-up training completed later but credited to this period belongs on it too.
        records = records.filter(
            Q(completed_on__range=(period.period_start, period.period_end))
            | Q(attributed_to_period=period_label)
        )
    else:
        periods = list(snapshots.order_by("period_start"))
    local = timezone.localtime(issued_at, agency.zone)
    pack = load_pack(agency.rule_pack)
    return {
        "format": CONTENT_FORMAT,
        "code": code,
        "scope": period_label or CAREER,
        "issued_at": issued_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "issued_on": local.date().isoformat(),
        "agency": {"name": agency.name, "state": agency.state, "ori": agency.ori},
        "officer": {
            "name": officer.full_name,
            "rank": officer.rank,
            "serial": officer.serial_number,
            "licence_number": officer.licence_number,
            "licence_class": officer.licence_class,
        },
        "records": [_record_row(r, pack) for r in records],
        "periods": [_period_row(p) for p in periods],
    }


# --- Issuing ---------------------------------------------------------------------------------


def issue_transcript(
    *, acting_user: Any, officer: Officer, period_label: str | None = None
) -> IssuedTranscript:
    """Issue a signed transcript of one officer's period (or whole career, when None)."""
    # Read through the user's scope, so one who may not read the officer learns nothing more.
    readable = (
        Officer.objects.visible_to(acting_user)
        .select_related("agency")
        .filter(pk=officer.pk)
        .first()
    )
    if readable is None:
        raise PermissionDenied("You may not read this officer's record.")
    label = (period_label or "").strip()
    if label.lower() == CAREER:
        label = ""
    with transaction.atomic():
        issued_at = timezone.now().replace(microsecond=0)
        transcript = IssuedTranscript(
            officer=readable,
            scope=label or CAREER,
            issued_by=acting_user if getattr(acting_user, "pk", None) is not None else None,
            issued_at=issued_at,
        )
        transcript.content = build_content(
            acting_user=acting_user,
            officer=readable,
            period_label=label or None,
            code=transcript.code,
            issued_at=issued_at,
        )
        transcript.signature = sign_content(transcript.content)
        transcript.full_clean()
        transcript.save()
        own = getattr(acting_user, "officer_id", None) == readable.pk
        record_audit(
            actor=acting_user,
            action="transcript.issue",
            obj=transcript,
            agency_id=readable.agency_id,
            # The content is personnel data already kept on the row; the log names the row.
            after={
                **snapshot(transcript, exclude=("content",)),
                "records": len(transcript.content["records"]),
                "periods": [p["label"] for p in transcript.content["periods"]],
            },
            reason="" if own else "Confidential read: a transcript of another person's record.",
        )
    return transcript


def verify_url(transcript: IssuedTranscript, base_url: str) -> str:
    """The absolute address of the transcript's verify page."""
    return urljoin(base_url, reverse("verify", args=[transcript.code]))


def render_transcript_pdf(transcript: IssuedTranscript, base_url: str) -> bytes:
    """The transcript as a PDF: what its content says, a QR code and the short address of its
    verify page, and the canonical content embedded as the file `transcript.json`."""
    import segno
    from weasyprint import HTML, Attachment  # imported here: it loads Pango

    url = verify_url(transcript, base_url)
    qr_svg = segno.make_qr(url, error="m").svg_inline(scale=3, border=2, omitsize=False)
    html = render_to_string(
        "reports/transcript_pdf.html",
        {
            "c": transcript.content,
            "verify_url": url,
            "qr_svg": qr_svg,
            "signature_short": transcript.signature[:16],
        },
    )
    attachment = Attachment(
        string=canonical_bytes(transcript.content),
        name=ATTACHMENT_NAME,
        description="The transcript's content as signed; upload this PDF at /verify/ to check it.",
        created=transcript.issued_at,
        modified=transcript.issued_at,
    )
    document = HTML(string=html, base_url=base_url)
    return bytes(document.write_pdf(attachments=[attachment]))


def issue_transcript_pdf(
    *, acting_user: Any, officer: Officer, period_label: str | None, base_url: str
) -> tuple[IssuedTranscript, bytes]:
    """Issue a transcript and render its PDF, remembering the file's SHA-256 for uploads."""
    # One transaction: a transcript whose file failed to render, and so has no fingerprint,
    # is never left behind to be shown on the verify page.
    with transaction.atomic():
        transcript = issue_transcript(
            acting_user=acting_user, officer=officer, period_label=period_label
        )
        pdf = render_transcript_pdf(transcript, base_url)
        transcript.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        IssuedTranscript.objects.filter(pk=transcript.pk).update(pdf_sha256=transcript.pdf_sha256)
    return transcript, pdf


# --- Verifying -------------------------------------------------------------------------------


def stored_is_authentic(transcript: IssuedTranscript) -> bool:
    """Whether the stored content is still what was signed (a row edited in the database
    is not)."""
    return isinstance(transcript.content, dict) and signature_holds(
        transcript.content, transcript.signature
    )


# A real transcript's content is a few tens of kilobytes even for a long career.
MAX_EMBEDDED_BYTES = 2 * 1024 * 1024


def embedded_content(data: bytes, *, field: str = "document") -> dict[str, Any] | None:
    """The transcript content embedded in a PDF, or None when it carries none."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ValidationError({field: "The file could not be read as a PDF."}) from exc
    try:
        for index in range(pdf.count_attachments()):
            attachment = pdf.get_attachment(index)
            if attachment.get_name() != ATTACHMENT_NAME:
                continue
            # Anything the public may upload: an empty, huge or deeply nested attachment is
            # "no transcript", never a server error.
            try:
                raw = bytes(attachment.get_data())
                if len(raw) > MAX_EMBEDDED_BYTES:
                    return None
                value = json.loads(raw)
            except (pdfium.PdfiumError, ValueError, UnicodeDecodeError, RecursionError):
                return None
            return value if isinstance(value, dict) else None
    except pdfium.PdfiumError as exc:
        raise ValidationError({field: "The file could not be read as a PDF."}) from exc
    finally:
        pdf.close()
    return None


@dataclass(frozen=True)
class UploadVerdict:
    """What checking an uploaded transcript PDF found."""

    authentic: bool
    transcript: IssuedTranscript | None
    message: str
    # Top-level parts of the content that differ from what was issued, e.g. ["records"].
    changed: tuple[str, ...] = ()


def check_uploaded_pdf(data: bytes, *, field: str = "document") -> UploadVerdict:
    """Compare an uploaded PDF with the transcript it claims to be.

    Authentic and unaltered means: the stored row still holds its signature, the embedded
    content carries that same signature, and the file is byte for byte the one issued.
    """
    content = embedded_content(data, field=field)
    if content is None:
        raise ValidationError(
            {field: "This PDF carries no Muster transcript (no embedded transcript.json)."}
        )
    code = str(content.get("code", "")).strip().upper()
    transcript = (
        IssuedTranscript.objects.select_related("officer__agency").filter(code=code).first()
    )
    if transcript is None:
        return UploadVerdict(False, None, "No transcript was issued under the code in this file.")
    if not stored_is_authentic(transcript):
        return UploadVerdict(
            False,
            transcript,
            "NOT authentic: Muster's own record of this transcript no longer matches its "
            "signature.",
        )
    changed = tuple(
        sorted(
            key
            for key in set(content) | set(transcript.content)
            if content.get(key) != transcript.content.get(key)
        )
    )
    if not signature_holds(content, transcript.signature) or changed:
        return UploadVerdict(
            False,
            transcript,
            "This document has been altered: its content differs from the transcript issued.",
            changed,
        )
    sha = hashlib.sha256(data).hexdigest()
    if not transcript.pdf_sha256:
        # Without the issued file's hash the printed pages cannot be checked.
        return UploadVerdict(
            False,
            transcript,
            "Cannot confirm this copy: Muster holds no fingerprint of the file issued under "
            "this code. Compare the printed pages with the content below.",
        )
    if not hmac.compare_digest(sha, transcript.pdf_sha256):
        return UploadVerdict(
            False,
            transcript,
            "This document has been altered: the file is not the one issued, so its printed "
            "pages may have been edited. Compare them with the content below.",
        )
    return UploadVerdict(True, transcript, "Authentic and unaltered.")
