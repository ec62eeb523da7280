"""The API's docs page (Swagger UI) in a real browser: it draws the operations from the served
schema, with its scripts and styles from Muster's own static files, under the strict CSP."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.helpers import OpenPage
from tests.e2e.test_csp import Watch


def test_the_api_docs_render_under_the_csp(open_page: OpenPage) -> None:
    watch = Watch(open_page())
    watch.visit("/api/docs/")
    page = watch.page
    expect(page.get_by_role("heading", name="Muster API")).to_be_visible()
    expect(page.get_by_text("/api/v1/training-records/").first).to_be_visible()
    watch.assert_clean("anonymous")
