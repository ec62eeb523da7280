"""The agency dashboard: each section's numbers, its charts, downloads, scope and query count."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from muster.accounts.models import Membership, Role
from muster.compliance.models import ComplianceSnapshot
from muster.compliance.services import recompute_all
from muster.reports.charts import bar_chart, line_chart
from muster.training.models import Enrolment, RecordSource
from muster.training.services import record_training
from tests.conftest import member
from tests.factories import (
    AgencyFactory,
    CourseFactory,
    OfficerFactory,
    SessionFactory,
    TrainingRecordFactory,
    UnitFactory,
    UserFactory,
)

NOW = dt.datetime(2026, 7, 2, 18, 0, tzinfo=dt.UTC)  # day 182 of Missouri's 2026 period


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def enter(world, officer, on: dt.date, **kw):
    kw.setdefault("delivery", "in_person")
    return record_training(
        acting_user=world.training_user,
        officer=officer,
        title="Seminar",
        completed_on=on,
        source=RecordSource.MANUAL,
        **kw,
    )


@pytest.fixture
def scene(world):
    """Dana compliant (24 h in 2026); her colleague deficient, enrolled in a 2-hour session;
    the traffic officer deficient with 5 h only last year; an outsider elsewhere."""
    spring = dt.date(2026, 3, 1)
    for category, topics, approved in (
        ("legal_studies", ["racial_profiling"], True),
        ("technical_studies", [], True),
        ("interpersonal_perspectives", ["de_escalation", "implicit_bias"], False),
        ("skill_development", ["firearms"], False),
    ):
        enter(
            world,
            world.officer,
            spring,
            credit_hours=Decimal(6),
            category=category,
            topics=topics,
            approved_provider=approved,
        )
    # 120 minutes at Missouri's 50 minutes an hour: 2.4 hours.
    enter(world, world.colleague, dt.date(2026, 6, 1), minutes=120, category="legal_studies")
    enter(world, world.colleague, dt.date(2025, 10, 1), credit_hours=Decimal(3))
    enter(world, world.traffic_officer, dt.date(2025, 5, 1), credit_hours=Decimal(5))
    course = CourseFactory(agency=world.agency, credit_minutes=100)
    session = SessionFactory(course=course, starts_at=dt.datetime(2026, 9, 1, 15, tzinfo=dt.UTC))
    Enrolment.objects.create(session=session, officer=world.colleague, status="enrolled")
    boss = member(Role.TRAINING_STAFF, world.other_agency)
    record_training(
        acting_user=boss,
        officer=world.outsider,
        title="Elsewhere",
        credit_hours=Decimal(40),
        delivery="in_person",
        completed_on=spring,
        source=RecordSource.MANUAL,
    )
    return world


def url(world) -> str:
    return reverse("dashboard", args=[world.agency.pk])


def get(client, user, address, **params):
    client.force_login(user)
    return client.get(address, params)


def test_the_overall_compliance_rate_counts_serving_officers_of_the_agency(scene, client):
    response = get(client, scene.training_user, url(scene))
    assert response.status_code == 200
    data = response.context["data"]
    assert data.totals == {
        "compliant": 1,
        "deficient": 2,
        "exempt": 0,
        "waived": 0,
        "not_computed": 0,
    }
    assert data.officers == 3
    assert data.rate == 33.3
    assert "33.3%" in response.content.decode()


def test_each_unit_counts_its_sub_units_and_its_officers_at_risk(scene, client):
    units = {
        r["unit"]: r for r in get(client, scene.training_user, url(scene)).context["data"].units
    }
    patrol = units["Patrol Division"]
    assert (patrol["officers"], patrol["compliant"], patrol["deficient"]) == (2, 1, 1)
    assert (patrol["rate"], patrol["at_risk"]) == (50.0, 1)
    north = units["Patrol Division › North Section"]
    assert (north["officers"], north["rate"], north["at_risk"]) == (2, 50.0, 1)
    traffic = units["Traffic Division"]
    assert (traffic["officers"], traffic["deficient"], traffic["rate"], traffic["at_risk"]) == (
        1,
        1,
        0.0,
        1,
    )


def test_officers_without_a_snapshot_are_not_computed_and_separated_ones_left_out(scene, client):
    OfficerFactory(agency=scene.agency, unit=scene.traffic)  # no record, no snapshot yet
    scene.officer.status, scene.officer.separated_on = "separated", dt.date(2026, 6, 30)
    scene.officer.save()
    data = get(client, scene.training_user, url(scene)).context["data"]
    assert data.totals["not_computed"] == 1
    assert data.totals["compliant"] == 0
    assert data.rate == 0.0
    # Her 24 hours no longer count: only the colleague's 2.4 hours remain this period.
    assert sum(r["hours"] for r in data.categories) == 2.4


def test_hours_by_category_and_topic_are_the_hours_entered_this_period(scene, client):
    data = get(client, scene.training_user, url(scene)).context["data"]
    categories = {r["category"]: (r["hours"], r["records"]) for r in data.categories}
    assert categories == {
        "Legal Studies": (8.4, 2),
        "Technical Studies": (6.0, 1),
        "Interpersonal Perspectives": (6.0, 1),
        "Skill Development": (6.0, 1),
    }
    topics = {r["topic"]: r["hours"] for r in data.topics}
    assert topics == {
        "Racial profiling": 6.0,
        "De-escalation": 6.0,
        "Implicit bias": 6.0,
        "Firearms": 6.0,
    }  # records without a topic are not listed
    # The other agency's 40 hours are nowhere.
    assert max(r["hours"] for r in data.categories) < 40


def test_progress_compares_with_the_same_day_of_last_period(scene, client):
    p = get(client, scene.training_user, url(scene)).context["data"].progress
    assert p.day == 182
    assert (p.hours_now, p.required_now, p.share_now) == (26.4, 72.0, 36.7)
    # Last period up to July 2: only the traffic officer's 5 hours (the colleague's 3 came later).
    assert (p.hours_then, p.required_then, p.share_then) == (5.0, 72.0, 6.9)
    assert p.curve_then[-1] == (364, round(100 * 8 / 72, 1))
    assert p.curve_now[-1] == (182, 36.7)


def test_at_risk_counts_deficient_officers_whose_enrolments_do_not_cover_the_shortfall(
    scene, client
):
    data = get(client, scene.training_user, url(scene)).context["data"]
    buckets = {r["bucket"]: r for r in data.at_risk}
    later = buckets["More than 90 days"]
    assert later["officers"] == 2
    assert later["shortfall"] == 45.6  # 21.6 + 24
    assert data.at_risk_total == 2


def test_an_enrolment_that_covers_the_shortfall_takes_the_officer_off_the_at_risk_list(
    scene, client
):
    # The colleague misses 21.6 hours (1,296 minutes): 100 + 1,196 minutes cover it exactly.
    course = CourseFactory(agency=scene.agency, credit_minutes=1196)
    session = SessionFactory(course=course, starts_at=dt.datetime(2026, 10, 1, 15, tzinfo=dt.UTC))
    Enrolment.objects.create(session=session, officer=scene.colleague, status="enrolled")
    assert get(client, scene.training_user, url(scene)).context["data"].at_risk_total == 1
    # A place on the waiting list does not count.
    Enrolment.objects.filter(session=session).update(status="waitlisted")
    assert get(client, scene.training_user, url(scene)).context["data"].at_risk_total == 2


def test_days_left_buckets_follow_the_last_day_that_counts(scene, client):
    # A pack without grace: the deadline is the last day.
    ComplianceSnapshot.objects.filter(officer=scene.traffic_officer, period_label="2026").update(
        deadline=dt.date(2026, 7, 20), grace_until=None
    )
    buckets = {
        r["bucket"]: r["officers"]
        for r in get(client, scene.training_user, url(scene)).context["data"].at_risk
    }
    assert buckets["30 days or fewer"] == 1
    assert buckets["More than 90 days"] == 1


def test_every_chart_is_an_accessible_svg_with_a_title_and_no_script(scene, client):
    html = get(client, scene.training_user, url(scene)).content.decode()
    charts = html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"')
    assert charts == 5
    for chunk in html.split("<svg")[1:]:
        svg = chunk.split("</svg>")[0]
        assert "<title id=" in svg
        assert "<desc id=" in svg
        assert "aria-labelledby=" in svg
        assert "<script" not in svg
    assert "Compliance rate by unit" in html


def test_chart_text_is_escaped():
    svg = bar_chart("<b>", "a & b", [("<script>x</script>", 3.0)])
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&amp;" in svg
    line = line_chart("t", "d", [("now", [(0, 0.0), (10, 50.0)])], x_max=100)
    assert "<polyline" in line
    assert 'role="img"' in line


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx(response) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def test_the_unit_table_filters_sorts_and_exports_exactly_what_it_shows(scene, client):
    params = {"unit": "division", "status": "deficient", "sort": "-officers"}
    page = get(client, scene.training_user, url(scene), **params)
    table = page.context["units"]
    shown = [[value for value, _, _ in cells] for cells in table.cells()]
    # The name filter reads the unit's full path, so North Section (under Patrol) matches too.
    assert [row[0] for row in shown] == [
        "Patrol Division",
        "Patrol Division › North Section",
        "Traffic Division",
    ]
    header = [c.label for c in table.columns]
    as_csv = _csv(client.get(url(scene), {**params, "export": "csv"}))
    assert as_csv[0] == header
    assert as_csv[1:] == [[str(v) for v in row] for row in shown]
    as_xlsx = _xlsx(client.get(url(scene), {**params, "export": "xlsx"}))
    assert as_xlsx[0] == header
    assert as_xlsx[1:] == shown
    only_compliant = get(client, scene.training_user, url(scene), status="compliant")
    assert only_compliant.context["units"].rows == []  # every unit has a deficient officer


def test_each_section_downloads_its_table(scene, client):
    page = get(client, scene.training_user, url(scene))
    for item in page.context["sections"]:
        section = item["section"]
        shown = [["" if v is None else v for v, _ in row] for row in section.cells()]
        assert shown, section.key
        as_csv = _csv(client.get(item["csv"].replace("?", url(scene) + "?", 1)))
        assert as_csv == [[c.label for c in section.columns]] + [
            [str(v) for v in row] for row in shown
        ]
        as_xlsx = _xlsx(client.get(url(scene), {"section": section.key, "export": "xlsx"}))
        assert as_xlsx[1:] == shown


@pytest.mark.parametrize("who", ["training_user", "custodian_user", "admin_user"])
def test_agency_wide_roles_see_the_dashboard(scene, client, who):
    assert get(client, getattr(scene, who), url(scene)).status_code == 200


def test_commission_staff_of_the_state_see_it_and_others_do_not(scene, client, commission_user):
    assert get(client, commission_user, url(scene)).status_code == 200
    kansas = UserFactory()
    Membership.objects.create(user=kansas, role=Role.COMMISSION_STAFF, state="KS")
    assert get(client, kansas, url(scene)).status_code == 404


@pytest.mark.parametrize("who", ["supervisor_user", "officer_user"])
def test_supervisors_and_officers_get_404(scene, client, who):
    assert get(client, getattr(scene, who), url(scene)).status_code == 404


def test_another_agencys_staff_get_404_and_anonymous_users_sign_in(scene, client):
    outsider_staff = member(Role.TRAINING_STAFF, scene.other_agency)
    assert get(client, outsider_staff, url(scene)).status_code == 404
    assert get(client, scene.training_user, "/agencies/999999/dashboard/").status_code == 404
    client.logout()
    response = client.get(url(scene))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def _agency_with(officers: int):
    agency = AgencyFactory()
    top = UnitFactory(agency=agency, name="Field Operations")
    sub = UnitFactory(agency=agency, name="Shift A", parent=top, kind="section")
    course = CourseFactory(agency=agency, credit_minutes=60)
    session = SessionFactory(course=course, starts_at=dt.datetime(2026, 9, 1, 15, tzinfo=dt.UTC))
    for i in range(officers):
        officer = OfficerFactory(agency=agency, unit=(top, sub, None)[i % 3])
        for j in range(3):
            TrainingRecordFactory(
                officer=officer,
                completed_on=dt.date(2026 - j % 2, 2 + j, 1),
                category=("legal_studies", "technical_studies")[j % 2],
            )
        if i % 2:
            Enrolment.objects.create(session=session, officer=officer, status="enrolled")
    recompute_all(agency=agency)
    return agency, member(Role.TRAINING_DIRECTOR, agency)


def _queries(client, officers: int) -> int:
    agency, user = _agency_with(officers)
    client.force_login(user)
    address = reverse("dashboard", args=[agency.pk])
    client.get(address)  # warm caches (rule pack, session) so both runs count alike
    statements: list[str] = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    # An execute wrapper, not CaptureQueriesContext: the request_started signal resets the
    # connection's query log, which would make a captured count read zero.
    with connection.execute_wrapper(count):
        response = client.get(address)
    assert response.status_code == 200
    assert response.context["data"].officers == officers
    return len(statements)


def test_the_query_count_does_not_grow_with_officers(db, client):
    few = _queries(client, 5)
    many = _queries(client, 50)
    assert few == many, (few, many)
    assert 5 <= many <= 20, many
