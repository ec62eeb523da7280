"""Small test packs built in code, each proving one shape a rule pack must express."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from muster.compliance.rulepack import RulePack, parse_pack


def value(v: Any, confirmed: bool = True) -> dict[str, Any]:
    return {"value": v, "source": "test", "confirmed": confirmed}


BASE_VERSION: dict[str, Any] = {
    "version": "1",
    "effective_from": "2000-01-01",
    "period": {"kind": "calendar_year", "source": "test"},
    "credit": {
        "attendee_minutes_per_hour": value(60),
        "instructor_minutes_per_hour": value(60),
        "college_hours_per_semester_hour": value(10),
    },
    "requirements": [{"id": "total", "title": "Total", "hours": value(10)}],
    "first_period": {"rule": "none", "source": "test"},
    "waivers": {"reasons": ["medical_leave"], "source": "test"},
    "make_up": {"allowed": False, "source": "test"},
    "carry_over": {"allowed": False, "source": "test"},
}


def make_pack(*versions: dict[str, Any], categories: list[str] = ()) -> RulePack:  # type: ignore[assignment]
    """A pack whose versions are BASE_VERSION updated with each given dict."""
    document = {
        "id": "xx-te-test",
        "title": "Test pack",
        "jurisdiction": "XX",
        "authority": "Tests",
        "sources": {"test": {"title": "the test suite"}},
        "categories": [{"code": c, "title": c.title()} for c in categories],
        "versions": [copy.deepcopy(BASE_VERSION) | v for v in (versions or ({},))],
    }
    return parse_pack(yaml.safe_dump(document, sort_keys=False), "test-pack.yaml")
