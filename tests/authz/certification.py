"""POST course certification requests, their packets and their progress."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from muster.certification import services
from tests.authz.base import (
    AGENCY_WIDE,
    PDF,
    SIGNED_IN,
    TRAINING_WRITERS,
    AuthzWorld,
    Route,
)


def setup(w: AuthzWorld) -> None:
    """A draft request of the officer's (its liaison), with one document."""
    request = services.create_request(
        acting_user=w.officer_user,
        first_delivery_on=w.agency.today() + dt.timedelta(days=60),
        class_name="Search and Seizure Update",
        hours=Decimal(4),
        location="Training Center",
    )
    document = services.upload_document(
        acting_user=w.officer_user,
        request=request,
        kind="lesson_plan",
        upload=SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf"),
    )
    w.objects.update(request=request, document=document)


def _request(w: AuthzWorld) -> dict[str, Any]:
    return {"pk": w.objects["request"].pk}


def _document(w: AuthzWorld) -> dict[str, Any]:
    return {"pk": w.objects["request"].pk, "doc_pk": w.objects["document"].pk}


# The liaison and the agency-wide roles read and work on a request.
WORKERS = TRAINING_WRITERS | {"officer"}
READERS = AGENCY_WIDE | {"officer"}

ROUTES = {
    "certification-list": Route(allowed=SIGNED_IN),
    # A member introduces a class as its liaison, or the Training Unit names one; logins with
    # neither an officer record nor a Training Unit role (the superuser among them) are refused.
    "certification-new": Route(
        allowed=(TRAINING_WRITERS - {"superuser"})
        | {"officer", "other_officer", "foreign_training"}
    ),
    "certification-detail": Route(allowed=READERS, kwargs=_request),
    "certification-upload": Route(
        allowed=WORKERS,
        kwargs=_request,
        methods=("POST",),
        data=lambda w: {"kind": "learning_objectives", "file": SimpleUploadedFile("o.pdf", PDF)},
    ),
    "certification-document": Route(allowed=READERS, kwargs=_document),
    "certification-document-remove": Route(allowed=WORKERS, kwargs=_document, methods=("POST",)),
    "certification-submit": Route(allowed=WORKERS, kwargs=_request, methods=("POST",)),
    "certification-late-exception": Route(
        allowed=frozenset({"director", "superuser"}),
        kwargs=_request,
        methods=("POST",),
        data=lambda w: {"reason": "The instructor was only confirmed this week."},
    ),
    "certification-progress": Route(
        allowed=TRAINING_WRITERS,
        kwargs=_request,
        methods=("POST",),
        data=lambda w: {"step": "sent", "on": w.agency.today().isoformat()},
    ),
    # The liaison withdraws their own request.
    "certification-withdraw": Route(
        allowed=frozenset({"officer", "superuser"}),
        kwargs=_request,
        methods=("POST",),
        data=lambda w: {"reason": "The class is postponed."},
    ),
    "certification-liaison": Route(
        allowed=TRAINING_WRITERS,
        kwargs=_request,
        methods=("POST",),
        data=lambda w: {"liaison": w.other_officer.pk, "reason": "New instructor."},
    ),
}
