"""The Content-Security-Policy report endpoint: browsers post violation reports without a
login or a CSRF token, so everyone may post; it answers 204 and logs the report."""

from __future__ import annotations

from typing import Any

from tests.authz.base import EVERYONE, AuthzWorld, Route


def setup(w: AuthzWorld) -> None:
    """The endpoint reads no object."""


def _report(w: AuthzWorld) -> dict[str, Any]:
    return {"csp-report": "style-src-attr"}  # not JSON: accepted and ignored


ROUTES = {
    "csp-report": Route(allowed=EVERYONE, methods=("POST",), data=_report),
}
