"""No template served to a browser holds inline styles or scripts, which the Content-Security-
Policy refuses (style-src 'self', script-src 'self'): new templates cannot bring them back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template.loader import get_template

import muster

PACKAGE = Path(muster.__file__).resolve().parent

# Rendered only by WeasyPrint into PDFs or into e-mail, never sent as a page: WeasyPrint and
# mail readers need their styles inline, and no browser applies this site's policy to them.
NOT_SERVED = {
    "training/sign_in_sheet_pdf.html": "the sign-in sheet PDF (training/documents.py)",
    "reports/transcript_pdf.html": "the transcript PDF (reports/transcripts.py)",
    "release/package_pdf.html": "the records-release package PDF (release/package.py)",
    "email/absence_notified.html": "e-mail (training/notifications.py)",
    "email/new_date_offered.html": "e-mail (training/notifications.py)",
}

RULES = {
    "a style= attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "a <style> block": re.compile(r"<style[\s>]", re.IGNORECASE),
    "an inline <script> (one without src=)": re.compile(
        r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE
    ),
    "an on*= event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: address": re.compile(r"javascript:", re.IGNORECASE),
    "hx-on (htmx evaluates it)": re.compile(r"\s(data-)?hx-on", re.IGNORECASE),
    "hx-vars (htmx evaluates it)": re.compile(r"\s(data-)?hx-vars", re.IGNORECASE),
    "a js: expression (htmx evaluates it)": re.compile(r"[\"']js:", re.IGNORECASE),
}


def template_dirs() -> list[Path]:
    """The project's template folder and every app's own, present or future."""
    return [PACKAGE / "templates", *sorted(PACKAGE.glob("*/templates"))]


def templates() -> list[tuple[str, Path]]:
    found = []
    for folder in template_dirs():
        for path in sorted(folder.rglob("*.html")):
            found.append((path.relative_to(folder).as_posix(), path))
    return found


def test_there_are_templates_to_scan() -> None:
    names = {name for name, _ in templates()}
    assert {"base.html", "core/home.html", "reports/dashboard.html"} <= names
    # Every exemption names a template that still exists, so the list cannot go stale.
    assert set(NOT_SERVED) <= names


SERVED = [(name, path) for name, path in templates() if name not in NOT_SERVED]


@pytest.mark.parametrize(("name", "path"), SERVED, ids=[name for name, _ in SERVED])
def test_a_browser_template_has_no_inline_style_or_script(name: str, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    problems = []
    for what, pattern in RULES.items():
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{name}:{line}: {what}")
    assert not problems, (
        "The Content-Security-Policy refuses inline styles and scripts; use a class in "
        "static/muster/muster.css or a static script instead:\n" + "\n".join(problems)
    )


def test_the_exempt_templates_are_never_rendered_as_a_page() -> None:
    """They are rendered to a string (for WeasyPrint or mail), never by a view's render()."""
    sources = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))
    for name in NOT_SERVED:
        get_template(name)  # still loadable under this name
        served = re.search(
            r"(render|TemplateResponse)\(\s*request,\s*[\"']" + re.escape(name), sources
        )
        assert not served, f"{name} is rendered as a page, so it must not keep inline styles"
    # No page includes or extends one of them either.
    for name, path in templates():
        if name in NOT_SERVED:
            continue
        text = path.read_text(encoding="utf-8")
        for exempt in NOT_SERVED:
            assert exempt not in text, f"{name} pulls in {exempt}"


def test_the_scan_finds_what_it_looks_for() -> None:
    """The patterns catch each kind of inline code, and leave ordinary markup alone."""
    caught = [
        '<p style="color:red">',
        "<style>p{}</style>",
        "<script>alert(1)</script>",
        '<script type="module">x()</script>',
        '<button onclick="go()">',
        '<select name="s" onchange="this.form.submit()">',
        '<a href="javascript:void(0)">',
        '<div hx-on:click="x()">',
        '<div hx-vars="a:1">',
        "<div hx-vals='js:{a: 1}'>",
    ]
    for markup in caught:
        assert any(p.search(markup) for p in RULES.values()), markup
    fine = [
        '<script src="/static/muster/muster.js" defer></script>',
        '<form method="post" action="/x/" class="inline">',
        '<meta name="htmx-config" content=\'{"allowEval": false}\'>',
        '<select name="status" data-autosubmit>',
        '<div hx-get="/x/" hx-trigger="every 3s" hx-swap="innerHTML">',
        '<a href="?show=upcoming" aria-current="page">',
    ]
    for markup in fine:
        assert not any(p.search(markup) for p in RULES.values()), markup
