"""Signing in and out, by keyboard and without JavaScript, as the `world` fixture's users."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import World
from tests.e2e.helpers import OpenPage, sign_in

PASSWORD = "correct horse battery"  # every factory-made user's password


def test_a_wrong_password_shows_an_error_and_stays_on_the_login_page(
    world: World, page: Page
) -> None:
    page.goto("/login/")

    sign_in(page, world.training_user.username, "not the password")

    expect(page).to_have_url("/login/")
    expect(page.get_by_role("alert")).to_contain_text(
        "Please enter a correct username and password"
    )
    expect(page.locator("#id_username")).to_have_value(world.training_user.username)
    expect(page.locator("#id_password")).to_have_attribute("aria-invalid", "true")


def test_the_first_tab_on_the_login_page_focuses_the_skip_link(
    page: Page,
) -> None:
    page.goto("/login/")

    page.keyboard.press("Tab")

    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_signing_in_and_reading_the_home_page_work_without_javascript(
    world: World, open_page: OpenPage
) -> None:
    page = open_page(java_script_enabled=False)
    page.goto("/login/")

    sign_in(page, world.training_user.username, PASSWORD)

    expect(page).to_have_url("/")
    first_name = world.training_user.first_name
    expect(page.get_by_role("heading", name=f"Welcome, {first_name}", level=1)).to_be_visible()
    agency = page.get_by_role("region", name=world.agency.name)
    expect(agency.get_by_role("heading", name="Upcoming sessions")).to_be_visible()
    agency.get_by_role("link", name="All officers").click()
    expect(page.get_by_role("link", name=world.officer.sort_name)).to_be_visible()


def test_signing_out_returns_to_the_login_page_and_locks_the_home_page(
    world: World, page: Page
) -> None:
    page.goto("/login/")
    sign_in(page, world.officer_user.username, PASSWORD)
    expect(page.get_by_role("heading", name="My training", level=2)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url("/login/")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.goto("/")

    expect(page).to_have_url("/login/?next=/")
    expect(page.locator("#id_username")).to_be_visible()
