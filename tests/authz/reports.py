"""Transcripts and their verify pages, the dashboard, the state report and unit lists."""

from __future__ import annotations

from typing import Any

from muster.reports.transcripts import issue_transcript_pdf
from tests.authz.base import (
    AGENCY_WIDE,
    EVERYONE,
    READS_OFFICER,
    AuthzWorld,
    Route,
)


def setup(w: AuthzWorld) -> None:
    """A transcript the officer downloaded."""
    transcript, _ = issue_transcript_pdf(
        acting_user=w.officer_user,
        officer=w.officer,
        period_label=None,
        base_url="http://testserver",
    )
    w.objects["transcript"] = transcript


def _agency(w: AuthzWorld) -> dict[str, Any]:
    return {"pk": w.agency.pk}


def _download(w: AuthzWorld) -> dict[str, Any]:
    return {"pk": w.agency.pk, "period": "2025", "kind": "roster", "fmt": "csv"}


AGENCY_REPORTS = AGENCY_WIDE | {"commission"}

ROUTES = {
    "transcript": Route(allowed=READS_OFFICER, kwargs=lambda w: {"pk": w.officer.pk}),
    "transcript-pdf": Route(
        allowed=READS_OFFICER, kwargs=lambda w: {"pk": w.officer.pk}, methods=("POST",)
    ),
    "verify-upload": Route(allowed=EVERYONE),
    # The code printed on a transcript is what lets its holder check it: the page shows what
    # the document shows, the officer's name included, to anyone who has the code.
    "verify": Route(
        allowed=EVERYONE,
        kwargs=lambda w: {"code": w.objects["transcript"].code},
        may_show_officer=frozenset(
            {
                "anonymous",
                "other_officer",
                "other_supervisor",
                "foreign_training",
                "foreign_commission",
            }
        ),
    ),
    "dashboard": Route(allowed=AGENCY_REPORTS, kwargs=_agency),
    "state-report": Route(allowed=AGENCY_REPORTS - {"counsel_hr"}, kwargs=_agency),
    "state-report-download": Route(allowed=AGENCY_REPORTS - {"counsel_hr"}, kwargs=_download),
    "unit-compliance": Route(
        allowed=AGENCY_REPORTS | {"supervisor"}, kwargs=lambda w: {"pk": w.division.pk}
    ),
}
