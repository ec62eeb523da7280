"""Issued transcripts: what each one showed, and the signature that lets anyone verify it."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from muster.accounts.scope import OfficerScopedQuerySet

# Base32 without the letters people misread for digits (I, L, O) and without 0 and 1.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 31**10 ≈ 8e14 codes: unguessable for a page that needs no sign-in


def new_transcript_code() -> str:
    """A random public code for a transcript's verify page."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class IssuedTranscriptQuerySet(OfficerScopedQuerySet["IssuedTranscript"]):
    """Issued transcripts, scoped through their officer."""


class IssuedTranscript(models.Model):
    """One transcript PDF as issued: exactly what it showed, signed with the site's key."""

    code = models.CharField(max_length=16, unique=True, default=new_transcript_code, editable=False)
    officer = models.ForeignKey(
        "people.Officer", on_delete=models.PROTECT, related_name="transcripts"
    )
    scope = models.CharField(
        max_length=32, help_text='The compliance period\'s label, or "career" for every period.'
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the system issued it.",
    )
    issued_at = models.DateTimeField()
    # Exactly what the document shows; the signature covers its canonical JSON bytes.
    content = models.JSONField()
    signature = models.CharField(max_length=64, help_text="HMAC-SHA256 of the content, hex.")
    # SHA-256 of the PDF file as sent, so an uploaded copy can be checked byte for byte
    # (an edit to the printed text alone leaves the embedded content untouched).
    pdf_sha256 = models.CharField(max_length=64, blank=True, db_index=True)

    objects = IssuedTranscriptQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"Transcript {self.code} ({self.scope})"
