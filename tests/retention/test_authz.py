"""The retention routes' authorization declarations (tests/authz/retention.py), exercised
as every role against the spec of the generated route test.

When tests/authz/base.py (the shared harness) is present, tests/authz/test_routes.py runs
these declarations itself and this module steps aside.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from muster.accounts.models import Membership, Role
from tests.conftest import member
from tests.factories import UserFactory

HARNESS = importlib.util.find_spec("tests.authz.base") is not None


@dataclass
class _World:
    """The part of the harness's AuthzWorld the retention declarations use."""

    agency: Any
    officer: Any
    objects: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Route:
    kwargs: Callable[[Any], dict[str, Any]]
    allowed: frozenset[str]
    methods: tuple[str, ...] = ("GET",)
    data: Callable[[Any], dict[str, Any]] | None = None


@pytest.fixture
def declarations(monkeypatch):
    stub = types.ModuleType("tests.authz.base")
    stub.AuthzWorld = _World  # type: ignore[attr-defined]
    stub.Route = _Route  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tests.authz.base", stub)
    monkeypatch.delitem(sys.modules, "tests.authz.retention", raising=False)
    return importlib.import_module("tests.authz.retention")


def _users(world) -> dict[str, Any]:
    colleague = UserFactory(officer=world.colleague)
    Membership.objects.create(user=colleague, role=Role.OFFICER, agency=world.agency)
    commission = UserFactory()
    Membership.objects.create(user=commission, role=Role.COMMISSION_STAFF, state="MO")
    foreign_commission = UserFactory()
    Membership.objects.create(user=foreign_commission, role=Role.COMMISSION_STAFF, state="KS")
    return {
        "anonymous": None,
        "officer": world.officer_user,
        "other_officer": colleague,
        "supervisor": world.supervisor_user,
        "other_supervisor": member(Role.SUPERVISOR, world.agency, unit=world.traffic),
        "training": world.training_user,
        "director": member(Role.TRAINING_DIRECTOR, world.agency),
        "custodian": world.custodian_user,
        "counsel_hr": member(Role.COUNSEL_HR, world.agency),
        "admin": world.admin_user,
        "foreign_training": member(Role.TRAINING_STAFF, world.other_agency),
        "commission": commission,
        "foreign_commission": foreign_commission,
        "superuser": UserFactory(is_superuser=True),
    }


@pytest.mark.skipif(HARNESS, reason="tests/authz/test_routes.py runs the declarations")
def test_every_retention_route_is_declared_and_holds_for_every_role(client, world, declarations):
    from muster.retention import urls

    names = {f"retention:{p.name}" for p in urls.urlpatterns}
    assert set(declarations.ROUTES) == names
    w = _World(agency=world.agency, officer=world.officer)
    declarations.setup(w)
    users = _users(world)
    name = world.officer.full_name
    for route_name, route in declarations.ROUTES.items():
        url = reverse(route_name, kwargs=route.kwargs(w))
        for method in route.methods:
            for role, user in users.items():
                client.logout()
                if user is not None:
                    client.force_login(user)
                with transaction.atomic():
                    if method == "GET":
                        response = client.get(url)
                    else:
                        response = client.post(url, route.data(w) if route.data else {})
                    transaction.set_rollback(True)
                where = f"{method} {route_name} as {role}: {response.status_code}"
                assert response.status_code < 500, where
                if role in route.allowed:
                    assert response.status_code < 400, where
                    continue
                if role == "anonymous":
                    assert response.status_code in (302, 403, 404), where
                    if response.status_code == 302:
                        assert response["Location"].startswith(reverse("login")), where
                else:
                    assert response.status_code in (403, 404), where
                assert name not in response.content.decode(errors="replace"), where
