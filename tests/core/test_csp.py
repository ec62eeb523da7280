"""The Content-Security-Policy: on every HTML page, strict, matched by the pages themselves, and
its violation reports logged."""

from __future__ import annotations

import datetime as dt
import logging
import re

import orjson
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from muster.accounts.models import Role, User
from muster.core import csp
from muster.reports.charts import bar_chart, line_chart
from tests.conftest import World, member
from tests.factories import CourseFactory, SessionFactory, TrainingRecordFactory
from tests.test_cli_and_settings import run_python

EXPECTED = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "report-uri": ["/csp-report/"],
}

# What a strict policy refuses in a page: style attributes, <style> blocks, inline scripts
# (a <script> without src), on*= handlers and javascript: addresses.
INLINE = re.compile(
    r"""\sstyle\s*=|<style[\s>]|<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=|javascript:""",
    re.IGNORECASE,
)


def directives(header: str) -> dict[str, list[str]]:
    """A policy header as {directive: [sources]}."""
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_strict(response, where: str) -> None:  # type: ignore[no-untyped-def]
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{where}: no Content-Security-Policy header"
    assert "Content-Security-Policy-Report-Only" not in response.headers
    assert "'unsafe-inline'" not in header, where
    assert "'unsafe-eval'" not in header, where
    assert "'unsafe-hashes'" not in header, where
    policy = directives(header)
    for name, sources in EXPECTED.items():
        assert policy.get(name) == sources, f"{where}: {name} is {policy.get(name)}"


