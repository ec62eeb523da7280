"""A session from scheduling to records: two officers sign in from their own phones with the
rotating code, one tries to sign in the other and is refused, the session closes, and both
officers' records and compliance change."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, expect

from muster.accounts.models import Role
from muster.compliance.models import ComplianceSnapshot
from muster.core.models import AuditEvent
from muster.training.models import Participation, SignIn, TrainingRecord
from tests.conftest import World
from tests.e2e.helpers import OpenPage, sign_in
from tests.factories import CourseFactory, MembershipFactory, UserFactory

PASSWORD = "correct horse battery"
# 12:00 in Missouri; the clock runs on from here so the code on the screen keeps changing.
NOON = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(NOON, tick=True):
        yield


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"session-journey-{name}.png", full_page=True)


def credited(officer_id: int) -> float:
    day = NOON.date()
    snap = ComplianceSnapshot.objects.filter(
        officer_id=officer_id, period_start__lte=day, period_end__gte=day
    ).first()
    return float(snap.credited_hours) if snap else 0.0


def scan(phone: Page, staff: Page, session_path: str) -> None:
    """The phone opens the address in the QR code the staff screen shows right now."""
    code = staff.get_by_test_id("sign-in-code").inner_text()
    phone.goto(f"{session_path}sign-in/?code={code}")


def test_two_officers_sign_in_by_phone_and_the_session_closes_into_records(
    world: World, open_page: OpenPage, clock: None
) -> None:
    course = CourseFactory(
        agency=world.agency,
        title="De-escalation in Practice",
        credit_minutes=100,
        category="interpersonal_perspectives",
    )
    colleague_user = UserFactory(officer=world.colleague, username="colleague")
    MembershipFactory(user=colleague_user, role=Role.OFFICER, agency=world.agency)
    before = {o.pk: credited(o.pk) for o in (world.officer, world.colleague)}

    # The Training Unit schedules the session and enrols both officers.
    staff = open_page()
    staff.goto("/login/")
    sign_in(staff, world.training_user.username, PASSWORD)
    staff.goto("/sessions/new/")
    staff.get_by_label("Course").select_option(str(course.pk))
    staff.get_by_label("Date").fill("2026-11-20")
    staff.get_by_label("Starts").fill("12:00")
    staff.get_by_label("Ends").fill("14:00")
    staff.get_by_label("Location").fill("Classroom B")
    staff.get_by_role("button", name="Schedule").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text(course.course_id)
    session_path = re.sub(r"^https?://[^/]+", "", staff.url)
    for officer in (world.officer, world.colleague):
        staff.get_by_label("Enrol a member").select_option(str(officer.pk))
        staff.get_by_role("button", name="Enrol").click()
        expect(staff.get_by_role("cell", name=officer.full_name)).to_be_visible()
    shot(staff, "1-scheduled")

    # The screen in the room shows the code.
    staff.get_by_role("button", name="Show the sign-in code").click()
    expect(staff.locator("svg").first).to_be_visible()
    shot(staff, "2-code-screen")

    # Dana scans with her phone, logs in there, and tries to sign in her colleague.
    dana = open_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    scan(dana, staff, session_path)
    expect(dana).to_have_url(re.compile(r"/login/"))
    sign_in(dana, "dana", PASSWORD)
    expect(dana.get_by_text("You are signing in as")).to_be_visible()
    dana.locator("input[name=officer]").evaluate(
        f"(field) => {{ field.value = '{world.colleague.pk}'; }}"
    )
    dana.get_by_role("button", name="Sign me in").click()
    expect(dana.get_by_role("alert")).to_contain_text("nobody may sign for another")
    shot(dana, "3-refused")
    assert not SignIn.objects.exists()
    assert AuditEvent.objects.filter(action="signin.refused", actor=world.officer_user).exists()

    # Then she signs in herself.
    scan(dana, staff, session_path)
    dana.get_by_role("button", name="Sign me in").click()
    expect(dana.get_by_role("status")).to_contain_text("Signed in Dana Reyes")
    shot(dana, "4-dana-signed-in")

    # Her colleague does the same from his own phone.
    phone = open_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    scan(phone, staff, session_path)
    sign_in(phone, colleague_user.username, PASSWORD)
    phone.get_by_role("button", name="Sign me in").click()
    expect(phone.get_by_role("status")).to_contain_text(f"Signed in {world.colleague.full_name}")
    shot(phone, "5-colleague-signed-in")

    # The screen counts both; the session closes into records.
    expect(staff.get_by_text("2 signed in")).to_be_visible(timeout=10_000)
    staff.goto(session_path)
    staff.get_by_role("button", name="Close the session", exact=True).click()
    shot(staff, "6-close")
    staff.get_by_role("button", name="Close the session and enter the records").click()
    expect(staff.get_by_role("status")).to_contain_text("2 training records entered")
    shot(staff, "7-closed")

    records = TrainingRecord.objects.filter(course=course, participation=Participation.ATTENDEE)
    assert sorted(r.officer_id for r in records) == sorted([world.officer.pk, world.colleague.pk])
    assert all(r.minutes == 100 for r in records)
    for officer in (world.officer, world.colleague):
        # 100 minutes at 50 minutes an hour: two more credit hours each.
        assert credited(officer.pk) == pytest.approx(before[officer.pk] + 2)

    # Dana sees the record on her own page.
    dana.goto(f"/officers/{world.officer.pk}/")
    expect(dana.get_by_role("cell", name=course.course_id)).to_be_visible()
    shot(dana, "8-dana-record")
