"""Fixtures of the roll-call tests: a frozen clock and a forwarded report."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from muster.rollcall.models import RollCallReport
from tests.rollcall.helpers import NOW, document


@pytest.fixture(autouse=True)
def _frozen_clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def report(world: Any) -> RollCallReport:
    return document(world)
