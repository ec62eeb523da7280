"""Agencies and their organisational units."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from muster.accounts.scope import AgencyScopedQuerySet


class RulePack(models.TextChoices):
    """The state in-service rule packs Muster ships (see docs/rulepacks.md)."""

    US_MO_CLEE = "us-mo-clee", "Missouri POST — CLEE (11 CSR 75-15)"
    US_KS_CPOST = "us-ks-cpost", "Kansas CPOST — annual in-service (K.S.A. 74-5607a)"
    US_CO_RULE28 = "us-co-rule28", "Colorado POST — Rule 28 in-service"


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    """An IANA time zone name such as America/Chicago."""
    if value not in _time_zones():
        raise ValidationError(
            "%(value)s is not a known time zone; use a name like America/Chicago.",
            params={"value": value},
        )


class AgencyQuerySet(AgencyScopedQuerySet["Agency"]):
    """Agencies, scoped to what a user belongs to or oversees."""

    agency_path = ""

    def where_user_holds(self, user: Any, roles: frozenset[str]) -> AgencyQuerySet:
        """Agencies in which the user holds any of `roles` (every agency for a superuser)."""
        scope = user.scope
        if scope.everything:
            return self.all()
        return self.filter(pk__in=scope.agencies_with(roles))


class Agency(models.Model):
    """A law-enforcement agency whose officers' training Muster keeps."""

    name = models.CharField(max_length=200)
    state = models.CharField(
        max_length=2,
        validators=[RegexValidator(r"^[A-Z]{2}$", "Use the two-letter state code, e.g. MO.")],
        help_text="Two-letter state code, e.g. MO.",
    )
    ori = models.CharField(
        "ORI number",
        max_length=9,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Z]{2}[0-9A-Z]{7}$", "An ORI is nine characters, e.g. MO0950100.")
        ],
        help_text="The FBI Originating Agency Identifier, nine characters.",
    )
    time_zone = models.CharField(
        max_length=64,
        validators=[validate_time_zone],
        help_text="Dates and times are shown to this agency's people in this zone.",
    )
    rule_pack = models.CharField(
        max_length=32,
        choices=RulePack.choices,
        help_text="The state in-service rule this agency's officers are held to.",
    )
    course_id_prefix = models.CharField(
        "Course ID prefix",
        max_length=8,
        validators=[RegexValidator(r"^[A-Z0-9]{1,8}$", "Capital letters and digits only.")],
        help_text="Course IDs are this prefix, a dash and a number, e.g. KC-00042.",
    )
    # The next number to hand out; only ever increases, so a Course ID is never reused.
    next_course_number = models.PositiveIntegerField(default=1, editable=False)
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(fields=["course_id_prefix"], name="agency_unique_course_prefix")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The agency's time zone object."""
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def agency_id(self) -> int | None:
        """An agency is its own agency: lets audit and permission code treat every row alike."""
        return self.pk

    def today(self) -> dt.date:
        """Today's date where the agency is (not the server's date)."""
        return timezone.now().astimezone(self.zone).date()

    def training_year(self, on: dt.date) -> tuple[dt.date, dt.date]:
        """First and last day of the rule pack's period that contains `on`.

        Kansas counts July 1 to June 30; Missouri and Colorado count calendar years. (Packs
        whose periods start on each officer's own date have no agency-wide year.)
        """
        from muster.compliance.rulepack import load_pack

        period = load_pack(self.rule_pack).version_for(on).period.rule().containing(on, on)
        return period.start, period.end


class UnitKind(models.TextChoices):
    """Levels of the organisation chart, top to bottom."""

    BUREAU = "bureau", "Bureau"
    DIVISION = "division", "Division"
    SECTION = "section", "Section"
    ELEMENT = "element", "Element"


class UnitQuerySet(AgencyScopedQuerySet["Unit"]):
    """Units, scoped to the agencies a user belongs to or oversees."""


class Unit(models.Model):
    """A bureau, division, section or element of an agency; units form a tree."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=UnitKind.choices)
    # Materialised path of primary keys, e.g. "/3/17/": "everything under unit 3" is one
    # indexed prefix match on SQLite and PostgreSQL alike, with no recursive query.
    path = models.CharField(max_length=255, db_index=True, editable=False, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "parent", "name"], name="unit_unique_name_under_parent"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        creating = self.pk is None
        super().save(*args, **kwargs)
        if creating:
            base = self.parent.path if self.parent is not None else "/"
            self.path = f"{base}{self.pk}/"
            Unit.objects.filter(pk=self.pk).update(path=self.path)

    def clean(self) -> None:
        if self.parent is not None and self.parent.agency_id != self.agency_id:
            raise ValidationError({"parent": "The parent unit belongs to another agency."})
