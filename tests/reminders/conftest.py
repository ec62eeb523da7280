"""Helpers for the reminder tests: a stored verdict for an officer, and addresses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from muster.compliance.models import ComplianceSnapshot

PERIOD_END = dt.date(2027, 6, 30)


def on(days_left: int) -> dt.date:
    """The day with `days_left` days to the period's deadline."""
    return PERIOD_END - dt.timedelta(days=days_left)


@pytest.fixture
def verdict(world: Any) -> Callable[..., ComplianceSnapshot]:
    """Store an officer's verdict for the 2026-27 period (deficient unless told)."""

    def make(officer: Any = None, status: str = "deficient", **fields: Any) -> ComplianceSnapshot:
        officer = officer or world.officer
        requirements = [
            {"id": "total", "title": "Continuing education", "kind": "hours",
             "required": 24, "credited": 17.5, "shortfall": 6.5, "met": False},
            {"id": "firearms", "title": "Firearms qualification", "kind": "qualification",
             "required": 1, "credited": 0, "shortfall": 1, "met": status != "deficient"},
            {"id": "ethics", "title": "Ethics", "kind": "hours",
             "required": 1, "credited": 1, "shortfall": 0, "met": True},
        ]  # fmt: skip
        defaults = {
            "pack_version": "x",
            "rules_digest": "x",
            "period_start": dt.date(2026, 7, 1),
            "period_end": PERIOD_END,
            "status": status,
            "credited_hours": Decimal("17.5"),
            "required_hours": Decimal(24),
            "result": {"requirements": requirements},
            "computed_at": timezone.now(),
            **fields,
        }
        snap, _ = ComplianceSnapshot.objects.update_or_create(
            officer=officer, pack_id=officer.agency.rule_pack, period_label="2027",
            defaults=defaults,
        )  # fmt: skip
        return snap

    return make


@pytest.fixture
def addresses(world: Any) -> None:
    """Give Dana and the Patrol supervisor e-mail addresses."""
    world.officer_user.email = "dana@osage.example"
    world.officer_user.save()
    world.supervisor_user.email = "sgt@osage.example"
    world.supervisor_user.save()
