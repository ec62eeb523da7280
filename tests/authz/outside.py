"""Outside training: the member's submissions and the Training Unit's review."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from muster.outside.services import submit_outside_training
from tests.authz.base import PDF, SIGNED_IN, TRAINING_WRITERS, AuthzWorld, Route


def setup(w: AuthzWorld) -> None:
    """A submission of the officer's, with its certificate."""
    from tests.outside.test_views import details

    w.objects["submission"] = submit_outside_training(
        acting_user=w.officer_user,
        officer=w.officer,
        details=details(),
        certificate=SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf"),
    )


def _submission(w: AuthzWorld) -> dict[str, int]:
    return {"pk": w.objects["submission"].pk}


# The member and the Training Unit read a submission (not custodians or counsel: it is work
# in progress, not yet part of the training file).
READERS = TRAINING_WRITERS | {"officer"}

ROUTES = {
    "outside-list": Route(allowed=SIGNED_IN),
    # Any member submits for themselves and the Training Unit for anyone it may read; logins
    # that are neither (supervisors without an officer record, custodians, the commission) not.
    "outside-new": Route(
        allowed=TRAINING_WRITERS | {"officer", "other_officer", "foreign_training"}
    ),
    "outside-queue": Route(allowed=TRAINING_WRITERS | {"foreign_training"}),
    "outside-detail": Route(allowed=READERS, kwargs=_submission),
    "outside-edit": Route(allowed=READERS, kwargs=_submission),
    # Only the member withdraws (the Training Unit denies instead); a superuser may do anything.
    "outside-withdraw": Route(
        allowed=frozenset({"officer", "superuser"}), kwargs=_submission, methods=("POST",)
    ),
    "outside-review": Route(allowed=TRAINING_WRITERS, kwargs=_submission),
    "outside-certificate": Route(allowed=READERS, kwargs=_submission),
}
