"""Browser tests: a real Chromium, driven through Playwright, against pytest-django's live server.

Every test in this folder is marked `browser`, so `pytest -m "not browser"` leaves them out.
Each test's final page is saved to test-artifacts/screenshots/<test name>.png.
"""

from __future__ import annotations

import importlib
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from pytest_django.live_server_helper import LiveServer

from tests.e2e.helpers import OpenPage

# Playwright's sync API keeps an asyncio event loop running in the main thread, and Django
# refuses database access while it sees one. The tests and the live server are synchronous,
# so the check only gets in the way here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
E2E_DIR = Path(__file__).resolve().parent
# The "browser" marker itself is registered in pyproject.toml.
BROWSER_MARK = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser` (the hook sees every item, so filter by path)."""
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(BROWSER_MARK)


def _keep_django_connections(wrappers: dict[str, BaseDatabaseWrapper]) -> None:
    """Keep using, in this thread, the database connections Django had before Playwright started.

    Django keeps connections in an asgiref `Local` that is thread-local while no event loop
    runs but per-context once one does, and Playwright's sync API leaves its loop running in
    this thread. Without this, code here would get a second set of connection objects, beside
    the ones made when the test database was set up (which carry its serialized contents and,
    on SQLite, hold the in-memory database open).
    """
    for alias, wrapper in wrappers.items():
        connections[alias] = wrapper


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run: Debian's, never a downloaded one."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; install it with: apt-get install -y chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"Browser tests must run in CI, but {message}", pytrace=False)
        pytest.skip(message)
    # Taken before Playwright starts: see _keep_django_connections.
    wrappers = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        _keep_django_connections(wrappers)
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def _save_screenshots(pages: list[Page], request: pytest.FixtureRequest) -> None:
    """Save the final page as <test name>.png; pages of earlier contexts as <test name>-<n>.png."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(pages, start=1):
        suffix = "" if number == len(pages) else f"-{number}"
        if page.is_closed():
            continue
        try:
            page.screenshot(path=folder / f"{name}{suffix}.png", full_page=True)
        except PlaywrightError as error:  # a crashed page must not hide the test's own result
            warnings.warn(f"No screenshot of {name}{suffix}: {error}", stacklevel=1)


@pytest.fixture
def topic_vocabulary(transactional_db: None) -> None:
    """Put back the topic vocabulary that a data migration loads.

    The live server needs a transactional database, which is emptied after each such test,
    migration-made rows included. (Serialized rollback is no help: after another transactional
    test's flush has re-created the content types under new ids, restoring it fails.)
    """
    vocabulary = importlib.import_module("muster.training.migrations.0002_topic_vocabulary")
    vocabulary.load(django_apps, None)


@pytest.fixture
def open_page(
    browser: Browser,
    live_server: LiveServer,
    topic_vocabulary: None,
    request: pytest.FixtureRequest,
) -> Iterator[OpenPage]:
    """Open a page in a fresh browser context (its own cookies) whose base URL is the live server.

    Keyword arguments go to `Browser.new_context`, e.g. `java_script_enabled=False`. After the
    test, the pages are saved as full-page screenshots, passed or failed.
    """
    contexts = []
    pages: list[Page] = []

    def open_(**context_options: Any) -> Page:
        context = browser.new_context(base_url=live_server.url, **context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield open_

    try:
        _save_screenshots(pages, request)
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(open_page: OpenPage) -> Page:
    """A page in a fresh browser context with JavaScript on."""
    return open_page()
