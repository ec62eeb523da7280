"""Uploaded documents (certificates, sign-in sheet scans, course packets): checked by content,
size-limited, stored outside the web root and handed out only as attachments.

A file is accepted for what it is, not for what its name or browser says: the first bytes must
be those of a PDF, PNG or JPEG, and images must decode. Every view that hands a file out checks
permission first and then calls `attachment_response`.
"""

from __future__ import annotations

import io
import warnings
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

# Leading bytes of each accepted kind, and the content type it is served with.
_SIGNATURES: dict[str, tuple[bytes, str]] = {
    "pdf": (b"%PDF-", "application/pdf"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg"),
}
ACCEPTED_KINDS = tuple(_SIGNATURES)
ACCEPT_ATTRIBUTE = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"


def private_storage() -> Storage:
    """The storage for confidential documents (settings STORAGES['private'])."""
    return storages["private"]


def _kind_of(head: bytes) -> str | None:
    for kind, (signature, _) in _SIGNATURES.items():
        if head.startswith(signature):
            return kind
    return None


def _size(count: int) -> str:
    if count >= 1_048_576:
        return f"{count / 1_048_576:.1f} MB"
    return f"{count / 1024:.1f} KB"


def check_upload(upload: Any, *, field: str) -> str:
    """Accept a PDF, PNG or JPEG within the size limit and return its kind.

    Raises a ValidationError on `field` that names the file and what is wrong with it.
    """
    if upload is None:
        raise ValidationError({field: "Choose a file to upload."})
    name = PurePath(getattr(upload, "name", "") or "the file").name
    limit = int(settings.MUSTER_MAX_UPLOAD_BYTES)
    size = getattr(upload, "size", None)
    if size is None or size == 0:
        raise ValidationError({field: f"{name} is empty."})
    if size > limit:
        raise ValidationError({field: f"{name} is {_size(size)}; the limit is {_size(limit)}."})
    upload.seek(0)
    head = upload.read(16)
    kind = _kind_of(head)
    if kind is None:
        raise ValidationError(
            {field: f"{name} is not a PDF, PNG or JPEG file (judged by its content, not its name)."}
        )
    if kind == "pdf":
        upload.seek(max(0, size - 2048))
        if b"%%EOF" not in upload.read():
            raise ValidationError({field: f"{name} is an incomplete PDF (no end-of-file marker)."})
    else:
        from PIL import Image, UnidentifiedImageError

        upload.seek(0)
        try:
            # An image that claims enormous dimensions (a "decompression bomb") is refused,
            # not decoded: a warning becomes an error here.
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(upload.read())) as image:
                    image.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValidationError(
                {field: f"{name} claims to be a far larger image than a scan can be."}
            ) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ValidationError({field: f"{name} is a damaged image ({exc})."}) from exc
    upload.seek(0)
    return kind


def content_type_of(file: FieldFile) -> str:
    """The content type of a stored document, judged by its first bytes."""
    with file.open("rb") as handle:
        kind = _kind_of(handle.read(16))
    return _SIGNATURES[kind][1] if kind else "application/octet-stream"


def attachment_response(file: FieldFile, download_name: str | None = None) -> FileResponse:
    """Send a stored document as a download, never rendered inline by the browser.

    A record whose file is missing from storage answers 404 rather than failing.
    """
    if not file or not file.storage.exists(file.name or ""):
        raise Http404("The document is not in storage.")
    content_type = content_type_of(file)
    name = download_name or PurePath(file.name or "document").name
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
