"""Demo records releases: one approved (with fewer fields) and released, one waiting for
General Counsel or HR."""

from __future__ import annotations

import datetime as dt
from typing import Any

from muster.agencies.models import Agency
from muster.people.models import Officer
from muster.release.catalogue import ReleaseKind
from muster.release.models import LegalBasis, PackageFormat
from muster.release.services import (
    RequestDetails,
    approve_request,
    create_release_request,
    produce_package,
    submit_request,
)


def load_demo(
    agency: Agency,
    *,
    released_officer: Officer,
    waiting_officer: Officer,
    custodian_user: Any,
    counsel_user: Any,
) -> None:
    """Release the demo officer's training to a plaintiff's lawyer under a subpoena (so their
    own page shows a disclosure), and leave a background check waiting for a decision."""
    today = agency.today()
    released = create_release_request(
        acting_user=custodian_user,
        officer=released_officer,
        details=RequestDetails(
            requester_name="Jordan Pike",
            requester_organisation="Pike & Lowell LLP",
            requester_contact="jpike@pikelowell.invalid, 816-555-0142",
            purpose="Civil suit: the officer's use-of-force and firearms training before the "
            "incident of last spring.",
            legal_basis=LegalBasis.SUBPOENA,
            legal_citation="Subpoena duces tecum, Osage County Circuit Court, case 26AC-CC00412",
            period_from=dt.date(today.year - 2, 1, 1),
            record_kinds=[ReleaseKind.TRAINING, ReleaseKind.QUALIFICATIONS],
            fields=[
                "course_id",
                "title",
                "completed_on",
                "credit_hours",
                "category",
                "topics",
                "qualified_on",
                "weapon_type",
                "score",
                "qualification_result",
            ],
            format=PackageFormat.PDF,
        ),
    )
    submit_request(acting_user=custodian_user, request=released)
    approve_request(
        acting_user=counsel_user,
        request=released,
        fields=[
            "course_id",
            "title",
            "completed_on",
            "credit_hours",
            "category",
            "topics",
            "qualified_on",
            "weapon_type",
            "qualification_result",
        ],
        reason="The subpoena asks whether the officer qualified, not for scores.",
    )
    produce_package(acting_user=custodian_user, request=released)

    waiting = create_release_request(
        acting_user=custodian_user,
        officer=waiting_officer,
        details=RequestDetails(
            requester_name="Sgt. Alice Morrow",
            requester_organisation="Clay County Sheriff's Office, Background Investigations",
            requester_contact="amorrow@claycountyso.invalid",
            purpose="Background investigation: the officer has applied for a deputy position.",
            legal_basis=LegalBasis.CONSENT,
            legal_citation=f"Written release signed by the officer on {today:%b %-d, %Y}",
            record_kinds=[ReleaseKind.TRAINING, ReleaseKind.COMPLIANCE],
            fields=[
                "course_id",
                "title",
                "completed_on",
                "credit_hours",
                "compliance_period",
                "compliance_status",
            ],
            format=PackageFormat.CSV,
        ),
    )
    submit_request(acting_user=custodian_user, request=waiting)
