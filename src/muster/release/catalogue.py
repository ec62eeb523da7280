"""The fixed catalogue of fields a release may contain, by kind of record.

A request names fields from this catalogue and nothing else. Names of other people are not in
it and can never be asked for: an instructor is often another officer, whose own records policy
III.E protects as much as this officer's, and who entered, voided or approved a record is agency
staff, not part of the officer's training record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models


class ReleaseKind(models.TextChoices):
    """The kinds of record a release can cover."""

    TRAINING = "training", "Training records"
    QUALIFICATIONS = "qualifications", "Firearms qualifications"
    COMPLIANCE = "compliance", "Compliance results"


@dataclass(frozen=True)
class ReleasableField:
    """One column a release package may hold."""

    code: str
    label: str
    kind: str


FIELDS: tuple[ReleasableField, ...] = (
    ReleasableField("course_id", "Course ID", ReleaseKind.TRAINING),
    ReleasableField("title", "Title", ReleaseKind.TRAINING),
    ReleasableField("completed_on", "Date completed", ReleaseKind.TRAINING),
    ReleasableField("credit_hours", "Credit hours", ReleaseKind.TRAINING),
    ReleasableField("category", "Category", ReleaseKind.TRAINING),
    ReleasableField("topics", "Topics", ReleaseKind.TRAINING),
    ReleasableField("provider", "Provider", ReleaseKind.TRAINING),
    ReleasableField("delivery", "Delivery", ReleaseKind.TRAINING),
    ReleasableField("participation", "Attended or taught", ReleaseKind.TRAINING),
    ReleasableField("location", "Location", ReleaseKind.TRAINING),
    ReleasableField("post_certified", "POST-certified", ReleaseKind.TRAINING),
    ReleasableField("qualified_on", "Qualification date", ReleaseKind.QUALIFICATIONS),
    ReleasableField("weapon_type", "Weapon type", ReleaseKind.QUALIFICATIONS),
    ReleasableField("course_of_fire", "Course of fire", ReleaseKind.QUALIFICATIONS),
    ReleasableField("score", "Score", ReleaseKind.QUALIFICATIONS),
    ReleasableField("qualification_result", "Qualification result", ReleaseKind.QUALIFICATIONS),
    ReleasableField("compliance_period", "Compliance period", ReleaseKind.COMPLIANCE),
    ReleasableField("compliance_status", "Compliance status", ReleaseKind.COMPLIANCE),
    ReleasableField("compliance_hours", "Hours credited and required", ReleaseKind.COMPLIANCE),
)

BY_CODE: dict[str, ReleasableField] = {f.code: f for f in FIELDS}

_OTHER_OFFICERS = "Names of other officers are never releasable (instructors often are)."
_STAFF = "Who entered, voided or approved a record is agency staff, not the officer's record."
# Field names someone may try to ask for, with why the request is refused.
NEVER_RELEASABLE: dict[str, str] = {
    "instructor": _OTHER_OFFICERS,
    "instructor_name": _OTHER_OFFICERS,
    "instructors": _OTHER_OFFICERS,
    "attendees": _OTHER_OFFICERS,
    "entered_by": _STAFF,
    "voided_by": _STAFF,
}


def in_order(codes: Iterable[str]) -> list[ReleasableField]:
    """The catalogue fields among `codes`, in catalogue order (unknown codes dropped)."""
    wanted = set(codes)
    return [f for f in FIELDS if f.code in wanted]


def labels(codes: Iterable[str]) -> list[str]:
    """The human names of `codes`, in catalogue order."""
    return [f.label for f in in_order(codes)]


def kinds_of(codes: Iterable[str]) -> list[str]:
    """The kinds of record `codes` belong to, in the kinds' order."""
    present = {f.kind for f in in_order(codes)}
    return [k for k in ReleaseKind.values if k in present]


def grouped_choices(codes: Iterable[str] | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Choices for a form, grouped by kind of record; only `codes` when given."""
    allowed = set(codes) if codes is not None else set(BY_CODE)
    groups = []
    for kind, kind_label in ReleaseKind.choices:
        options = [(f.code, f.label) for f in FIELDS if f.kind == kind and f.code in allowed]
        if options:
            groups.append((str(kind_label), options))
    return groups
