"""The Content-Security-Policy in a real browser: the demo's main pages, as several roles, raise
no violation, and what runs on JavaScript (htmx's code panel, the filter that submits itself)
still works under it.

Chromium reports each violation twice over: a `securitypolicyviolation` event in the page
(collected by an init script, which Playwright runs outside the page's policy) and a console
message naming the "Content Security Policy". Both are collected; the test first proves that
an injected inline style is caught, so a silent detector cannot pass it.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect

from muster.demo import DEMO_PASSWORD, load_demo
from muster.training.models import Session, SessionStatus
from tests.e2e.helpers import OpenPage, sign_in

OSAGE_FALLS = "Osage Falls Police Department"

LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.musterCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || event.documentURI}:${event.lineNumber}`
  );
});
"""


@dataclass
class Watch:
    """The violations one page has seen, from either source, with the page they happened on."""

    page: Page
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.expose_function("musterCspViolation", self._event)
        self.page.add_init_script(LISTENER)
        self.page.on("console", self._console)

    def _event(self, text: str) -> None:
        self.seen.append(f"event on {self.page.url}: {text}")

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.seen.append(f"console on {self.page.url}: {message.text}")

    def visit(self, address: str) -> None:
        response = self.page.goto(address)
        assert response is not None
        assert response.status == 200, f"{address}: {response.status}"
        header = response.header_value("content-security-policy") or ""
        assert "script-src 'self'" in header, address
        assert "style-src 'self'" in header, address
        self.page.wait_for_load_state("load")

    def assert_clean(self, who: str) -> None:
        # Events reach Python through a binding, a moment after they happen.
        self.page.wait_for_timeout(300)
        assert not self.seen, f"CSP violations as {who}:\n" + "\n".join(self.seen)


def signed_in(open_page: OpenPage, username: str) -> Watch:
    watch = Watch(open_page())
    watch.visit("/login/")
    sign_in(watch.page, username, DEMO_PASSWORD)
    expect(watch.page).to_have_url("/")
    return watch


def test_the_demo_pages_raise_no_csp_violation_for_any_role(
    transactional_db: None, open_page: OpenPage, caplog: pytest.LogCaptureFixture
) -> None:
    assert load_demo(), "the demo was already loaded: the database was not empty"

    the_detector_catches_an_injected_inline_style_and_the_report_is_logged(open_page, caplog)
    the_login_page_is_clean(open_page)
    the_officers_pages_are_clean(open_page)
    the_sergeants_pages_are_clean(open_page)
    the_training_staffs_pages_are_clean_and_the_code_panel_refreshes(open_page)
    the_chiefs_dashboard_draws_its_charts_without_inline_styles(open_page)
    the_custodians_pages_are_clean(open_page)


