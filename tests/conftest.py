"""Shared fixtures: an agency with a unit tree, and a login for every role."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.test import Client, RequestFactory

from muster.accounts.models import Membership, Role, User
from muster.agencies.models import Agency, Unit
from muster.people.models import Officer
from tests.factories import (
    AgencyFactory,
    MembershipFactory,
    OfficerFactory,
    UnitFactory,
    UserFactory,
)


def pytest_report_header() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return f"database: {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}"


def pass_second_step(client: Client, user: User) -> None:
    """Mark the client's session as past the second step of signing in, with an authenticator
    the user is given if they have none: what a real sign-in of a staff login ends with."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _signing_in_includes_the_second_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """`client.force_login(user)` and `client.login(...)` stand for a completed sign-in. Staff
    logins must use two-factor sign-in (MUSTER_REQUIRE_2FA_FOR_STAFF), so for them that
    includes the second step, as if they had entered their authenticator's code.
    `second_factor=False` signs in with the password step only (tests of the second step).
    `client.login` also gets the request that the lockout backend needs."""
    from muster.accounts.two_factor import is_staff_login

    force_login = Client.force_login
    login = Client.login

    def force_login_verified(
        self: Client, user: User, backend: str | None = None, *, second_factor: bool = True
    ) -> None:
        force_login(self, user, backend)
        if second_factor and is_staff_login(user):
            pass_second_step(self, user)

    def login_verified(self: Client, *, second_factor: bool = True, **credentials: object) -> bool:
        credentials.setdefault("request", RequestFactory().post("/login/"))
        if not login(self, **credentials):
            return False
        user = User.objects.get(username=credentials["username"])
        if second_factor and is_staff_login(user):
            pass_second_step(self, user)
        return True

    monkeypatch.setattr(Client, "force_login", force_login_verified)
    monkeypatch.setattr(Client, "login", login_verified)


@dataclass
class World:
    """One agency, a small unit tree, officers in it, and one login per role."""

    agency: Agency
    patrol: Unit  # Patrol Division
    north: Unit  # North Section, under Patrol
    traffic: Unit  # Traffic Division, sibling of Patrol
    officer: Officer  # in North
    colleague: Officer  # in North
    traffic_officer: Officer
    officer_user: User
    supervisor_user: User  # supervises Patrol
    training_user: User
    custodian_user: User
    admin_user: User
    other_agency: Agency
    outsider: Officer  # in the other agency


def member(role: str, agency: Agency | None, **kwargs: object) -> User:
    """A new user holding one role."""
    user = UserFactory()
    MembershipFactory(user=user, role=role, agency=agency, **kwargs)
    return user


@pytest.fixture
def world(db: None) -> World:
    agency = AgencyFactory(name="Osage Falls PD")
    patrol = UnitFactory(agency=agency, name="Patrol Division")
    north = UnitFactory(agency=agency, name="North Section", parent=patrol, kind="section")
    traffic = UnitFactory(agency=agency, name="Traffic Division")
    officer = OfficerFactory(agency=agency, unit=north, first_name="Dana", last_name="Reyes")
    colleague = OfficerFactory(agency=agency, unit=north, last_name="Colleague")
    traffic_officer = OfficerFactory(agency=agency, unit=traffic, last_name="Traffic")
    officer_user = UserFactory(officer=officer, username="dana")
    MembershipFactory(user=officer_user, role=Role.OFFICER, agency=agency)
    other_agency = AgencyFactory(name="Elsewhere PD", state="KS", rule_pack="us-ks-cpost")
    return World(
        agency=agency,
        patrol=patrol,
        north=north,
        traffic=traffic,
        officer=officer,
        colleague=colleague,
        traffic_officer=traffic_officer,
        officer_user=officer_user,
        supervisor_user=member(Role.SUPERVISOR, agency, unit=patrol),
        training_user=member(Role.TRAINING_STAFF, agency),
        custodian_user=member(Role.RECORDS_CUSTODIAN, agency),
        admin_user=member(Role.AGENCY_ADMIN, agency),
        other_agency=other_agency,
        outsider=OfficerFactory(agency=other_agency, last_name="Outsider"),
    )


@pytest.fixture
def commission_user(db: None) -> User:
    user = UserFactory()
    Membership.objects.create(user=user, role=Role.COMMISSION_STAFF, state="MO")
    return user


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    """Every SQL statement run inside the block, requests included.

    The test client's request_started signal empties the connection's query log, so
    CaptureQueriesContext (and django_assert_num_queries) undercount around a request.
    """
    from django.db import connection

    statements: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield statements
