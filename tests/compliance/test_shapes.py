"""Each shape of rules-facts.md that no shipped pack uses, proven by a small test pack."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from muster.compliance.evaluator import Evaluator
from muster.compliance.facts import OfficerFacts, RecordFacts
from muster.compliance.rulepack import PackError, parse_overlay
from tests.compliance.packs import make_pack, value

D = dt.date


def rec(rid: str, day: dt.date, **kw) -> RecordFacts:
    kw.setdefault("minutes", 60)
    return RecordFacts(record_id=rid, officer_id="1", date=day, title=rid, **kw)


def run(pack, officer, records, *, label=None, as_of=None, overlay=None):
    evaluator = Evaluator(pack, overlay)
    period = evaluator.period_for(officer, label=label, as_of=as_of)
    return evaluator.evaluate(officer, records, period, as_of=as_of)


def req(result, rid, unit=""):
    return next(r for r in result.requirements if r.id == rid and r.unit == unit)


def test_a_multi_year_cycle_with_nested_units_judges_each_unit():
    """Texas-like: 40 h per 2-year unit inside a 4-year cycle."""
    pack = make_pack(
        {
            "period": {"kind": "cycle", "years": 4, "anchor_year": 2019, "unit_years": 2,
                       "source": "test"},
            "requirements": [
                {"id": "total", "title": "Per unit", "hours": value(40), "per": "unit"},
            ],
        }
    )  # fmt: skip
    officer = OfficerFacts("1")
    records = [
        rec("a", D(2019, 6, 1), hours=Decimal(40)),
        rec("b", D(2021, 6, 1), hours=Decimal(39)),
    ]
    result = run(pack, officer, records, label="2019-2022")
    assert result.period.start == D(2019, 1, 1)
    assert result.period.end == D(2022, 12, 31)
    assert req(result, "total", "2019-2020").met
    second = req(result, "total", "2021-2022")
    assert not second.met
    assert second.shortfall == Decimal("1.00")
    assert result.status == "deficient"


def test_a_window_anchored_on_the_officers_own_date():
    """California-like: 24 h per 24 months from the officer's own licence date."""
    pack = make_pack(
        {
            "period": {
                "kind": "anniversary",
                "months": 24,
                "anchor": "licensed_on",
                "source": "test",
            },
            "requirements": [{"id": "total", "title": "Total", "hours": value(24)}],
        }
    )
    officer = OfficerFacts("1", licensed_on=D(2019, 3, 15))
    result = run(pack, officer, [rec("a", D(2025, 3, 14), hours=Decimal(24))], as_of=D(2025, 6, 1))
    assert (result.period.start, result.period.end) == (D(2025, 3, 15), D(2027, 3, 14))
    assert result.status == "deficient"  # the record was the day before the window opened
    earlier = run(
        pack, officer, [rec("a", D(2025, 3, 14), hours=Decimal(24))], as_of=D(2025, 3, 14)
    )
    assert earlier.period.label == "2023-03-15"
    assert earlier.status == "compliant"


def test_required_hours_are_pro_rated_per_month_employed():
    """Utah-like: 40 h a year, 3.5 h per month employed in a partial year."""
    pack = make_pack(
        {
            "period": {"kind": "training_year", "start_month": 7, "start_day": 1, "source": "test"},
            "requirements": [
                {"id": "total", "title": "Total", "hours": value(40),
                 "prorate": {"hours_per_month": value(3.5)}},
            ],
        }
    )  # fmt: skip
    officer = OfficerFacts("1", hired_on=D(2025, 3, 1))  # employed Mar–Jun: 4 months
    result = run(pack, officer, [rec("a", D(2025, 4, 1), hours=Decimal(14))], label="2025")
    assert req(result, "total").required == Decimal("14.00")
    assert result.status == "compliant"
    full_year = OfficerFacts("1", hired_on=D(2010, 1, 1))
    assert req(run(pack, full_year, [], label="2025"), "total").required == Decimal("40.00")


def test_make_up_hours_count_for_the_past_period_and_not_the_current_one():
    pack = make_pack({"make_up": {"allowed": True, "source": "test"}})
    officer = OfficerFacts("1")
    makeup = rec("m", D(2026, 1, 20), hours=Decimal(10), attributed_to="2025")
    assert run(pack, officer, [makeup], label="2025").status == "compliant"
    current = run(pack, officer, [makeup], label="2026")
    assert req(current, "total").credited == 0
    assert "make-up for 2025" in req(current, "total").explanation[0].note


def test_make_up_attribution_is_ignored_where_the_pack_forbids_make_up():
    pack = make_pack()
    makeup = rec("m", D(2026, 1, 20), hours=Decimal(10), attributed_to="2025")
    assert run(pack, OfficerFacts("1"), [makeup], label="2025").status == "deficient"
    assert run(pack, OfficerFacts("1"), [makeup], label="2026").status == "compliant"


def test_qualifications_per_firearm_type():
    """Texas-like: a passed qualification each year for each firearm type carried."""
    pack = make_pack(
        {
            "requirements": [
                {"id": "firearms", "title": "Firearms", "kind": "qualification",
                 "qualification": "firearms", "count": value(1),
                 "per_weapon_type": ["handgun", "rifle"], "pass_percent": value(70)},
            ],
        }
    )  # fmt: skip

    def q(rid, weapon, score):
        return RecordFacts(rid, "1", D(2025, 5, 1), kind="qualification", qualification="firearms",
                           weapon_type=weapon, score_percent=Decimal(score))  # fmt: skip

    handgun_only = run(pack, OfficerFacts("1"), [q("h", "handgun", 90)], label="2025")
    assert handgun_only.status == "deficient"
    both = run(pack, OfficerFacts("1"), [q("h", "handgun", 90), q("r", "rifle", 70)], label="2025")
    assert both.status == "compliant"
    failed = run(
        pack, OfficerFacts("1"), [q("h", "handgun", 90), q("r", "rifle", 69)], label="2025"
    )
    assert failed.status == "deficient"
    assert "below 70" in req(failed, "firearms").explanation[-1].note


