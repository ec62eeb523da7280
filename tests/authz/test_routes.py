"""Every route of the URL configuration, requested by every role, against its declaration.

The routes come from the URL resolver itself, so a route added without a declaration in one of
this package's modules fails `test_every_route_is_declared`; there is no exception list. Each
declared route is then requested by every role in `base.ROLES`, the anonymous visitor
included, against objects that belong to one officer (`base.OFFICER_LAST_NAME`):

- a role the declaration allows gets a status under 400 and is not sent to the login page;
- any other role gets 403 or 404 (the anonymous visitor may instead be sent to log in);
- no denied response, and no allowed response to a role that may not read the officer's file,
  contains the officer's name.

Each request runs in a savepoint that is rolled back, so one role's POST never changes what the
next role sees.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from types import ModuleType
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.authz
from tests.authz.base import OFFICER_LAST_NAME, READS_OFFICER, ROLES, Route, build_world

_NOT_DECLARATIONS = {"base", "test_routes"}


def _modules() -> list[ModuleType]:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(tests.authz.__path__)
        if info.name not in _NOT_DECLARATIONS
    )
    return [importlib.import_module(f"tests.authz.{name}") for name in names]


def _declarations() -> dict[str, tuple[ModuleType, Route]]:
    declared: dict[str, tuple[ModuleType, Route]] = {}
    for module in _modules():
        for name, route in module.ROUTES.items():
            if name in declared:
                raise AssertionError(
                    f"{name} is declared twice: in {declared[name][0].__name__} "
                    f"and {module.__name__}"
                )
            declared[name] = (module, route)
    return declared


def _walk(patterns: list[Any], namespace: str | None = None, prefix: str = "") -> list[str]:
    """Every route's key: its URL name, or for a route without a name, "/" and its pattern."""
    names: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            ns = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            names += _walk(pattern.url_patterns, ns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            if not pattern.name:
                names.append("/" + prefix + str(pattern.pattern))
            else:
                names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def _url(key: str, kwargs: dict[str, Any]) -> str:
    """The address of a route: reversed by name, or filled in from an unnamed route's pattern."""
    if not key.startswith("/"):
        return reverse(key, kwargs=kwargs)
    if "(?P<" in key:  # a regular expression route
        return re.sub(r"\(\?P<(\w+)>[^)]*\)\$?", lambda m: str(kwargs[m.group(1)]), key)
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), key)


def _route_names() -> list[str]:
    return _walk(get_resolver().url_patterns)


DECLARED = _declarations()


def test_every_route_is_declared() -> None:
    names = _route_names()
    assert len(names) == len(set(names)), "two routes share a name"
    undeclared = sorted(set(names) - set(DECLARED))
    stale = sorted(set(DECLARED) - set(names))
    assert not undeclared, f"routes without an authorization declaration: {undeclared}"
    assert not stale, f"declarations of routes that no longer exist: {stale}"


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="replace")


def _request(client: Client, method: str, url: str, data: dict[str, Any] | None) -> Any:
    # The savepoint is rolled back, so a POST by one role leaves nothing for the next.
    with transaction.atomic():
        response = client.get(url, data or {}) if method == "GET" else client.post(url, data or {})
        transaction.set_rollback(True)
    return response


def _problem(role: str, route: Route, response: Any) -> str | None:
    status = response.status_code
    location = response.get("Location", "")
    body = _body(response)
    if status >= 500:
        return f"server error {status}"
    if role in route.allowed:
        if status >= 400:
            return f"allowed but got {status}"
        if (
            status in (301, 302)
            and location.startswith(("/login/", "/admin/login/"))
            and not route.ends_at_login
        ):
            return f"allowed but sent to log in ({location})"
        may_read = READS_OFFICER | route.may_show_officer
        if role not in may_read and OFFICER_LAST_NAME in body:
            return "allowed, and the page shows the officer, whose file this role may not read"
        return None
    if OFFICER_LAST_NAME in body:
        return f"denied with {status}, but the response names the officer"
    if status in (403, 404):
        return None
    # The REST API asks an anonymous caller for a token (401 with a Bearer challenge).
    if status == 401 and role == "anonymous" and response.get("WWW-Authenticate"):
        return None
    if status in (301, 302):
        if role == "anonymous" and location.startswith(("/login/", "/admin/login/")):
            return None
        if route.denied_redirect and location.startswith(route.denied_redirect):
            return None
    return f"denied but got {status} {location}".rstrip()


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_route_answers_each_role_as_declared(db: None, name: str) -> None:
    module, route = DECLARED[name]
    world = build_world()
    if hasattr(module, "setup"):
        module.setup(world)
    query = route.query(world) if callable(route.query) else route.query
    url = _url(name, route.kwargs(world)) + query
    problems: list[str] = []
    for role in ROLES:
        client = Client()
        user = world.users[role]
        if user is not None:
            client.force_login(user)
        if route.prepare:
            route.prepare(world, client)
        for method in route.methods:
            # Made afresh for each request: an uploaded file is read once.
            data = route.data(world) if route.data else None
            response = _request(client, method, url, data)
            problem = _problem(role, route, response)
            if problem:
                problems.append(f"{method} {url} as {role}: {problem}")
    assert not problems, "\n".join(problems)


def test_a_superuser_reads_every_enrolment_and_sign_in(db: None) -> None:
    """Scopes OR-ed with "sessions I teach" must not shrink "everything" to that."""
    from muster.training.models import Enrolment, SignIn
    from tests.authz import training

    world = build_world()
    training.setup(world)
    superuser = world.users["superuser"]
    assert Enrolment.objects.visible_to(superuser).count() == Enrolment.objects.count() > 0
    assert SignIn.objects.visible_to(superuser).count() == SignIn.objects.count() > 0