@pytest.fixture
def pages(world: World) -> list[tuple[User | None, str]]:
    """(who, address) for a sample of pages of every part of Muster, as several roles."""
    course = CourseFactory(agency=world.agency, title="Defensive Tactics")
    start = timezone.now() + dt.timedelta(days=3)
    session = SessionFactory(course=course, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    TrainingRecordFactory(officer=world.officer, title="Ethics")
    director = member(Role.TRAINING_DIRECTOR, world.agency)
    officer = world.officer
    return [
        (None, reverse("login")),
        (None, reverse("verify-upload")),
        (world.officer_user, reverse("home")),
        (world.officer_user, reverse("officer-detail", args=[officer.pk])),
        (world.officer_user, reverse("officer-history", args=[officer.pk])),
        (world.officer_user, reverse("session-list")),
        (world.officer_user, reverse("calendar")),
        (world.officer_user, reverse("outside-list")),
        (world.officer_user, reverse("outside-new")),
        (world.officer_user, reverse("certification-list")),
        (world.officer_user, reverse("certification-new")),
        (world.officer_user, reverse("officer-detail", args=[world.outsider.pk])),  # a 404
        (world.supervisor_user, reverse("home")),
        (world.supervisor_user, reverse("unit-compliance", args=[world.patrol.pk])),
        (world.supervisor_user, reverse("absence-list")),
        (world.training_user, reverse("home")),
        (world.training_user, reverse("officer-list") + "?q=Reyes"),
        (world.training_user, reverse("course-list")),
        (world.training_user, reverse("course-detail", args=[course.pk])),
        (world.training_user, reverse("session-new")),
        (world.training_user, reverse("session-detail", args=[session.pk])),
        (world.training_user, reverse("session-code", args=[session.pk])),
        (world.training_user, reverse("session-code-current", args=[session.pk])),
        (world.training_user, reverse("session-kiosk", args=[session.pk])),
        (world.training_user, reverse("session-paper", args=[session.pk])),
        (world.training_user, reverse("outside-queue")),
        (world.training_user, reverse("certification-list") + "?status=draft"),
        (world.training_user, reverse("rollcall-list")),
        (world.training_user, reverse("record-new", args=[officer.pk])),
        (director, reverse("home")),
        (world.custodian_user, reverse("transcript", args=[officer.pk])),
        (world.custodian_user, reverse("release-list")),
        (world.custodian_user, reverse("release-new")),
        (world.custodian_user, reverse("audit-log")),
        (world.custodian_user, reverse("retention:report", args=[world.agency.pk])),
        (None, reverse("sso:start")),  # single sign-on is off: a page says so
        (world.admin_user, reverse("dashboard", args=[world.agency.pk])),
        (world.admin_user, reverse("state-report", args=[world.agency.pk])),
        (world.admin_user, reverse("agency-rules", args=[world.agency.pk])),
    ]


def test_every_sampled_page_carries_the_strict_policy_and_keeps_to_it(
    pages: list[tuple[User | None, str]],
) -> None:
    html_pages = 0
    for who, address in pages:
        client = Client()
        if who is not None:
            client.force_login(who)
        response = client.get(address)
        where = f"{address} as {who or 'anonymous'}"
        assert response.status_code in (200, 404), f"{where}: {response.status_code}"
        assert_strict(response, where)
        if response["Content-Type"].startswith("text/html"):
            html_pages += 1
            # The page as sent, Python-drawn parts (charts, QR codes, widgets) included.
            found = INLINE.findall(response.content.decode())
            assert not found, f"{where} has inline code the policy refuses: {found}"
    assert html_pages == len(pages)


def test_the_dashboard_charts_are_drawn_without_style_attributes(world: World) -> None:
    TrainingRecordFactory(officer=world.officer, title="Ethics")
    client = Client()
    client.force_login(world.admin_user)
    page = client.get(reverse("dashboard", args=[world.agency.pk])).content.decode()
    assert page.count("<svg") >= 4
    assert 'class="bar" fill=' in page
    bars = bar_chart("Hours", "Hours by unit", [("Patrol", 3.0), ("Traffic", None)])
    lines = line_chart("Progress", "This and last period", [("This", [(0, 0), (5, 40)])], x_max=9)
    for svg in (bars, lines):
        assert "style=" not in svg
    assert 'class="series-0" stroke="#0172ad"' in lines


def test_htmx_is_told_to_add_no_inline_styles_and_to_evaluate_nothing(world: World) -> None:
    client = Client()
    client.force_login(world.officer_user)
    page = client.get(reverse("home")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    assert config, "base.html lost its htmx-config"
    assert orjson.loads(config.group(1)) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
    }
    # The indicator rules htmx would have injected live in the static CSS instead.
    css = client.get("/static/muster/muster.css")
    assert b".htmx-request .htmx-indicator" in b"".join(css.streaming_content)  # type: ignore[attr-defined]


def form_action(client: Client) -> list[str]:
    return directives(client.get(reverse("login"))["Content-Security-Policy"])["form-action"]


def test_form_action_admits_the_single_sign_on_provider_while_it_is_on(db: None, settings) -> None:  # type: ignore[no-untyped-def]
    # Signing out after a single sign-on is a POST redirected to the provider's end-session
    # endpoint; browsers refuse that redirect unless form-action names the provider.
    settings.MUSTER_OIDC_ISSUER = "https://login.example.gov/realms/osage"
    settings.MUSTER_OIDC_AUTHORIZATION_ENDPOINT = "https://login.example.gov/realms/osage/auth"
    settings.MUSTER_OIDC_END_SESSION_ENDPOINT = "https://logout.example.gov:8443/end?x=1"
    assert form_action(Client()) == ["'self'"]  # no client registration: single sign-on is off
    settings.MUSTER_OIDC_CLIENT_ID = "muster"
    settings.MUSTER_OIDC_CLIENT_SECRET = "s3cret"
    assert form_action(Client()) == [
        "'self'",
        "https://login.example.gov",
        "https://logout.example.gov:8443",
    ]
    settings.MUSTER_OIDC_END_SESSION_ENDPOINT = "not an address"
    assert form_action(Client()) == ["'self'", "https://login.example.gov"]


def test_further_form_action_origins_come_from_the_environment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    show = (
        "from django.conf import settings\n"
        "print(*settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    )
    assert run_python(show, tmp_path) == ["'self'"]
    assert run_python(
        show, tmp_path, MUSTER_CSP_FORM_ACTION="https://sts.example.net/tenant,https://b.example"
    ) == ["'self'", "https://sts.example.net", "https://b.example"]


def report(**fields: object) -> bytes:
    body = {
        "document-uri": "http://testserver/officers/?q=Reyes",
        "violated-directive": "style-src-attr",
        "effective-directive": "style-src-attr",
        "blocked-uri": "inline",
        "source-file": "http://testserver/static/muster/muster.js?v=1",
        "line-number": 12,
    }
    return orjson.dumps({"csp-report": body | fields})


@pytest.fixture
def fresh_budget(monkeypatch: pytest.MonkeyPatch) -> csp._Budget:
    budget = csp._Budget(3)
    monkeypatch.setattr(csp, "budget", budget)
    return budget


def test_a_violation_report_is_logged_without_login_or_csrf_token(
    db: None, caplog: pytest.LogCaptureFixture, fresh_budget: csp._Budget
) -> None:
    client = Client(enforce_csrf_checks=True)
    with caplog.at_level(logging.WARNING, logger="muster.csp"):
        response = client.post(
            reverse("csp-report"), report(), content_type="application/csp-report"
        )
    assert response.status_code == 204
    [record] = caplog.records
    message = record.getMessage()
    assert "directive='style-src-attr'" in message
    assert "blocked='inline'" in message
    assert "page='http://testserver/officers/'" in message
    assert "Reyes" not in message  # queries may hold names; they are not logged
    assert "source='http://testserver/static/muster/muster.js:12'" in message


def test_a_reporting_api_report_is_logged_too(
    db: None, caplog: pytest.LogCaptureFixture, fresh_budget: csp._Budget
) -> None:
    body = [
        {
            "type": "csp-violation",
            "body": {
                "documentURL": "https://muster.example.gov/",
                "effectiveDirective": "script-src-elem",
                "blockedURL": "https://evil.example/x.js",
            },
        }
    ]
    with caplog.at_level(logging.WARNING, logger="muster.csp"):
        response = Client().post(
            reverse("csp-report"), orjson.dumps(body), content_type="application/reports+json"
        )
    assert response.status_code == 204
    assert "blocked='https://evil.example/x.js'" in caplog.records[0].getMessage()


def test_oversized_or_malformed_reports_are_refused_and_not_logged(
    db: None, caplog: pytest.LogCaptureFixture, fresh_budget: csp._Budget
) -> None:
    client = Client()
    big = report(**{"script-sample": "x" * (csp.REPORT_MAX_BYTES + 1)})
    with caplog.at_level(logging.WARNING, logger="muster.csp"):
        too_big = client.post(reverse("csp-report"), big, content_type="application/json")
        junk = client.post(reverse("csp-report"), b"{not json", content_type="application/json")
        not_a_report = client.post(
            reverse("csp-report"), b"[1, 2]", content_type="application/json"
        )
        read = client.get(reverse("csp-report"))
    assert too_big.status_code == 413
    assert junk.status_code == 204
    assert not_a_report.status_code == 204
    assert read.status_code == 405
    assert not [r for r in caplog.records if r.name == "muster.csp"]


def test_reports_beyond_the_minute_budget_are_counted_not_logged(
    db: None, caplog: pytest.LogCaptureFixture, fresh_budget: csp._Budget
) -> None:
    with caplog.at_level(logging.WARNING, logger="muster.csp"):
        for _ in range(5):
            Client().post(reverse("csp-report"), report(), content_type="application/csp-report")
    assert len([r for r in caplog.records if r.name == "muster.csp"]) == 3
    # The next minute says how many were dropped.
    allowed, dropped = fresh_budget.take(10**9)
    assert allowed
    assert dropped == 2


def test_behind_tls_cookies_are_secure_httponly_samesite_and_hsts_is_sent(tmp_path) -> None:  # type: ignore[no-untyped-def]
    show = (
        "from django.conf import settings as s\n"
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE,"
        " s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, s.CSRF_COOKIE_SAMESITE,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT)"
    )
    assert run_python(show, tmp_path, MUSTER_HTTPS="true") == [
        "True",
        "True",
        "Lax",
        "True",
        "True",
        "Lax",
        "31536000",
        "True",
        "True",
    ]


def test_a_report_with_an_address_that_cannot_be_parsed_is_logged_not_a_crash(
    db: None, caplog: pytest.LogCaptureFixture, fresh_budget: csp._Budget
) -> None:
    client = Client(enforce_csrf_checks=True)
    with caplog.at_level(logging.WARNING, logger="muster.csp"):
        response = client.post(
            reverse("csp-report"),
            report(**{"document-uri": "http://[::1?q=Reyes"}),
            content_type="application/csp-report",
        )
    assert response.status_code == 204
    [record] = caplog.records
    assert "Reyes" not in record.getMessage()
