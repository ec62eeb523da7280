"""A supervisor's unit list (status, shortfall, risk, sorting, exports) and an officer's
history with the reason each record counted; reads of another officer's record are audited."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from muster.core.models import AuditEvent
from muster.training.services import enrol_officer, record_training, void_training_record
from tests.conftest import counted_queries
from tests.factories import CourseFactory, OfficerFactory, SessionFactory

NOW = dt.datetime(2026, 6, 15, 17, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def entered(world, officer, minutes, **fields):
    defaults = {
        "title": "Seminar",
        "delivery": "in_person",
        "category": "legal_studies",
        "completed_on": dt.date(2026, 6, 1),
        "source": "manual",
    }
    return record_training(
        acting_user=world.training_user, officer=officer, minutes=minutes, **defaults | fields
    )


@pytest.fixture
def unit_world(world):
    entered(world, world.officer, 24 * 50)  # compliant on hours, but topics are missing
    entered(world, world.colleague, 100)  # 2 h of 24: deficient
    # The colleague is enrolled in 3 h 20 min of training: still short, so at risk.
    course = CourseFactory(agency=world.agency, credit_minutes=200)
    session = SessionFactory(
        course=course,
        starts_at=NOW + dt.timedelta(days=10),
        ends_at=NOW + dt.timedelta(days=10, hours=4),
    )
    enrol_officer(acting_user=world.training_user, session=session, officer=world.colleague)
    return world


def rows_of(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_unit_list_shows_status_shortfall_and_risk(client, unit_world):
    world = unit_world
    client.force_login(world.supervisor_user)
    response = client.get(reverse("unit-compliance", args=[world.patrol.pk]), {"export": "csv"})
    header, *rows = rows_of(response)
    assert header[:4] == ["Officer", "Serial", "Assignment", "Status"]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    colleague = by_name[f"{world.colleague.last_name}, {world.colleague.first_name}"]
    assert colleague["Status"] == "Deficient"
    assert colleague["Credited h"] == "2"
    assert colleague["Short h"] == "22"
    assert colleague["Enrolled h"] == "4"  # 200 minutes at 50 a credit hour
    assert colleague["At risk"] == "Yes"
    assert world.traffic_officer.last_name not in response.content.decode()


def test_the_unit_list_filters_sorts_and_exports_what_it_shows(client, unit_world):
    world = unit_world
    client.force_login(world.supervisor_user)
    url = reverse("unit-compliance", args=[world.patrol.pk])
    page = client.get(url, {"risk": "1"}).content.decode()
    assert world.colleague.last_name in page
    # Dana has her hours but misses required topics and is enrolled in nothing: at risk too.
    assert "Reyes, Dana" in page
    shown = client.get(url, {"sort": "-name", "export": "csv"})
    names = [row[0] for row in rows_of(shown)[1:]]
    assert names == sorted(names, key=str.casefold, reverse=True)
    workbook = load_workbook(
        io.BytesIO(client.get(url, {"sort": "-name", "export": "xlsx"}).content)
    )
    sheet_rows = [[str(c) if c is not None else "" for c in r] for r in workbook.active.values]
    assert [r[0] for r in sheet_rows[1:]] == names


def test_a_unit_outside_the_supervisors_reach_is_not_found(client, world):
    client.force_login(world.supervisor_user)
    assert client.get(reverse("unit-compliance", args=[world.traffic.pk])).status_code == 404
    client.force_login(world.officer_user)
    assert client.get(reverse("unit-compliance", args=[world.patrol.pk])).status_code == 404
    client.force_login(world.training_user)
    assert client.get(reverse("unit-compliance", args=[world.traffic.pk])).status_code == 200


def test_the_unit_list_needs_the_same_queries_for_more_officers(client, world):
    client.force_login(world.supervisor_user)
    url = reverse("unit-compliance", args=[world.patrol.pk])
    client.get(url)  # warm the caches
    with counted_queries() as few:
        client.get(url)
    for _ in range(15):
        entered(world, OfficerFactory(agency=world.agency, unit=world.north), 60)
    with counted_queries() as many:
        body = client.get(url).content.decode()
    assert len(many) == len(few)
    # 13: one of them loads the authenticator that verified the session (two-factor sign-in).
    assert 3 <= len(few) <= 13
    assert body.count('href="/officers/') >= 17


def test_history_says_where_each_record_counted_and_why_not(client, world):
    racial = entered(
        world, world.officer, 60, title="Racial Profiling", topics=["racial_profiling"]
    )
    plain = entered(world, world.officer, 100, title="Report Writing", category="technical_studies")
    void = entered(world, world.officer, 60, title="Entered twice")
    void_training_record(acting_user=world.training_user, record=void, reason="Duplicate")
    client.force_login(world.officer_user)
    url = reverse("officer-history", args=[world.officer.pk])
    header, *rows = rows_of(client.get(url, {"export": "csv"}))
    by_title = {row[2]: dict(zip(header, row, strict=True)) for row in rows}
    assert "Racial profiling: 1.2 h" in by_title["Racial Profiling"]["Counted toward"]
    assert "Total CLEE hours" in by_title["Report Writing"]["Counted toward"]
    assert "provider not approved" in by_title["Report Writing"]["Not counted, and why"]
    assert by_title["Entered twice"]["Not counted, and why"] == "Voided: Duplicate"
    # Filters narrow the same table.
    page = client.get(url, {"topic": "racial_profiling"}).content.decode()
    assert racial.title in page
    assert plain.title not in page
    page = client.get(url, {"category": "technical_studies"}).content.decode()
    assert plain.title in page
    assert racial.title not in page
    # Reading one's own history is not logged.
    assert not AuditEvent.objects.filter(action="officer.read").exists()


def test_reading_someone_elses_record_is_audited(client, world):
    client.force_login(world.supervisor_user)
    client.get(reverse("officer-detail", args=[world.colleague.pk]))
    client.get(reverse("officer-history", args=[world.colleague.pk]), {"export": "xlsx"})
    reads = list(
        AuditEvent.objects.filter(action="officer.read").values_list(
            "actor_id", "object_id", "after"
        )
    )
    assert reads == [
        (world.supervisor_user.pk, str(world.colleague.pk), {"what": "training record page"}),
        (world.supervisor_user.pk, str(world.colleague.pk), {"what": "training history export"}),
    ]
    assert (
        client.get(reverse("officer-history", args=[world.traffic_officer.pk])).status_code == 404
    )


def test_a_unit_export_is_logged(client, unit_world):
    world = unit_world
    client.force_login(world.supervisor_user)
    client.get(reverse("unit-compliance", args=[world.patrol.pk]))
    assert not AuditEvent.objects.filter(action="unit.export").exists()  # looking is the page
    client.get(reverse("unit-compliance", args=[world.patrol.pk]), {"export": "xlsx"})
    event = AuditEvent.objects.get(action="unit.export")
    assert (event.actor_id, event.object_id) == (world.supervisor_user.pk, str(world.patrol.pk))
    assert event.after == {"format": "xlsx", "rows": 2}


def test_make_up_training_shows_under_the_period_it_cures(client, world):
    entered(
        world,
        world.officer,
        60,
        title="Make-up seminar",
        completed_on=dt.date(2026, 2, 1),
        attributed_to_period="2025",
    )
    client.force_login(world.officer_user)
    url = reverse("officer-history", args=[world.officer.pk])
    header, *rows = rows_of(client.get(url, {"period": "2025", "export": "csv"}))
    assert [dict(zip(header, r, strict=True))["Period"] for r in rows] == ["2025"]
