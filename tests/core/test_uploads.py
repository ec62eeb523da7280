"""Uploaded documents are judged by content and size, and handed out only when present."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from PIL import Image

from muster.core.uploads import attachment_response, check_upload, private_storage
from muster.training.models import Session


def png(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height` (the pixel data is not needed to lie)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def real_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, format="PNG")
    return out.getvalue()


def test_pdf_png_and_jpeg_are_accepted_by_content():
    jpeg = io.BytesIO()
    Image.new("RGB", (4, 4)).save(jpeg, format="JPEG")
    assert check_upload(SimpleUploadedFile("a.bin", b"%PDF-1.7\n%%EOF\n"), field="f") == "pdf"
    assert check_upload(SimpleUploadedFile("scan", real_png()), field="f") == "png"
    assert check_upload(SimpleUploadedFile("x.pdf", jpeg.getvalue()), field="f") == "jpeg"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "cert.pdf is empty"),
        (b"<html>hello</html>", "cert.pdf is not a PDF, PNG or JPEG"),
        (b"%PDF-1.4 truncated", "cert.pdf is an incomplete PDF"),
        (b"\x89PNG\r\n\x1a\nrubbish", "cert.pdf is a damaged image"),
        (png(60_000, 60_000), "cert.pdf claims to be a far larger image"),
    ],
)
def test_other_content_is_refused_naming_the_file(content, message):
    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile("cert.pdf", content), field="certificate")
    assert message in error.value.message_dict["certificate"][0]


def test_the_size_limit_names_the_size(settings):
    settings.MUSTER_MAX_UPLOAD_BYTES = 1024
    big = b"%PDF-1.4\n" + b"0" * 2048 + b"\n%%EOF\n"
    with pytest.raises(ValidationError, match=r"big\.pdf is 2\.0 KB; the limit is 1\.0 KB"):
        check_upload(SimpleUploadedFile("big.pdf", big), field="f")


def test_a_document_missing_from_storage_answers_404_not_500(db):
    session = Session(pk=1)
    name = private_storage().save("sign-in-sheets/x.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    session.paper_sheet.name = name
    response = attachment_response(session.paper_sheet)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    response.close()
    private_storage().delete(name)
    with pytest.raises(Http404):
        attachment_response(session.paper_sheet)
