"""Reading statements and durations, without a server."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from muster.xapi.services import duration_minutes, parse_statement


@pytest.mark.parametrize(
    ("value", "minutes"),
    [
        ("PT1H30M", 90),
        ("PT45M", 45),
        ("PT2H", 120),
        ("PT90S", 2),  # 1.5 minutes rounds to 2
        ("PT3600S", 60),
        ("PT150S", 3),  # 2.5 minutes rounds half up
        ("P1DT1H", 1500),
        ("PT0.5H", 30),
        ("PT10S", None),  # under a minute: fall back to the course
        ("P1M", None),  # a month has no fixed length
        ("1H", None),
        ("P", None),
        ("PT", None),
    ],
)
def test_duration_minutes(value: str, minutes: int | None) -> None:
    assert duration_minutes(value) == minutes


def _statement(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:dana@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "https://lms.example.com/a1"},
        "result": {"duration": "PT20M"},
        "timestamp": "2026-03-01T10:00:00Z",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_full_statement_is_read() -> None:
    data = _statement()
    parsed = parse_statement(data)
    assert str(parsed.statement_id) == data["id"]
    assert parsed.actor_mbox == "dana@example.com"
    assert parsed.activity_id == "https://lms.example.com/a1"
    assert parsed.minutes == 20
    assert parsed.timestamp is not None
    assert parsed.timestamp.year == 2026


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": "not-a-uuid"}, "id"),
        ({"actor": None}, "actor"),
        ({"actor": {"name": "No identifier"}}, "actor"),
        ({"actor": {"mbox": "dana@example.com"}}, "actor.mbox"),
        ({"verb": None}, "verb.id"),
        ({"verb": {"display": {"en-US": "did"}}}, "verb.id"),
        ({"object": None}, "object.id"),
        ({"result": {"duration": "ninety minutes"}}, "result.duration"),
        ({"timestamp": "yesterday"}, "timestamp"),
    ],
)
def test_bad_statements_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_statement(_statement(**changes))
    assert field in caught.value.message_dict


def test_an_id_is_needed_unless_one_is_assigned() -> None:
    data = _statement()
    del data["id"]
    with pytest.raises(ValidationError) as caught:
        parse_statement(dict(data))
    assert "id" in caught.value.message_dict
    parsed = parse_statement(data, assign_id=True)
    assert data["id"] == str(parsed.statement_id)


def test_put_statement_id_must_match_the_body() -> None:
    data = _statement()
    with pytest.raises(ValidationError) as caught:
        parse_statement(data, statement_id=str(uuid.uuid4()))
    assert "id" in caught.value.message_dict
    assert str(parse_statement(data, statement_id=data["id"].upper()).statement_id) == data["id"]
