"""Journeys through the demo data, signed in with the demo logins the login page lists.

Loading the demo takes 10-15 s on SQLite and about 30 s on PostgreSQL, and the live server's
transactional database is emptied after every test, so a demo loaded for one test cannot be
kept for the next. The demo journeys therefore share one test, each journey in its own
browser context (its own cookies) and written as its own step below.
"""

from __future__ import annotations

from pathlib import Path

from django.db.models import Q
from django.utils import timezone
from playwright.sync_api import Page, expect

from muster.accounts.models import User
from muster.demo import DEMO_PASSWORD, load_demo
from muster.people.models import Officer
from muster.training.models import Session
from tests.e2e.helpers import OpenPage, sign_in

OSAGE_FALLS = "Osage Falls Police Department"


def test_the_demo_training_staff_and_officer_each_see_what_their_role_allows(
    transactional_db: None, open_page: OpenPage
) -> None:
    # Committed, so the live server's own connection sees it.
    assert load_demo(), "the demo was already loaded: the database was not empty"

    the_training_officer_signs_in_finds_an_officer_and_reads_their_record(open_page())
    the_officer_reads_their_own_training_but_not_another_agencys_officer(open_page())
    the_sergeant_finds_who_is_at_risk_and_opens_their_record(open_page())
    the_chief_reads_the_dashboard_charts_and_tables(open_page())
    the_state_commission_opens_an_agencys_dashboard_and_report(open_page())


SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def shot(page: Page, name: str) -> None:
    """Keep a picture of each role's page as a test artifact."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"home-{name}.png", full_page=True)


def the_sergeant_finds_who_is_at_risk_and_opens_their_record(page: Page) -> None:
    page.goto("/login/")
    sign_in(page, "sergeant", DEMO_PASSWORD)
    unit = page.get_by_role("region", name="Patrol Division and its sub-units")
    expect(unit.get_by_text("serving officers")).to_be_visible()
    shot(page, "sergeant")
    unit.get_by_role("link", name="Every officer of Patrol Division").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Patrol Division and its sub-units")
    page.get_by_role("checkbox", name="At risk only").check()
    page.get_by_role("button", name="Show").click()
    rows = page.locator("table.sortable tbody tr")
    expect(rows.first).to_contain_text("Yes")
    page.get_by_role("link", name="Officer", exact=True).click()  # sort by name
    expect(page.locator("th[aria-sort=ascending]")).to_have_text("Officer ▲")
    shot(page, "sergeant-unit-list")
    first = rows.first.get_by_role("link").first
    name = first.inner_text()
    first.click()
    last, first_name = name.split(", ", 1)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{first_name} {last}")


def the_chief_reads_the_dashboard_charts_and_tables(page: Page) -> None:
    page.goto("/login/")
    sign_in(page, "chief", DEMO_PASSWORD)
    shot(page, "chief")
    page.get_by_role("link", name="Dashboard: compliance by unit").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Training dashboard")
    expect(page.get_by_role("img").first).to_be_visible()  # a server-drawn SVG chart
    expect(page.get_by_role("heading", name="Compliance by unit")).to_be_visible()
    shot(page, "chief-dashboard")


def the_state_commission_opens_an_agencys_dashboard_and_report(page: Page) -> None:
    page.goto("/login/")
    sign_in(page, "mo-post", DEMO_PASSWORD)
    agencies = page.get_by_role("region", name="Agencies in MO")
    expect(agencies.get_by_role("link", name=OSAGE_FALLS)).to_be_visible()
    shot(page, "mo-post")
    agencies.get_by_role("link", name="State report").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("State report")
    shot(page, "mo-post-state-report")


def the_training_officer_signs_in_finds_an_officer_and_reads_their_record(page: Page) -> None:
    officer = Officer.objects.filter(agency__name=OSAGE_FALLS).order_by("last_name", "pk").first()
    assert officer is not None
    name_matches = Q(last_name__icontains=officer.last_name) | Q(
        first_name__icontains=officer.last_name
    )
    found = Officer.objects.filter(name_matches, agency__name=OSAGE_FALLS).count()

    page.goto("/login/")
    demo_logins = page.get_by_role("region", name="Demo logins").get_by_role("table")
    expect(demo_logins.get_by_role("cell", name="training", exact=True)).to_be_visible()

    sign_in(page, "training", DEMO_PASSWORD)

    expect(page).to_have_url("/")
    expect(page.get_by_role("heading", name="Welcome, Terry", level=1)).to_be_visible()
    agency = page.get_by_role("region", name=OSAGE_FALLS)
    expect(agency.get_by_role("heading", name=OSAGE_FALLS, level=2)).to_be_visible()
    expect(agency.get_by_role("heading", name="Upcoming sessions")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Officers", exact=True).click()

    expect(page).to_have_url("/officers/")
    expect(page.get_by_role("heading", name="Officers", level=1)).to_be_visible()
    page.get_by_role("searchbox", name="Name, serial or licence number").fill(officer.last_name)
    page.get_by_role("button", name="Find").click()

    # Only this agency's officers: the other demo agencies have officers of the same names.
    expect(page.get_by_text(f"{found} officer")).to_be_visible()
    row = page.get_by_role("row").filter(
        has=page.get_by_role("cell", name=officer.serial_number, exact=True)
    )
    row.get_by_role("link", name=officer.sort_name, exact=True).click()

    expect(page).to_have_url(f"/officers/{officer.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{officer.rank} {officer.full_name}")
    expect(page.get_by_role("heading", name="Training records", level=2)).to_be_visible()


def the_officer_reads_their_own_training_but_not_another_agencys_officer(page: Page) -> None:
    me = User.objects.select_related("officer").get(username="officer").officer
    assert me is not None
    enrolled = (
        Session.objects.filter(
            enrolments__officer=me, enrolments__status="enrolled", starts_at__gte=timezone.now()
        )
        .select_related("course")
        .order_by("starts_at")
        .first()
    )
    assert enrolled is not None, "the demo officer should be enrolled in an upcoming session"
    outsider = Officer.objects.filter(agency__state="KS").first()
    assert outsider is not None

    page.goto("/login/")
    sign_in(page, "officer", DEMO_PASSWORD)

    expect(page).to_have_url("/")
    my_training = page.get_by_role("region", name="My training")
    expect(my_training.get_by_role("heading", name="My training", level=2)).to_be_visible()
    expect(my_training.get_by_role("heading", name="Enrolled sessions")).to_be_visible()
    expect(
        my_training.get_by_role("listitem").filter(has_text=enrolled.course.title)
    ).to_be_visible()
    my_training.get_by_role("link", name="My whole training record").click()

    expect(page).to_have_url(f"/officers/{me.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{me.rank} {me.full_name}")
    expect(page.get_by_role("heading", name="Training records", level=2)).to_be_visible()

    response = page.goto(f"/officers/{outsider.pk}/")

    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found", level=1)).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(outsider.full_name)
