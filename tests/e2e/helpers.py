"""Steps the browser tests share."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from urllib.parse import urlparse

from django_otp.oath import totp
from playwright.sync_api import Page

# The `open_page` fixture: opens a page in a new browser context; keyword arguments go to
# `Browser.new_context`.
OpenPage = Callable[..., Page]

VERIFY_PATH = "/login/verify/"
ENROL_PATH = "/account/two-factor/"


def authenticator_code(secret: str) -> str:
    """What an authenticator app shows now for a base32 secret as the set-up page prints it."""
    compact = secret.replace(" ", "").upper()
    key = base64.b32decode(compact + "=" * (-len(compact) % 8))
    return f"{totp(key):06d}"


def sign_in(page: Page, username: str, password: str) -> None:
    """Fill in and submit the login form on the current page (a plain POST, no JavaScript),
    then pass the second step as the person would: with the demo authenticator's code the
    page shows, or, for a staff login without an authenticator, by setting one up from the
    secret the set-up page prints (and going on past the recovery codes)."""
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    path = urlparse(page.url).path
    if path == VERIFY_PATH:
        demo_code = page.locator("#demo-code")
        if demo_code.count() == 0:
            raise AssertionError(f"{username} has an authenticator the test cannot read")
        page.locator("#id_otp_token").fill(demo_code.inner_text())
        page.get_by_role("button", name="Verify").click()
        page.wait_for_load_state()
    elif path == ENROL_PATH:
        secret = page.locator("#otp-secret").inner_text()
        page.locator("#id_otp_token").fill(authenticator_code(secret))
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        page.get_by_role("button", name=re.compile("I have saved them")).click()
        page.wait_for_load_state()