@pytest.mark.parametrize(
    ("applies_to", "officer", "exempt"),
    [
        ({"employment": ["full_time"]}, OfficerFacts("1", employment="reserve"), True),
        ({"employment": ["full_time"]}, OfficerFacts("1", employment="full_time"), False),
        ({"licence_classes": ["A"]}, OfficerFacts("1", licence_class="B"), True),
        ({"assignments": ["Patrol"]}, OfficerFacts("1", assignment="Records"), True),
        ({"assignments": ["Patrol"]}, OfficerFacts("1", assignment="Patrol"), False),
    ],
)
def test_applicability_by_employment_licence_class_or_assignment(applies_to, officer, exempt):
    pack = make_pack({"applies_to": applies_to})
    result = run(pack, officer, [], label="2025")
    assert (result.status == "exempt") is exempt
    if exempt:
        assert "applies to" in result.reason


def test_a_requirement_can_apply_to_some_officers_only():
    pack = make_pack(
        {
            "requirements": [
                {"id": "total", "title": "Total", "hours": value(10)},
                {"id": "supervision", "title": "Supervision", "hours": value(4),
                 "match": {"topics": ["leadership"]}, "applies_to": {"licence_classes": ["B"]}},
            ],
        }
    )  # fmt: skip
    records = [rec("a", D(2025, 1, 5), hours=Decimal(10))]
    assert (
        run(pack, OfficerFacts("1", licence_class="A"), records, label="2025").status == "compliant"
    )
    assert (
        run(pack, OfficerFacts("1", licence_class="B"), records, label="2025").status == "deficient"
    )


def test_hours_that_change_on_an_effective_date_keep_old_periods_on_the_old_rule():
    """Nebraska-like: 20 h, then 28 h from 2021."""
    pack = make_pack(
        {"version": "old", "requirements": [{"id": "total", "title": "T", "hours": value(20)}]},
        {"version": "new", "effective_from": "2021-01-01",
         "requirements": [{"id": "total", "title": "T", "hours": value(28)}]},
    )  # fmt: skip
    records = [
        rec("a", D(2020, 5, 1), hours=Decimal(20)),
        rec("b", D(2021, 5, 1), hours=Decimal(20)),
    ]
    old = run(pack, OfficerFacts("1"), records, label="2020")
    new = run(pack, OfficerFacts("1"), records, label="2021")
    assert (old.version, old.status) == ("old", "compliant")
    assert (new.version, new.status) == ("new", "deficient")


def test_a_cap_on_a_delivery_method_and_its_suspension_for_named_periods():
    pack = make_pack(
        {
            "caps": [{"id": "online", "title": "Online", "match": {"delivery": ["online"]},
                      "max_hours": value(4), "suspended_for_periods": ["2021"]}],
        }
    )  # fmt: skip
    records = [
        rec(f"o{i}", D(y, 3, i + 1), hours=Decimal(3), delivery="online")
        for y in (2020, 2021)
        for i in range(3)
    ]
    capped = req(run(pack, OfficerFacts("1"), records, label="2020"), "total")
    assert capped.credited == Decimal("4.00")
    assert "over the online limit of 4 h" in capped.explanation[1].note
    free = req(run(pack, OfficerFacts("1"), records, label="2021"), "total")
    assert free.credited == Decimal("9.00")


def test_college_credit_converts_semester_hours():
    """Nebraska-like: one college credit hour is 10 hours."""
    pack = make_pack()
    record = rec("c", D(2025, 5, 1), minutes=None, semester_hours=Decimal(1), delivery="college")
    total = req(run(pack, OfficerFacts("1"), [record], label="2025"), "total")
    assert total.credited == Decimal("10.00")


def test_an_overlay_adds_a_local_requirement_and_overrides_an_unconfirmed_value():
    pack = make_pack(
        {"requirements": [{"id": "total", "title": "Total", "hours": value(10, confirmed=False)}]}
    )
    overlay = parse_overlay(
        "pack: xx-te-test\n"
        "requirements:\n"
        "  - {id: local_firearms, title: Agency firearms, hours: {value: 8, source: policy},"
        " match: {topics: [firearms]}}\n"
        "overrides:\n"
        "  - {path: requirements.total.hours, value: 12, reason: agency policy}\n",
        "overlay.yaml",
    )
    result = run(
        pack,
        OfficerFacts("1"),
        [rec("a", D(2025, 5, 1), hours=Decimal(11))],
        label="2025",
        overlay=overlay,
    )
    assert req(result, "total").required == Decimal("12.00")
    local = req(result, "local_firearms")
    assert local.local is True
    assert result.status == "deficient"


def test_an_overlay_cannot_override_a_confirmed_state_value():
    from muster.compliance.evaluator import check_overlay

    pack = make_pack()
    overlay = parse_overlay(
        "pack: xx-te-test\noverrides:\n  - {path: requirements.total.hours, value: 1, reason: x}\n",
        "overlay.yaml",
    )
    with pytest.raises(PackError, match="confirmed state value"):
        check_overlay(pack, overlay)
    nowhere = parse_overlay(
        "pack: xx-te-test\noverrides:\n  - {path: caps.nothing.max_hours, value: 1, reason: x}\n",
        "overlay.yaml",
    )
    with pytest.raises(PackError, match="names no value"):
        check_overlay(pack, nowhere)
