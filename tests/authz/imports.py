"""Authorization declarations of the import routes (see tests/authz/test_routes.py).

Imports are the Training Unit's and the agency administrators' (and a site administrator's):
a batch holds officers' records as the file had them, so nobody else sees one.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from muster.imports.batches import upload_import
from tests.authz.base import TRAINING_WRITERS, AuthzWorld, Route

IMPORTERS = TRAINING_WRITERS | {"foreign_training"}  # each their own agency's


def setup(w: AuthzWorld) -> None:
    """A checked batch of one record for w.officer, ready to import."""
    text = f"serial_number,date,title,minutes\n{w.officer.serial_number},2025-03-01,Range,60\n"
    upload = SimpleUploadedFile("records.csv", text.encode(), content_type="text/csv")
    batch = upload_import(
        acting_user=w.users["training"], agency=w.agency, kind="records", upload=upload
    )
    assert batch.status == "checked", batch.failure
    w.objects["batch"] = batch


def _batch(w: AuthzWorld) -> dict[str, int]:
    return {"pk": w.objects["batch"].pk}


ROUTES = {
    "imports:list": Route(allowed=IMPORTERS),
    "imports:new": Route(allowed=IMPORTERS),
    "imports:template": Route(allowed=IMPORTERS, kwargs=lambda w: {"kind": "records"}),
    "imports:detail": Route(allowed=TRAINING_WRITERS, kwargs=_batch),
    "imports:progress": Route(allowed=TRAINING_WRITERS, kwargs=_batch),
    "imports:problems": Route(allowed=TRAINING_WRITERS, kwargs=_batch),
    "imports:commit": Route(allowed=TRAINING_WRITERS, kwargs=_batch, methods=("POST",)),
    "imports:cancel": Route(allowed=TRAINING_WRITERS, kwargs=_batch, methods=("POST",)),
}
