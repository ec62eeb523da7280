"""Properties of the evaluator that must hold for any history (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from muster.compliance.evaluator import Evaluator, OfficerResult
from muster.compliance.facts import OfficerFacts, RecordFacts
from muster.compliance.rulepack import UNITS_PER_HOUR, load_pack
from muster.compliance.vocabulary import TOPIC_CODES

PACKS = ["us-mo-clee", "us-ks-cpost", "us-co-rule28"]
TOPICS = sorted(TOPIC_CODES)
EVALUATORS = {pack_id: Evaluator(load_pack(pack_id)) for pack_id in PACKS}
OFFICER = OfficerFacts("1", licensed_on=dt.date(2010, 1, 1), hired_on=dt.date(2010, 1, 1))


@st.composite
def record(draw: st.DrawFn, pack_id: str, n: int) -> RecordFacts:
    categories = sorted(load_pack(pack_id).category_codes)
    amount = draw(st.sampled_from(["minutes", "hours", "semester"]))
    return RecordFacts(
        record_id=f"r{n:03d}",
        officer_id="1",
        date=draw(st.dates(dt.date(2024, 5, 1), dt.date(2026, 8, 31))),
        minutes=draw(st.integers(0, 900)) if amount == "minutes" else None,
        hours=Decimal(draw(st.integers(0, 2000))) / 100 if amount == "hours" else None,
        semester_hours=Decimal(draw(st.integers(0, 6))) if amount == "semester" else None,
        delivery=draw(st.sampled_from(["in_person", "live_virtual", "online", "recorded_media"])),
        role=draw(st.sampled_from(["attendee", "instructor"])),
        category=draw(st.sampled_from(["", *categories])),
        topics=frozenset(draw(st.lists(st.sampled_from(TOPICS), max_size=3))),
        approved_provider=draw(st.booleans()),
        voided=draw(st.booleans()) if draw(st.integers(0, 9)) == 0 else False,
    )


@st.composite
def history(draw: st.DrawFn) -> tuple[str, str, list[RecordFacts]]:
    pack_id = draw(st.sampled_from(PACKS))
    label = draw(st.sampled_from(["2025", "2026"]))
    count = draw(st.integers(0, 25))
    return pack_id, label, [draw(record(pack_id, i)) for i in range(count)]


def judge(pack_id: str, label: str, records: list[RecordFacts]) -> OfficerResult:
    evaluator = EVALUATORS[pack_id]
    return evaluator.evaluate(OFFICER, records, evaluator.period_for(OFFICER, label=label))


@settings(max_examples=150, deadline=None)
@given(history(), st.data())
def test_adding_a_record_never_lowers_a_credited_total(case, data):
    pack_id, label, records = case
    extra = data.draw(record(pack_id, 999))
    before = {r.id: r.credited_units for r in judge(pack_id, label, records).requirements}
    after = {r.id: r.credited_units for r in judge(pack_id, label, [*records, extra]).requirements}
    for rid, units in before.items():
        assert after[rid] >= units, rid


@settings(max_examples=150, deadline=None)
@given(history(), st.randoms())
def test_the_verdict_does_not_depend_on_record_order(case, rnd):
    pack_id, label, records = case
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert judge(pack_id, label, records).as_dict() == judge(pack_id, label, shuffled).as_dict()


@settings(max_examples=150, deadline=None)
@given(history())
def test_a_record_dated_outside_the_period_never_counts(case):
    pack_id, label, records = case
    result = judge(pack_id, label, records)
    by_id = {r.record_id: r for r in records}
    for requirement in result.requirements:
        for line in requirement.explanation:
            if line.counted:
                assert line.date in result.period, (requirement.id, line)
                assert not by_id[line.record_id].voided


@settings(max_examples=150, deadline=None)
@given(history())
def test_caps_are_never_exceeded(case):
    pack_id, label, records = case
    result = judge(pack_id, label, records)
    version = EVALUATORS[pack_id].compiled_for(result.period.start)
    by_id = {r.record_id: r for r in records}
    for cap in version.caps:
        if cap.max_units is None or label in cap.suspended:
            continue
        for requirement in result.requirements:
            if requirement.id not in cap.requirement_ids:
                continue
            used = 0
            for line in requirement.explanation:
                r = by_id.get(line.record_id)
                sig = (r.category, r.topics, r.delivery, r.role, r.approved_provider) if r else None
                if (
                    line.counted
                    and sig
                    and all(_holds(kind, wanted, sig) for kind, wanted in cap.conditions)
                ):
                    used += line.hours
            # Line hours are rounded to the hundredth for reading; allow that much each.
            slack = 0.005 * len(requirement.explanation)
            assert used <= cap.max_units / UNITS_PER_HOUR + slack, (cap.id, used)


def _holds(kind, wanted, sig):
    from muster.compliance.evaluator import _holds as holds

    return holds(kind, wanted, sig)


@settings(max_examples=100, deadline=None)
@given(history())
def test_credited_hours_are_the_sum_of_what_the_explanation_counts(case):
    pack_id, label, records = case
    for requirement in judge(pack_id, label, records).requirements:
        if requirement.kind == "hours":
            listed = sum(line.hours for line in requirement.explanation if line.counted)
            assert abs(requirement.credited_units / UNITS_PER_HOUR - listed) <= 0.005 * (
                len(requirement.explanation) + 1
            )
            assert requirement.met == (requirement.credited_units >= requirement.required_units)


@settings(max_examples=100, deadline=None)
@given(history())
def test_the_json_numbers_equal_the_exact_properties(case):
    pack_id, label, records = case
    for requirement in judge(pack_id, label, records).requirements:
        data = requirement.as_dict()
        assert Decimal(str(data["required"])) == requirement.required
        assert Decimal(str(data["credited"])) == requirement.credited
        assert Decimal(str(data["shortfall"])) == requirement.shortfall


def test_line_hours_round_half_up_like_the_totals():
    from muster.compliance.evaluator import _hundredths_half_up, hours

    for units in (450, 449, 451, 18, 17, 3600 * 24 - 1, 0):  # 0.125 h is 450 units
        assert Decimal(str(_hundredths_half_up(units))) == hours(units)
