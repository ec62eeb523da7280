"""Starting retention schedules for a new agency: a placeholder for each series, to be
confirmed by the agency's records custodian against the state's own schedule.

The periods are Muster's starting values, not quotations of any schedule; the citation
says so, so nobody mistakes a default for the state's rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from muster.retention.models import Series, Trigger

# Where each state's local records schedules come from (policy 930-5 III.D for Missouri).
STATE_SOURCES = {
    "MO": "Missouri Secretary of State, Local Records retention schedules (RSMo 109.255; "
    "policy 930-5 III.D)",
    "KS": "Kansas State Records Board, local government records retention schedules",
    "CO": "Colorado State Archives, municipal records retention schedule",
}
GENERIC_SOURCE = "The state's records retention schedule for local law enforcement"
CONFIRM = "Starting value set by Muster: confirm the series and period before disposing."


@dataclass(frozen=True)
class DefaultSchedule:
    """One series' starting schedule."""

    series: str
    years: int
    trigger: str


DEFAULTS: tuple[DefaultSchedule, ...] = (
    DefaultSchedule(Series.TRAINING_RECORDS, 5, Trigger.SEPARATION),
    DefaultSchedule(Series.QUALIFICATIONS, 5, Trigger.SEPARATION),
    DefaultSchedule(Series.OUTSIDE_SUBMISSIONS, 5, Trigger.SEPARATION),
    DefaultSchedule(Series.SIGN_IN_SHEETS, 3, Trigger.PERIOD_END),
    DefaultSchedule(Series.ROLL_CALL_REPORTS, 3, Trigger.PERIOD_END),
    DefaultSchedule(Series.CERTIFICATION_PACKETS, 5, Trigger.RECORD_DATE),
    DefaultSchedule(Series.RELEASE_REQUESTS, 5, Trigger.RECORD_DATE),
)


def citation_for(state: str) -> str:
    """The default citation text for an agency in `state`."""
    return f"{STATE_SOURCES.get(state, GENERIC_SOURCE)}. {CONFIRM}"
