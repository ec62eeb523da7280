"""Changes to agencies and their units."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F

from muster.agencies.models import Agency, Unit
from muster.core.audit import create_audited
from muster.core.services import require


def create_agency(*, acting_user: Any, is_demo: bool = False, **fields: Any) -> Agency:
    """Add an agency. Only site administrators (superusers) may; audited."""
    if not getattr(acting_user, "is_superuser", False):
        raise PermissionDenied("Only a site administrator may add an agency.")
    with transaction.atomic():
        agency = Agency(**fields)
        agency.is_demo = is_demo
        create_audited(agency, actor=acting_user, action="agency.create")
    return agency


def create_unit(
    *, acting_user: Any, agency: Agency, name: str, kind: str, parent: Unit | None = None
) -> Unit:
    """Add a unit to an agency's organisation chart; audited."""
    require(acting_user, "agencies.manage_units", agency)
    with transaction.atomic():
        unit = Unit(agency=agency, parent=parent, name=name, kind=kind)
        create_audited(unit, actor=acting_user, action="unit.create")
    return unit


def allocate_course_number(agency: Agency) -> int:
    """Take the agency's next Course ID number; numbers only go up, so none is reused.

    The UPDATE takes the row lock on PostgreSQL (and SQLite serialises writers), so two
    Training Unit members adding courses at once still get different numbers.
    """
    with transaction.atomic():
        Agency.objects.filter(pk=agency.pk).update(next_course_number=F("next_course_number") + 1)
        number = Agency.objects.filter(pk=agency.pk).values_list("next_course_number", flat=True)
        return int(number.get()) - 1
