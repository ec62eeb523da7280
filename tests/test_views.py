"""Pages: sign-in, the home page per role, officer pages, scoping and time zones."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from muster.accounts.models import Role
from muster.agencies.models import Agency
from tests.conftest import counted_queries, member
from tests.factories import (
    AgencyFactory,
    CourseFactory,
    SessionFactory,
    TrainingRecordFactory,
)


@pytest.mark.parametrize("url", ["/", "/officers/", "/officers/1/"])
def test_pages_ask_an_anonymous_visitor_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_signing_in_and_out(client, world):
    response = client.post(
        "/login/", {"username": "dana", "password": "correct horse battery"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert "My training" in response.content.decode()
    response = client.post("/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_reported_without_saying_which_part_was_wrong(client, world):
    response = client.post("/login/", {"username": "dana", "password": "nope"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "correct username and password" in body


def test_the_login_page_lists_demo_logins_only_while_the_demo_is_loaded(client, db):
    assert "Demo logins" not in client.get("/login/").content.decode()
    Agency.objects.filter(pk=AgencyFactory().pk).update(is_demo=True)
    body = client.get("/login/").content.decode()
    assert "Demo logins" in body
    assert "<code>training</code>" in body


def add_minutes(world, officer, minutes: int, title: str = "Seminar") -> None:
    from muster.training.services import record_training

    record_training(
        acting_user=world.training_user,
        officer=officer,
        title=title,
        minutes=minutes,
        delivery="in_person",
        category="legal_studies",
        completed_on=timezone.now().astimezone(officer.agency.zone).date(),
        source="manual",
    )


def test_the_officer_home_shows_their_compliance_and_nothing_of_others(client, world):
    add_minutes(world, world.officer, 90)  # 1.8 credit hours at Missouri's 50-minute hour
    add_minutes(world, world.colleague, 60, title="Colleague's secret course")
    client.force_login(world.officer_user)
    body = client.get("/").content.decode()
    assert "My training" in body
    assert "Deficient" in body
    assert "Total CLEE hours" in body
    assert "1.8 h" in body  # credited
    assert "22.2 h" in body  # still missing
    assert "Colleague's secret course" not in body
    assert "Upcoming sessions" not in body  # no agency-wide panel for an officer


def test_the_supervisor_home_lists_their_unit_with_compliance(client, world):
    add_minutes(world, world.colleague, 100)
    client.force_login(world.supervisor_user)
    body = client.get("/").content.decode()
    assert "Patrol Division and its sub-units" in body
    assert world.colleague.last_name in body
    assert world.traffic_officer.last_name not in body
    assert "2 of 24 h" in body
    assert "<strong>1</strong> deficient" in body  # the colleague; Traffic is not his unit
    assert "<strong>2</strong> serving officers" in body
    assert "At risk, soonest due first" in body


def test_the_training_home_shows_the_agency_panel(client, world):
    client.force_login(world.training_user)
    body = client.get("/").content.decode()
    assert world.agency.name in body
    assert "Upcoming sessions" in body
    assert "Recently entered records" in body
    assert "Training staff" in body


def test_the_commission_home_lists_the_states_agencies(client, world, commission_user):
    client.force_login(commission_user)
    body = client.get("/").content.decode()
    assert "Agencies in MO" in body
    assert world.agency.name in body
    assert world.other_agency.name not in body


def test_a_login_with_no_role_is_told_so(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert "holds no role yet" in client.get("/").content.decode()


def test_the_home_page_needs_a_fixed_number_of_queries(client, world):
    """Twenty more officers in the unit must not mean twenty more queries."""
    from tests.factories import OfficerFactory

    for _ in range(20):
        officer = OfficerFactory(agency=world.agency, unit=world.north)
        add_minutes(world, officer, 50)  # through the service, so each has its snapshots
    client.force_login(world.supervisor_user)
    client.get("/")  # warm the caches
    with counted_queries() as home:
        body = client.get("/").content.decode()
    assert 5 <= len(home) <= 16, home
    assert "<strong>22</strong> serving officers" in body
    assert body.count("1 of 24 h") == 10  # the ten most at risk; the rest on the unit page
    with counted_queries() as unit_page:
        page = client.get(f"/units/{world.patrol.pk}/compliance/", {"sort": "name"})
    # 13: one of them loads the authenticator that verified the session (two-factor sign-in).
    assert len(unit_page) <= 13, unit_page
    assert page.content.decode().count('href="/officers/') >= 22


@pytest.mark.parametrize(
    ("who", "target", "status"),
    [
        ("officer_user", "officer", 200),
        ("officer_user", "colleague", 404),
        ("supervisor_user", "colleague", 200),
        ("supervisor_user", "traffic_officer", 404),
        ("training_user", "traffic_officer", 200),
        ("custodian_user", "colleague", 200),
        ("training_user", "outsider", 404),
    ],
)
def test_an_officer_page_opens_only_for_those_who_may_read_it(client, world, who, target, status):
    client.force_login(getattr(world, who))
    response = client.get(reverse("officer-detail", args=[getattr(world, target).pk]))
    assert response.status_code == status


def test_the_officer_page_shows_voided_records_with_their_reason(client, world):
    from muster.training.services import void_training_record

    record = TrainingRecordFactory(
        officer=world.officer, title="Entered twice", category="legal_studies"
    )
    void_training_record(acting_user=world.training_user, record=record, reason="Duplicate")
    client.force_login(world.officer_user)
    body = client.get(reverse("officer-detail", args=[world.officer.pk])).content.decode()
    assert "Entered twice" in body
    assert "Voided" in body
    assert "Duplicate" in body


def test_the_officer_list_is_scoped_and_searchable(client, world):
    client.force_login(world.supervisor_user)
    body = client.get("/officers/").content.decode()
    assert world.colleague.last_name in body
    assert world.traffic_officer.last_name not in body
    assert world.outsider.last_name not in body
    body = client.get("/officers/", {"q": world.officer.last_name}).content.decode()
    assert world.officer.last_name in body
    assert "1 officer." in body


def test_an_officer_has_no_officer_list_in_the_menu(client, world):
    client.force_login(world.officer_user)
    body = client.get("/").content.decode()
    assert 'href="/officers/"' not in body
    assert f'href="/officers/{world.officer.pk}/"' in body


def test_health_check_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_each_agency_sees_its_own_dates(client, db):
    """A session at 06:30 UTC on Jan 1 is Jan 1 in Kansas but still Dec 31 in Colorado."""
    kansas = AgencyFactory(state="KS", rule_pack="us-ks-cpost", time_zone="America/Chicago")
    colorado = AgencyFactory(state="CO", rule_pack="us-co-rule28", time_zone="America/Denver")
    starts = dt.datetime(2027, 1, 1, 6, 30, tzinfo=dt.UTC)
    for agency in (kansas, colorado):
        SessionFactory(course=CourseFactory(agency=agency, category=""), starts_at=starts)
    with time_machine.travel(dt.datetime(2026, 12, 20, tzinfo=dt.UTC), tick=False):
        client.force_login(member(Role.TRAINING_STAFF, kansas))
        assert "Jan 1, 2027 12:30 AM" in client.get("/").content.decode()
        client.force_login(member(Role.TRAINING_STAFF, colorado))
        assert "Dec 31, 2026 11:30 PM" in client.get("/").content.decode()


def test_a_kansas_training_year_runs_july_to_june(db):
    kansas: Agency = AgencyFactory(rule_pack="us-ks-cpost")
    assert kansas.training_year(dt.date(2021, 3, 1)) == (dt.date(2020, 7, 1), dt.date(2021, 6, 30))
    assert kansas.training_year(dt.date(2021, 7, 1)) == (dt.date(2021, 7, 1), dt.date(2022, 6, 30))
    missouri: Agency = AgencyFactory(rule_pack="us-mo-clee")
    assert missouri.training_year(dt.date(2021, 7, 1)) == (
        dt.date(2021, 1, 1),
        dt.date(2021, 12, 31),
    )


def test_the_site_administration_is_closed_to_agency_staff(client, world):
    client.force_login(world.admin_user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_an_unknown_page_gets_the_friendly_not_found_page(client, world):
    client.force_login(world.officer_user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    assert "Back to your home page" in response.content.decode()


def test_the_what_if_tells_an_officer_whether_enrolled_sessions_will_do(client, world):
    from muster.training.services import enrol_officer, schedule_session
    from tests.factories import TopicFactory

    add_minutes(world, world.officer, 50 * 22)  # 22 of the 24 hours, all Legal Studies
    course = CourseFactory(agency=world.agency, credit_minutes=100, category="legal_studies")
    course.topics.set([TopicFactory(code="legal_update")])
    zone = world.agency.zone
    today = timezone.now().astimezone(zone).date()
    starts = timezone.now() + dt.timedelta(hours=2)
    if starts.astimezone(zone).date() != today:  # keep the session inside this period
        starts = timezone.now() + dt.timedelta(minutes=5)
    session = schedule_session(
        acting_user=world.training_user,
        course=course,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=100),
        location="Room A",
    )
    enrol_officer(acting_user=world.training_user, session=session, officer=world.officer)
    client.force_login(world.officer_user)
    body = client.get("/").content.decode()
    assert "If you attend the sessions you are enrolled in, you will still be missing" in body
    assert "Technical Studies 2 h" in body
    assert "Total CLEE hours" not in body.split("you will still be missing")[1].split("</p>")[0]


def test_the_officer_page_explains_each_requirement(client, world):
    add_minutes(world, world.officer, 100, title="Search and seizure")
    client.force_login(world.officer_user)
    body = client.get(reverse("officer-detail", args=[world.officer.pk])).content.decode()
    assert "Compliance" in body
    assert "Legal Studies" in body
    assert "Search and seizure: <strong>2 h</strong> — 100 min attended" in body
