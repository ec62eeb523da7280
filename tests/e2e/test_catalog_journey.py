"""Training staff add a legal course; General Counsel and HR, two people, review it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from muster.accounts.models import Role
from muster.training.models import Course
from tests.conftest import World, member
from tests.e2e.helpers import OpenPage, sign_in

PASSWORD = "correct horse battery"  # every factory-made user's password


def _shot(page: Page, request: pytest.FixtureRequest, step: str) -> None:
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=Path(folder, f"catalog-journey-{step}.png"), full_page=True)


def _review(page: Page, course: Course, office: str) -> None:
    page.goto("/courses/review-queue/")
    page.get_by_role("link", name=course.course_id).click()
    page.get_by_label("Reviewing for").select_option(label=office)
    page.get_by_label("Approved for delivery").check()
    page.get_by_role("button", name="Record review").click()


def test_a_legal_course_is_reviewed_by_counsel_and_by_hr(
    world: World, open_page: OpenPage, request: pytest.FixtureRequest
) -> None:
    counsel = member(Role.COUNSEL_HR, world.agency)
    hr = member(Role.COUNSEL_HR, world.agency)
    counsel.first_name, counsel.last_name = "Gina", "Counsel"
    counsel.save()

    staff = open_page()
    staff.goto("/login/")
    sign_in(staff, world.training_user.username, PASSWORD)
    staff.goto("/courses/")
    staff.get_by_role("button", name="Add a course").click()
    staff.get_by_label("Title").fill("Use of Force: Legal Update")
    staff.get_by_label("Instructional minutes").fill("100")
    staff.get_by_label("Delivery").select_option("in_person")
    staff.get_by_label("State category / core area").select_option(label="Legal Studies")
    staff.get_by_label("Legal update").check()
    staff.get_by_label("Legal, liability or personnel content").check()
    _shot(staff, request, "1-new-course")
    staff.get_by_role("button", name="Add course").click()
    course = Course.objects.get(title="Use of Force: Legal Update")
    expect(staff.get_by_role("heading", level=1)).to_contain_text(course.course_id)
    expect(staff.locator("#review-counsel")).to_contain_text("Needs General Counsel review")
    expect(staff.locator("#review-hr")).to_contain_text("Needs Human Resources review")
    _shot(staff, request, "2-awaiting-review")

    lawyer = open_page()
    lawyer.goto("/login/")
    sign_in(lawyer, counsel.username, PASSWORD)
    _review(lawyer, course, "General Counsel")
    expect(lawyer.locator("#review-counsel")).to_contain_text("approved by Gina Counsel")
    # The same person may not also record the HR review: the queue no longer offers it.
    lawyer.goto("/courses/review-queue/")
    expect(lawyer.get_by_text("No course is waiting for your review.")).to_be_visible()
    _shot(lawyer, request, "3-counsel-done")

    personnel = open_page()
    personnel.goto("/login/")
    sign_in(personnel, hr.username, PASSWORD)
    _review(personnel, course, "Human Resources")
    expect(personnel.get_by_text("Approved by both offices")).to_be_visible()
    _shot(personnel, request, "4-both-approved")
    assert course.missing_reviews() == []
