"""The OpenAPI schema: valid and warning-free, and every operation, fuzzed by schemathesis as
training staff in a populated world, answers without a server error and as documented."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from muster.api.services import create_api_token
from tests.api.conftest import ApiWorld


def test_the_schema_validates_without_warnings(tmp_path: Any) -> None:
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/v1/officers/", "/api/v1/training-records/{id}/void/", "compliance"):
        assert path in text


def test_the_schema_and_docs_are_served_without_inline_code(db: None) -> None:
    client = Client()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    csp = docs["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    # Every script and style is a file of Muster's own; none is inline or from elsewhere.
    assert "<style" not in html
    assert "<script>" not in html
    assert "https://" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
    assert client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")


@pytest.fixture
def api_schema(db: None) -> Iterator[Any]:
    """The served schema, loaded by schemathesis from the Django WSGI application.

    Requests start and finish inside the test's transaction, so, as Django's own test client
    does, the handler must not close the connection between them.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation of the schema, as drf-spectacular generates it."""
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted((method.upper(), path) for path, ops in paths.items() for method in ops)


@pytest.fixture
def fuzz_token(api_world: ApiWorld) -> str:
    """A token of the agency's training staff, in a world with training on file."""
    cache.clear()
    _, plain = create_api_token(acting_user=api_world.w.training_user, name="fuzz")
    return plain


@pytest.mark.parametrize(("method", "path"), _operations())
def test_every_operation_answers_as_documented(
    api_schema: Any, fuzz_token: str, method: str, path: str
) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def answers_as_documented(case: Any) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {fuzz_token}"},
            checks=[not_a_server_error, response_schema_conformance],
        )

    answers_as_documented()