def the_detector_catches_an_injected_inline_style_and_the_report_is_logged(
    open_page: OpenPage, caplog: pytest.LogCaptureFixture
) -> None:
    watch = Watch(open_page())
    with caplog.at_level(logging.WARNING, logger="muster.csp"):
        watch.visit("/login/")
        assert not watch.seen
        watch.page.evaluate(
            "document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')"
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (
            any(w.startswith("event") for w in watch.seen)
            and any(w.startswith("console") for w in watch.seen)
            and any(r.name == "muster.csp" for r in caplog.records)
        ):
            watch.page.wait_for_timeout(100)
    assert any("style-src-attr" in w for w in watch.seen if w.startswith("event")), watch.seen
    assert any(w.startswith("console") for w in watch.seen), watch.seen
    # The browser posted its report to Muster's endpoint, which logged it.
    reports = [r.getMessage() for r in caplog.records if r.name == "muster.csp"]
    assert any("style-src-attr" in r and "/login/'" in r for r in reports), reports


def the_login_page_is_clean(open_page: OpenPage) -> None:
    watch = Watch(open_page())
    watch.visit("/login/")
    expect(watch.page.get_by_role("region", name="Demo logins")).to_be_visible()
    watch.visit("/verify/")
    watch.assert_clean("anonymous")


def the_officers_pages_are_clean(open_page: OpenPage) -> None:
    watch = signed_in(open_page, "officer")
    page = watch.page
    page.get_by_role("region", name="My training").get_by_role(
        "link", name="My whole training record"
    ).click()
    expect(page.get_by_role("heading", name="Training records", level=2)).to_be_visible()
    watch.visit(page.url + "history/")
    for address in ("/sessions/", "/calendar/", "/outside-training/", "/course-certification/"):
        watch.visit(address)
    page.goto("/sessions/")
    page.locator("table tbody tr a").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    watch.assert_clean("officer")


def the_sergeants_pages_are_clean(open_page: OpenPage) -> None:
    watch = signed_in(open_page, "sergeant")
    page = watch.page
    unit = page.get_by_role("region", name="Patrol Division and its sub-units")
    unit.get_by_role("link", name="Every officer of Patrol Division").click()
    page.get_by_role("checkbox", name="At risk only").check()
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table.sortable tbody tr").first).to_be_visible()
    watch.visit("/absences/")
    watch.assert_clean("sergeant")


def the_training_staffs_pages_are_clean_and_the_code_panel_refreshes(open_page: OpenPage) -> None:
    watch = signed_in(open_page, "training")
    page = watch.page
    for address in (
        "/officers/",
        "/courses/",
        "/sessions/",
        "/outside-training/review/",
        "/roll-call/",
        "/rules/",
    ):
        page.goto(address)
        expect(page.get_by_role("heading", level=1)).to_be_visible()

    # The officer search hides its labels with a class now, not a style attribute.
    watch.visit("/officers/")
    label = page.locator("label[for=q]")
    expect(label).to_have_class(re.compile(r"visually-hidden"))
    assert label.bounding_box() is not None
    assert label.evaluate("e => e.getBoundingClientRect().width") <= 1

    # The status filter submits itself through the static script, not an onchange handler.
    watch.visit("/course-certification/")
    status = page.get_by_label("Status")
    status.select_option(index=1)
    expect(page).to_have_url(re.compile(r"[?&]status=\w+"))

    # The code panel: a QR code and the code, refreshed by htmx every 3 s.
    session = (
        Session.objects.filter(
            course__agency__name=OSAGE_FALLS,
            status=SessionStatus.SCHEDULED,
            starts_at__gte=timezone.now(),
        )
        .order_by("starts_at")
        .first()
    )
    assert session is not None, "the demo should have an upcoming session"
    watch.visit(f"/sessions/{session.pk}/")
    page.get_by_role("button", name="Show the sign-in code").click()
    panel = page.locator("#code-panel")
    expect(panel.locator("svg")).to_be_visible()
    expect(page.get_by_test_id("sign-in-code")).to_have_text(re.compile(r"\S+"))
    assert page.evaluate("typeof htmx") == "object", "htmx did not load"
    assert page.evaluate("htmx.config.allowEval") is False
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    with page.expect_response(re.compile(r"/code/current/$"), timeout=10_000) as refreshed:
        pass
    assert refreshed.value.status == 200
    page.wait_for_timeout(300)  # let htmx swap and settle
    expect(panel.locator("svg")).to_be_visible()
    expect(page.get_by_test_id("sign-in-code")).to_have_text(re.compile(r"\S+"))
    watch.assert_clean("training")
    # Its look comes from muster.css now.
    expect(page.get_by_test_id("sign-in-code")).to_have_css("font-family", "monospace")


def the_chiefs_dashboard_draws_its_charts_without_inline_styles(open_page: OpenPage) -> None:
    watch = signed_in(open_page, "chief")
    page = watch.page
    page.get_by_role("link", name="Dashboard: compliance by unit").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Training dashboard")
    bar = page.locator("svg.chart rect.bar").first
    expect(bar).to_be_visible()
    # The theme's primary colour, from muster.css (#0172ad), not the default black fill.
    assert bar.evaluate("e => getComputedStyle(e).fill") == "rgb(1, 114, 173)"
    # The chart sits beside its table: the layout came from the static CSS.
    pair = page.locator(".dashboard-pair").first
    assert pair.evaluate("e => getComputedStyle(e).display") == "grid"
    watch.visit("/")
    page.get_by_role("link", name="State report").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("State report")
    watch.assert_clean("chief")


def the_custodians_pages_are_clean(open_page: OpenPage) -> None:
    watch = signed_in(open_page, "custodian")
    page = watch.page
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Officers", exact=True
    ).click()
    page.locator("table tbody tr a").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    watch.visit(page.url + "transcript/")
    expect(page.get_by_role("button", name="Download transcript (PDF)")).to_be_visible()
    watch.assert_clean("custodian")
