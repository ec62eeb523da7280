"""Steps the browser tests share."""

from __future__ import annotations

from playwright.sync_api import Page


def sign_in(page: Page, username: str, password: str) -> None:
    """Fill in and submit the login form on the current page (a plain POST, no JavaScript)."""
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()
