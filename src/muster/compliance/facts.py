"""The plain data the evaluator reads: an officer's facts and their records.

Built from CSV/XLSX files by `muster check`, or from the database by compliance.services.
Plain Python only: no Django here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Leave:
    """A stretch of leave; `end` is None while it lasts."""

    kind: str
    start: dt.date
    end: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Waiver:
    """A waiver or extension granted for one period.

    With no requirement ids it waives the whole period; with ids, only those requirements.
    `extended_until` makes it an extension: the verdict stands, the deadline moves.
    """

    period_label: str
    reason: str
    requirement_ids: frozenset[str] = frozenset()
    extended_until: dt.date | None = None


@dataclass(frozen=True, slots=True)
class OfficerFacts:
    """What a rule pack may ask about an officer."""

    officer_id: str
    name: str = ""
    employment: str = "full_time"
    licensed_on: dt.date | None = None
    hired_on: dt.date | None = None
    separated_on: dt.date | None = None
    licence_class: str = ""
    assignment: str = ""
    leaves: tuple[Leave, ...] = ()
    waivers: tuple[Waiver, ...] = ()


# Not frozen: a frozen dataclass is several times slower to build, and `muster check` builds
# hundreds of thousands. Treat records as read-only all the same.
@dataclass(slots=True)
class RecordFacts:
    """One training record or qualification event, as the evaluator sees it.

    The amount is, in order of precedence: `hours` (credit hours printed on a certificate),
    `semester_hours` (college), or `minutes` (converted by the pack for the record's role).
    """

    record_id: str
    officer_id: str
    date: dt.date
    title: str = ""
    kind: str = "training"  # or "qualification"
    minutes: int | None = None
    hours: Decimal | None = None
    semester_hours: Decimal | None = None
    delivery: str = "in_person"
    role: str = "attendee"
    category: str = ""
    topics: frozenset[str] = field(default_factory=frozenset)
    approved_provider: bool = False
    qualification: str = ""
    weapon_type: str = ""
    result: str = ""  # "pass" or "fail" for qualifications
    score_percent: Decimal | None = None
    voided: bool = False
    void_reason: str = ""
    attributed_to: str = ""  # a past period's label, for make-up hours
    planned: bool = False  # a session the officer is enrolled in (what-if)
