"""Rule pack files: the shipped packs, the strict schema and its errors, the JSON Schema."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from muster.compliance.rulepack import (
    PackError,
    json_schema,
    load_pack,
    pack_ids,
    parse_overlay,
    parse_pack,
)

STABLE_IDS = {
    "us-mo-clee": {
        "total", "legal_studies", "technical_studies", "interpersonal_perspectives",
        "skill_development_firearms", "racial_profiling", "implicit_bias", "de_escalation",
        "approved_provider",
    },
    "us-ks-cpost": {"total", "firearms_qualification"},
    "us-co-rule28": {"total", "perishable_skills", "arrest_control", "driving", "firearms"},
}  # fmt: skip


def test_the_three_state_packs_ship_with_their_stable_requirement_ids():
    assert pack_ids() == sorted(STABLE_IDS)
    for pack_id, ids in STABLE_IDS.items():
        latest = load_pack(pack_id).versions[-1]
        assert {r.id for r in latest.requirements} == ids


def test_missouri_core_area_codes_are_stable():
    codes = load_pack("us-mo-clee").category_codes
    assert codes == {
        "legal_studies",
        "technical_studies",
        "interpersonal_perspectives",
        "skill_development",
    }


def test_missouri_2020_is_judged_without_the_2021_topics():
    import datetime as dt

    pack = load_pack("us-mo-clee")
    old = {r.id for r in pack.version_for(dt.date(2020, 1, 1)).requirements}
    new = {r.id for r in pack.version_for(dt.date(2021, 1, 1)).requirements}
    assert new - old == {"implicit_bias", "de_escalation"}


def test_every_unconfirmed_value_is_marked_so():
    ks = load_pack("us-ks-cpost").versions[-1]
    media = next(c for c in ks.caps if c.id == "media")
    assert media.max_hours.value is None
    assert media.max_hours.confirmed is False
    online = next(c for c in ks.caps if c.id == "online")
    assert online.max_hours.confirmed is True
    assert online.suspended_for_periods == ["2020", "2021"]


PACK_WITH_TYPO = """\
id: xx-te-typo
title: Typo
jurisdiction: XX
authority: Tests
sources: {test: {title: t}}
versions:
  - version: "1"
    effective_from: 2020-01-01
    period: {kind: calendar_year, source: test}
    credit:
      attendee_minutes_per_hour: {value: 50, source: test}
      instructor_minutes_per_hour: {value: 60, source: test}
      college_hours_per_semester_hour: {value: 2, source: test}
    requirements:
      - id: total
        title: Total
        hours: {value: 24, source: test}
        hours_per_yaer: 3
    first_period: {rule: none, source: test}
    waivers: {source: test}
    make_up: {allowed: false, source: test}
    carry_over: {allowed: false, source: test}
"""


def test_an_unknown_key_is_an_error_naming_the_key_and_its_line():
    with pytest.raises(PackError) as err:
        parse_pack(PACK_WITH_TYPO, "typo.yaml")
    assert str(err.value) == (
        "typo.yaml, line 18: unknown key 'hours_per_yaer' in versions.0.requirements.0"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("hours: {value: 24, source: nowhere}", "cites sources not listed"),
        ("hours: {value: null, source: test}", "only when it is marked confirmed: false"),
        ("hours: {value: -1, source: test}", "cannot be negative"),
    ],
)
def test_values_need_a_known_source_and_a_sensible_number(change, message):
    text = PACK_WITH_TYPO.replace("        hours_per_yaer: 3\n", "").replace(
        "hours: {value: 24, source: test}", change
    )
    with pytest.raises(PackError, match=message):
        parse_pack(text, "bad.yaml")


def test_the_same_pack_without_the_typo_is_valid():
    text = PACK_WITH_TYPO.replace("        hours_per_yaer: 3\n", "")
    assert parse_pack(text, "ok.yaml").versions[0].requirements[0].hours.value == 24


def test_an_unknown_topic_in_a_match_lists_the_known_ones():
    text = PACK_WITH_TYPO.replace(
        "        hours_per_yaer: 3\n", "        match: {topics: [juggling]}\n"
    )
    with pytest.raises(PackError) as err:
        parse_pack(text, "bad.yaml")
    assert "line 18" in str(err.value)
    assert "unknown topic juggling" in str(err.value)
    assert "racial_profiling" in str(err.value)


def test_broken_yaml_names_its_line():
    with pytest.raises(PackError, match=r"broken.yaml, line 2: not valid YAML"):
        parse_pack("id: x\n  - : [\n", "broken.yaml")


def test_an_unknown_pack_lists_the_known_ones():
    with pytest.raises(PackError) as err:
        load_pack("us-zz-none")
    assert "us-co-rule28, us-ks-cpost, us-mo-clee" in str(err.value)


def test_the_shipped_json_schema_is_the_current_one():
    shipped = (resources.files("muster") / "rulepacks" / "rulepack.schema.json").read_text()
    # After a schema change: muster rulepack schema > src/muster/rulepacks/rulepack.schema.json
    assert json.loads(shipped) == json.loads(json_schema())
    assert json.loads(shipped)["additionalProperties"] is False


def test_an_overlay_is_parsed_strictly_too():
    with pytest.raises(PackError, match="unknown key 'extra'"):
        parse_overlay("pack: us-ks-cpost\nextra: 1\n", "overlay.yaml")
