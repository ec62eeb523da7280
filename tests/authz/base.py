"""What a route declaration says, the roles that request every route, and the world they act in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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

# Every role that requests every route. "officer" is the login of the officer every object in
# the world belongs to; the others are placed around that officer.
ROLES = (
    "anonymous",
    "officer",
    "other_officer",  # another officer in the same section
    "supervisor",  # supervises the officer's division (the officer's section is beneath it)
    "other_supervisor",  # supervises a sibling division
    "training",
    "director",
    "custodian",
    "counsel_hr",
    "admin",
    "foreign_training",  # training staff of an agency in another state
    "commission",  # commission staff of the officer's state
    "foreign_commission",  # commission staff of another state
    "superuser",
)

# The smallest file the upload checks accept as a PDF, for certificates and packets.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"

# The officer's name is unusual on purpose: a denied response must never contain it.
OFFICER_LAST_NAME = "Quillfeather"

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
# Agency-wide readers of the officer's agency (and the superuser, who reads everything).
AGENCY_WIDE = frozenset({"training", "director", "custodian", "counsel_hr", "admin", "superuser"})
# The Training Unit: who enters and corrects records, courses and sessions.
TRAINING_WRITERS = frozenset({"training", "director", "admin", "superuser"})
# Everyone who reads the officer's file: the officer, their supervisor, agency-wide roles and
# the commission of the officer's state.
READS_OFFICER = AGENCY_WIDE | {"officer", "supervisor", "commission"}
# Members of the officer's agency, of any role.
AGENCY_MEMBERS = frozenset(
    {"officer", "other_officer", "supervisor", "other_supervisor"} | AGENCY_WIDE
)


@dataclass(frozen=True)
class Route:
    """How to request one route, and which roles may use it."""

    allowed: frozenset[str]
    kwargs: Callable[[AuthzWorld], dict[str, Any]] = lambda w: {}
    methods: tuple[str, ...] = ("GET",)
    data: Callable[[AuthzWorld], dict[str, Any]] | None = None
    # A query string ("?code=..."), or a function of the world that makes one.
    query: str | Callable[[AuthzWorld], str] = ""
    # Where a denied, signed-in role is sent instead of a 403/404 (the admin site's own login).
    denied_redirect: str | None = None
    # Logging out ends, by design, on a login page.
    ends_at_login: bool = False
    # Run with each role's client before the request (for example to scan a sign-in code).
    prepare: Callable[[AuthzWorld, Any], None] | None = None
    # Roles outside READS_OFFICER that may still see the officer's name here, and why, in a
    # comment at the declaration (a verify page shows what the document it checks shows).
    may_show_officer: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = set(self.allowed) - set(ROLES)
        if unknown:
            raise ValueError(f"Unknown role keys: {sorted(unknown)}")


@dataclass
class AuthzWorld:
    """An agency around one officer, a login for every role, and the objects routes reach."""

    agency: Agency
    division: Unit
    section: Unit
    sibling: Unit
    officer: Officer
    other_officer: Officer
    foreign_agency: Agency
    users: dict[str, User | None]
    objects: dict[str, Any] = field(default_factory=dict)

    @property
    def officer_user(self) -> User:
        user = self.users["officer"]
        assert user is not None
        return user


def _member(role: str, agency: Agency | None, username: str, **kwargs: Any) -> User:
    user = UserFactory(username=username)
    MembershipFactory(user=user, role=role, agency=agency, **kwargs)
    return user


def build_world() -> AuthzWorld:
    """The agency, units, officers and one login per role."""
    agency = AgencyFactory(name="Osage Falls PD")
    division = UnitFactory(agency=agency, name="Patrol Division")
    section = UnitFactory(agency=agency, name="North Section", parent=division, kind="section")
    sibling = UnitFactory(agency=agency, name="Traffic Division")
    officer = OfficerFactory(
        agency=agency, unit=section, first_name="Dana", last_name=OFFICER_LAST_NAME
    )
    other = OfficerFactory(agency=agency, unit=section, first_name="Lee", last_name="Colleague")
    foreign = AgencyFactory(name="Elsewhere PD", state="KS", rule_pack="us-ks-cpost")

    officer_user = UserFactory(username="officer", officer=officer)
    MembershipFactory(user=officer_user, role=Role.OFFICER, agency=agency)
    other_user = UserFactory(username="other_officer", officer=other)
    MembershipFactory(user=other_user, role=Role.OFFICER, agency=agency)
    superuser = UserFactory(username="superuser", is_superuser=True, is_staff=True)
    commission = UserFactory(username="commission")
    Membership.objects.create(user=commission, role=Role.COMMISSION_STAFF, state="MO")
    foreign_commission = UserFactory(username="foreign_commission")
    Membership.objects.create(user=foreign_commission, role=Role.COMMISSION_STAFF, state="CO")
    users: dict[str, User | None] = {
        "anonymous": None,
        "officer": officer_user,
        "other_officer": other_user,
        "supervisor": _member(Role.SUPERVISOR, agency, "supervisor", unit=division),
        "other_supervisor": _member(Role.SUPERVISOR, agency, "other_supervisor", unit=sibling),
        "training": _member(Role.TRAINING_STAFF, agency, "training"),
        "director": _member(Role.TRAINING_DIRECTOR, agency, "director"),
        "custodian": _member(Role.RECORDS_CUSTODIAN, agency, "custodian"),
        "counsel_hr": _member(Role.COUNSEL_HR, agency, "counsel_hr"),
        "admin": _member(Role.AGENCY_ADMIN, agency, "admin"),
        "foreign_training": _member(Role.TRAINING_STAFF, foreign, "foreign_training"),
        "commission": commission,
        "foreign_commission": foreign_commission,
        "superuser": superuser,
    }
    assert set(users) == set(ROLES)
    return AuthzWorld(
        agency=agency,
        division=division,
        section=section,
        sibling=sibling,
        officer=officer,
        other_officer=other,
        foreign_agency=foreign,
        users=users,
    )
