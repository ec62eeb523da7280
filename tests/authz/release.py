"""Who may use the records release routes: the agency-wide roles read requests; the records
custodian and the Training Unit enter, submit, withdraw and produce; only General Counsel or
HR decides (and never a request they entered)."""

from __future__ import annotations

from muster.release import services
from muster.release.models import ReleaseRequest
from tests.authz.base import AGENCY_WIDE, AuthzWorld, Route

# Who enters, submits, withdraws and produces: the custodian and the Training Unit.
CLERKS = frozenset({"training", "director", "custodian", "admin", "superuser"})


def _details(**overrides: object) -> services.RequestDetails:
    values: dict[str, object] = {
        "requester_name": "Jordan Pike",
        "requester_organisation": "Pike & Lowell LLP",
        "requester_contact": "jpike@pikelowell.invalid",
        "purpose": "Civil suit.",
        "legal_basis": "subpoena",
        "legal_citation": "Subpoena duces tecum, case 26AC-CC00412",
        "record_kinds": ["training"],
        "fields": ["course_id", "title", "completed_on"],
        "format": "csv",
    }
    values.update(overrides)
    return services.RequestDetails(**values)


def setup(w: AuthzWorld) -> None:
    """A draft, a submitted and an approved request for w.officer's records, entered by the
    custodian (so General Counsel may decide them)."""
    custodian = w.users["custodian"]
    counsel = w.users["counsel_hr"]

    def new() -> ReleaseRequest:
        return services.create_release_request(
            acting_user=custodian, officer=w.officer, details=_details()
        )

    w.objects["release_draft"] = new()
    w.objects["release_submitted"] = services.submit_request(acting_user=custodian, request=new())
    approved = services.submit_request(acting_user=custodian, request=new())
    w.objects["release_approved"] = services.approve_request(acting_user=counsel, request=approved)


def _pk(key: str):
    """The route's kwargs: the pk of one of the objects setup made."""
    return lambda w: {"pk": w.objects[key].pk}


ROUTES = {
    # Any agency-wide role reads the list of its own agency's requests (another agency's
    # Training Unit sees its own, empty, list).
    "release-list": Route(allowed=AGENCY_WIDE | {"foreign_training"}),
    "release-new": Route(allowed=CLERKS | {"foreign_training"}),
    "release-detail": Route(kwargs=_pk("release_draft"), allowed=AGENCY_WIDE),
    "release-submit": Route(kwargs=_pk("release_draft"), allowed=CLERKS, methods=("POST",)),
    "release-approve": Route(
        kwargs=_pk("release_submitted"),
        allowed=frozenset({"counsel_hr"}),
        methods=("POST",),
        data=lambda w: {"release_fields": ["title"], "reason": "Only the titles."},
    ),
    "release-deny": Route(
        kwargs=_pk("release_submitted"),
        allowed=frozenset({"counsel_hr"}),
        methods=("POST",),
        data=lambda w: {"reason": "Not covered by the subpoena."},
    ),
    "release-withdraw": Route(
        kwargs=_pk("release_submitted"),
        allowed=CLERKS,
        methods=("POST",),
        data=lambda w: {"reason": "Subpoena quashed."},
    ),
    "release-produce": Route(kwargs=_pk("release_approved"), allowed=CLERKS, methods=("POST",)),
}
