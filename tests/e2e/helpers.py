"""Steps the browser tests share."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page

# The `open_page` fixture: opens a page in a new browser context; keyword arguments go to
# `Browser.new_context`.
OpenPage = Callable[..., Page]


def sign_in(page: Page, username: str, password: str) -> None:
    """Fill in and submit the login form on the current page (a plain POST, no JavaScript)."""
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()
