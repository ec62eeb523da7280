"""Edge cases found in review: each would mislead a user or crash if it came back."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from muster.cli import build_parser
from muster.compliance.check import run
from muster.compliance.evaluator import Evaluator, check_overlay
from muster.compliance.facts import OfficerFacts, RecordFacts, Waiver
from muster.compliance.rulepack import PackError, load_pack, parse_overlay
from tests.compliance.packs import make_pack, value


def test_overriding_an_unconfirmed_rule_that_is_not_a_number_is_refused_clearly():
    overlay = parse_overlay(
        "pack: us-mo-clee\noverrides:\n  - {path: make_up.allowed, value: 0, reason: x}\n", "o.yaml"
    )
    with pytest.raises(PackError, match="names no value"):
        check_overlay(load_pack("us-mo-clee"), overlay)


def test_an_override_that_breaks_the_rule_is_a_pack_error_not_a_crash():
    pack = make_pack(
        {
            "credit": {
                "attendee_minutes_per_hour": value(60, confirmed=False),
                "instructor_minutes_per_hour": value(60),
                "college_hours_per_semester_hour": value(10),
            }
        }
    )
    overlay = parse_overlay(
        "pack: xx-te-test\noverrides:\n"
        "  - {path: credit.attendee_minutes_per_hour, value: 7, reason: x}\n",
        "o.yaml",
    )
    with pytest.raises(PackError, match="divides 3600"):
        check_overlay(pack, overlay)


def test_an_overlay_requirement_with_an_unknown_category_is_refused():
    overlay = parse_overlay(
        "pack: us-mo-clee\nrequirements:\n"
        "  - {id: local, title: L, hours: {value: 1, source: p}, match: {categories: [legal]}}\n",
        "o.yaml",
    )
    with pytest.raises(PackError, match="unknown categories legal"):
        check_overlay(load_pack("us-mo-clee"), overlay)


def test_a_grace_date_that_is_not_in_every_year_is_refused():
    with pytest.raises(PackError, match="2/29 is not a day of every year"):
        make_pack({"grace": {"month": 2, "day": 29, "source": "test"}})


def test_a_waiver_scope_must_name_known_reasons_and_requirements():
    with pytest.raises(PackError, match="unknown requirements: nothing"):
        make_pack({"waivers": {"reasons": ["x"], "scope": {"x": ["nothing"]}, "source": "test"}})


def test_a_kansas_extension_without_a_date_waives_nothing():
    pack = load_pack("us-ks-cpost")
    officer = OfficerFacts(
        "1",
        licensed_on=dt.date(2010, 1, 1),
        waivers=(Waiver("2025", "director_extension"),),
    )
    evaluator = Evaluator(pack)
    result = evaluator.evaluate(officer, [], evaluator.period_for(officer, label="2025"))
    assert result.status == "deficient"


def test_make_up_after_the_grace_date_counts_in_the_year_it_was_done():
    pack = load_pack("us-mo-clee")
    officer = OfficerFacts("1", licensed_on=dt.date(2010, 1, 1))
    late = RecordFacts("late", "1", dt.date(2026, 4, 1), hours=Decimal(24), attributed_to="2025")
    evaluator = Evaluator(pack)
    old = evaluator.evaluate(officer, [late], evaluator.period_for(officer, label="2025"))
    new = evaluator.evaluate(officer, [late], evaluator.period_for(officer, label="2026"))
    total_old = next(r for r in old.requirements if r.id == "total")
    total_new = next(r for r in new.requirements if r.id == "total")
    assert total_old.credited == 0
    assert "after the grace date" in total_old.explanation[0].note
    assert total_new.credited == Decimal("24.00")


def _check(tmp_path, records: bytes, *extra: str) -> tuple[int, str, str]:
    (tmp_path / "o.csv").write_text("officer_id,licensed_on\n1,2010-01-01\n")
    (tmp_path / "r.csv").write_bytes(records)
    args = build_parser().parse_args(
        ["check", "--pack", "us-mo-clee", "--officers", str(tmp_path / "o.csv"),
         "--records", str(tmp_path / "r.csv"), *extra]
    )  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    return run(args, out, err), out.getvalue(), err.getvalue()


def test_a_bad_byte_deep_in_a_file_is_named_not_a_traceback(tmp_path):
    rows = b"".join(b"1,2025-01-%02d,50\n" % (i % 28 + 1) for i in range(3000))
    status, _, err = _check(
        tmp_path, b"officer_id,date,minutes\n" + rows + b"1,\xff\xfe,50\n", "--period", "2025"
    )
    assert status == 2
    assert "r.csv, line 3002: not UTF-8 text" in err
    assert "Traceback" not in err


def test_period_and_as_of_together_show_the_grace_period(tmp_path):
    status, out, _ = _check(
        tmp_path, b"officer_id,date,minutes\n1,2025-05-01,50\n", "--period", "2025",
        "--as-of", "2026-02-01", "--format", "json",
    )  # fmt: skip
    assert status == 1
    assert '"reason":"in the grace period until 2026-03-15"' in out


def test_the_table_never_shows_an_unmet_requirement_as_zero_missing(tmp_path):
    # 1,199 minutes is 23.98 credit hours: 0.02 short.
    status, out, _ = _check(
        tmp_path, b"officer_id,date,minutes\n1,2025-05-01,1199\n", "--period", "2025"
    )
    assert status == 1
    assert "total 0.02 h" in out
