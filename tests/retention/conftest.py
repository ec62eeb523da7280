"""Fixtures of the retention tests: a frozen clock."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from tests.retention.helpers import NOW


@pytest.fixture(autouse=True)
def _frozen_clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield
