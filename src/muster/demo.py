"""The demo: three agencies (Missouri, Kansas, Colorado), about 150 officers, a catalog,
sessions, eighteen months of training and qualifications, and one login per role.

Everything is made through the same service functions people use, acting as the system,
so the demo's audit log is complete. Loading is deterministic for a given date and does
nothing when the demo is already there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from muster.accounts.models import Role, User
from muster.accounts.security import enable_two_factor
from muster.accounts.services import create_user, grant_membership, make_site_administrator
from muster.agencies.models import Agency, Unit
from muster.agencies.services import create_agency, create_unit
from muster.certification.demo import load_demo as load_certification_demo
from muster.compliance.services import deferred_refresh
from muster.core.services import SYSTEM
from muster.outside.demo import load_demo as load_outside_demo
from muster.people.models import Employment, LeaveKind, Officer, OfficerStatus
from muster.people.services import add_leave_period, create_officer
from muster.release.demo import load_demo as load_release_demo
from muster.retention.demo import load_demo as load_retention_demo
from muster.rollcall.demo import load_demo as load_rollcall_demo
from muster.training.attendance import notify_absence, request_new_date
from muster.training.demo_catalog import load_demo as load_catalog_demo
from muster.training.models import (
    Course,
    Participation,
    RecordSource,
    Session,
    SessionStatus,
    WeaponType,
)
from muster.training.services import (
    create_course,
    enrol_officer,
    record_qualification,
    record_training,
    schedule_session,
)
from muster.training.vocabulary import Delivery

DEMO_PASSWORD = "muster-demo"  # noqa: S105 - printed on purpose: it is the demo's password.
# Staff logins must use two-factor sign-in, and nobody trying the demo can scan a QR code for a
# made-up person, so each demo staff login has an authenticator whose secret is derived from
# its username; the second step of signing in shows that authenticator's current code (only
# for these logins, only while the demo is loaded). See docs/signing-in.md.
DEMO_AUTHENTICATOR = "Demo authenticator"


def demo_authenticator_key(username: str) -> str:
    """The hex secret of a demo login's authenticator (public on purpose, like the password)."""
    return hashlib.sha256(f"muster-demo-authenticator:{username}".encode()).hexdigest()[:40]


def demo_code_for(user: User) -> str | None:
    """The code a demo staff login's authenticator shows now, or None for any other login.

    It is the code of the earliest time step not used yet, so signing in twice within one
    30-second step still works.
    """
    if user.get_username() not in {login.username for login in DEMO_LOGINS}:
        return None
    if not demo_is_loaded():
        return None
    key = demo_authenticator_key(user.get_username())
    device = TOTPDevice.objects.filter(
        user=user, confirmed=True, name=DEMO_AUTHENTICATOR, key=key
    ).first()
    if device is None:
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = time.time()
    totp.time = now
    current = totp.t()
    ahead = min(max(0, device.last_t + 1 - current), device.tolerance)
    totp.time = now + ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@dataclass(frozen=True)
class DemoLogin:
    """A demo login as printed by `muster demo` and listed on the login page."""

    username: str
    role: str
    where: str

    @property
    def role_label(self) -> str:
        """The role's human name."""
        return "Site administrator" if self.role == "superuser" else Role(self.role).label


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("officer", Role.OFFICER, "Osage Falls Police Department (MO)"),
    DemoLogin("sergeant", Role.SUPERVISOR, "Osage Falls PD, Patrol Division"),
    DemoLogin("training", Role.TRAINING_STAFF, "Osage Falls Police Department (MO)"),
    DemoLogin("custodian", Role.RECORDS_CUSTODIAN, "Osage Falls Police Department (MO)"),
    DemoLogin("counsel", Role.COUNSEL_HR, "Osage Falls PD, Office of the General Counsel"),
    DemoLogin("hr", Role.COUNSEL_HR, "Osage Falls PD, Human Resources Division"),
    DemoLogin("director", Role.TRAINING_DIRECTOR, "Osage Falls PD, Training Center"),
    DemoLogin("chief", Role.AGENCY_ADMIN, "Osage Falls Police Department (MO)"),
    DemoLogin("training-ks", Role.TRAINING_STAFF, "Flint Hills County Sheriff's Office (KS)"),
    DemoLogin("officer-ks", Role.OFFICER, "Flint Hills County Sheriff's Office (KS)"),
    DemoLogin("training-co", Role.TRAINING_STAFF, "Pinecrest Police Department (CO)"),
    DemoLogin("officer-co", Role.OFFICER, "Pinecrest Police Department (CO)"),
    DemoLogin("mo-post", Role.COMMISSION_STAFF, "Missouri POST (every MO agency)"),
    DemoLogin("admin", "superuser", "The whole site"),
)

FIRST_NAMES = (
    "Dana",
    "Marcus",
    "Aisha",
    "Luis",
    "Megan",
    "Tyrone",
    "Priya",
    "Caleb",
    "Rosa",
    "Ethan",
    "Keisha",
    "Owen",
    "Mei",
    "Darnell",
    "Hannah",
    "Jorge",
    "Lauren",
    "Samuel",
    "Fatima",
    "Cody",
    "Brianna",
    "Victor",
    "Naomi",
    "Grant",
    "Ivy",
    "Andre",
    "Colleen",
    "Mateo",
    "Tessa",
    "Isaac",
    "Renee",
    "Hector",
    "Joy",
    "Wesley",
    "Alana",
    "Trent",
    "Lucia",
    "Damon",
    "Erin",
    "Felix",
)
LAST_NAMES = (
    "Reyes",
    "Whitaker",
    "Okafor",
    "Brennan",
    "Nguyen",
    "Castillo",
    "Hollis",
    "Patel",
    "Schroeder",
    "Jefferson",
    "Lindqvist",
    "Moreno",
    "Kowalski",
    "Bright",
    "Tanaka",
    "Delgado",
    "Harlan",
    "Osei",
    "McAllister",
    "Romero",
    "Fischer",
    "Baptiste",
    "Greer",
    "Yazzie",
    "Sullivan",
    "Park",
    "Ibarra",
    "Thornton",
    "Novak",
    "Ellison",
    "Quintero",
    "Ashby",
    "Mbeki",
    "Carver",
    "Duval",
    "Holt",
)

# (title, minutes, delivery, MO category, topics, provider, approved provider, POST-certified)
CATALOG: tuple[tuple[str, int, str, str, tuple[str, ...], str, bool, bool], ...] = (
    (
        "Legal Update: Search and Seizure",
        200,
        Delivery.IN_PERSON,
        "legal_studies",
        ("legal_update",),
        "Training Unit",
        True,
        True,
    ),
    (
        "Racial Profiling and Fair Policing",
        60,
        Delivery.IN_PERSON,
        "interpersonal_perspectives",
        ("racial_profiling", "bias_based_policing", "anti_bias"),
        "Training Unit",
        True,
        True,
    ),
    (
        "Implicit Bias Awareness",
        60,
        Delivery.ONLINE,
        "interpersonal_perspectives",
        ("implicit_bias", "anti_bias"),
        "Regional Academy Online",
        True,
        True,
    ),
    (
        "De-escalation Scenarios",
        100,
        Delivery.IN_PERSON,
        "skill_development",
        ("de_escalation", "communications"),
        "Training Unit",
        True,
        True,
    ),
    (
        "Firearms: Low-Light Shooting",
        240,
        Delivery.IN_PERSON,
        "skill_development",
        ("firearms",),
        "Range Staff",
        True,
        True,
    ),
    (
        "Defensive Tactics and Arrest Control",
        240,
        Delivery.IN_PERSON,
        "skill_development",
        ("arrest_control", "use_of_force", "restraint_holds"),
        "Training Unit",
        True,
        True,
    ),
    (
        "Emergency Vehicle Operations",
        240,
        Delivery.IN_PERSON,
        "skill_development",
        ("driving",),
        "Driving Track Staff",
        True,
        True,
    ),
    (
        "Crash Investigation Refresher",
        150,
        Delivery.IN_PERSON,
        "technical_studies",
        ("traffic",),
        "Highway Safety Institute",
        False,
        True,
    ),
    (
        "Agency Policy Update",
        100,
        Delivery.LIVE_VIRTUAL,
        "technical_studies",
        ("policy_update",),
        "Training Unit",
        True,
        True,
    ),
    (
        "Crisis Intervention and Mental Health",
        200,
        Delivery.IN_PERSON,
        "interpersonal_perspectives",
        ("mental_health", "disabilities", "de_escalation"),
        "Regional Academy",
        True,
        True,
    ),
    (
        "Tactical First Aid",
        150,
        Delivery.IN_PERSON,
        "skill_development",
        ("first_aid",),
        "County EMS",
        False,
        True,
    ),
    (
        "Officer Wellness and Stress",
        60,
        Delivery.RECORDED_MEDIA,
        "interpersonal_perspectives",
        ("officer_wellness",),
        "Regional Academy Online",
        False,
        False,
    ),
    (
        "Courtroom Testimony",
        100,
        Delivery.ONLINE,
        "legal_studies",
        ("court_testimony", "civil_liability"),
        "Prosecutor's Office",
        False,
        True,
    ),
    (
        "Ethics in Policing",
        100,
        Delivery.ONLINE,
        "interpersonal_perspectives",
        ("ethics",),
        "Regional Academy Online",
        True,
        True,
    ),
    (
        "Community Policing Today",
        120,
        Delivery.LIVE_VIRTUAL,
        "interpersonal_perspectives",
        ("community_policing",),
        "Regional Academy",
        True,
        True,
    ),
    (
        "Annual In-Service Training Week",
        1200,
        Delivery.IN_PERSON,
        "technical_studies",
        ("policy_update", "use_of_force", "first_aid"),
        "Training Unit",
        True,
        True,
    ),
)

# The courses an on-track officer takes each period: together they meet every requirement
# of the agency's rule pack with a little to spare.
ANNUAL_BUNDLES: dict[str, tuple[str, ...]] = {
    "us-mo-clee": (
        "Legal Update: Search and Seizure",
        "Racial Profiling and Fair Policing",
        "Implicit Bias Awareness",
        "De-escalation Scenarios",
        "Firearms: Low-Light Shooting",
        "Agency Policy Update",
        "Crisis Intervention and Mental Health",
        "Defensive Tactics and Arrest Control",
        "Crash Investigation Refresher",
    ),
    "us-ks-cpost": (
        "Annual In-Service Training Week",
        "Firearms: Low-Light Shooting",
        "Defensive Tactics and Arrest Control",
        "Emergency Vehicle Operations",
        "Crisis Intervention and Mental Health",
        "Legal Update: Search and Seizure",
        "Racial Profiling and Fair Policing",
        "Ethics in Policing",
    ),
    "us-co-rule28": (
        "Firearms: Low-Light Shooting",
        "Defensive Tactics and Arrest Control",
        "Emergency Vehicle Operations",
        "Legal Update: Search and Seizure",
        "Crisis Intervention and Mental Health",
        "Racial Profiling and Fair Policing",
        "Agency Policy Update",
        "Ethics in Policing",
    ),
}

AGENCIES: tuple[dict[str, Any], ...] = (
    {
        "name": "Osage Falls Police Department",
        "state": "MO",
        "ori": "MO0480100",
        "time_zone": "America/Chicago",
        "rule_pack": "us-mo-clee",
        "course_id_prefix": "OFPD",
        "officers": 70,
        "units": (
            (
                "Field Services Bureau",
                "bureau",
                (
                    (
                        "Patrol Division",
                        "division",
                        (
                            (
                                "North Patrol Section",
                                "section",
                                (("A Shift", "element", ()), ("B Shift", "element", ())),
                            ),
                            ("South Patrol Section", "section", (("C Shift", "element", ()),)),
                        ),
                    ),
                    ("Traffic Division", "division", ()),
                ),
            ),
            (
                "Investigations Bureau",
                "bureau",
                (("Criminal Investigations Division", "division", ()),),
            ),
            (
                "Administration Bureau",
                "bureau",
                (
                    ("Training Unit", "section", ()),
                    ("Records Unit", "section", ()),
                ),
            ),
        ),
    },
    {
        "name": "Flint Hills County Sheriff's Office",
        "state": "KS",
        "ori": "KS0310000",
        "time_zone": "America/Chicago",
        "rule_pack": "us-ks-cpost",
        "course_id_prefix": "FHSO",
        "officers": 45,
        "units": (
            (
                "Enforcement Division",
                "division",
                (
                    ("Road Patrol", "section", ()),
                    ("Detectives", "section", ()),
                ),
            ),
            ("Support Division", "division", (("Training", "section", ()),)),
        ),
    },
    {
        "name": "Pinecrest Police Department",
        "state": "CO",
        "ori": "CO0210300",
        "time_zone": "America/Denver",
        "rule_pack": "us-co-rule28",
        "course_id_prefix": "PCPD",
        "officers": 35,
        "units": (
            (
                "Operations Division",
                "division",
                (
                    ("Patrol", "section", ()),
                    ("Investigations", "section", ()),
                ),
            ),
            ("Administration", "division", ()),
        ),
    },
)

RANKS = ("Officer", "Officer", "Officer", "Officer", "Corporal", "Sergeant", "Detective")


def demo_is_loaded() -> bool:
    """Whether the demo agencies are in the database."""
    return Agency.objects.filter(is_demo=True).exists()


class _Builder:
    """Builds the demo; one instance per load, all randomness from one seeded generator."""

    def __init__(self, today: dt.date, out: IO[str] | None) -> None:
        self.today = today
        self.rng = random.Random(20261122)
        self.out = out
        self.record_count = 0

    def say(self, text: str) -> None:
        if self.out is not None:
            print(text, file=self.out, flush=True)

    def units(self, agency: Agency, spec: Any, parent: Unit | None) -> list[Unit]:
        made: list[Unit] = []
        for name, kind, children in spec:
            unit = create_unit(
                acting_user=SYSTEM, agency=agency, name=name, kind=kind, parent=parent
            )
            made.append(unit)
            made.extend(self.units(agency, children, unit))
        return made

    def officers(self, agency: Agency, count: int, units: list[Unit]) -> list[Officer]:
        rng = self.rng
        leaves = [u for u in units if not u.children.exists()] or units
        made = []
        for n in range(count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            years = rng.choice((0, 1, 2, 3, 5, 8, 12, 15, 20))
            hired = self.today - dt.timedelta(days=365 * years + rng.randint(20, 300))
            employment = rng.choices(
                (Employment.FULL_TIME, Employment.PART_TIME, Employment.RESERVE), (85, 8, 7)
            )[0]
            officer = create_officer(
                acting_user=SYSTEM,
                agency=agency,
                unit=rng.choice(leaves),
                first_name=first,
                last_name=last,
                serial_number=f"{1000 + n * 7 + rng.randint(0, 6)}",
                rank=rng.choice(RANKS),
                employment=employment,
                licence_number=f"{agency.state}{rng.randint(100000, 999999)}",
                licence_class="Class A" if agency.state == "MO" else "",
                first_licensed_on=hired - dt.timedelta(days=rng.randint(0, 60)),
                hired_on=hired,
            )
            made.append(officer)
        return made

    def catalog(self, agency: Agency) -> list[Course]:
        courses = []
        for title, minutes, delivery, category, topics, provider, approved, certified in CATALOG:
            number = f"{agency.state}-{self.rng.randint(10000, 99999)}" if certified else ""
            courses.append(
                create_course(
                    acting_user=SYSTEM,
                    agency=agency,
                    title=title,
                    synopsis=f"{title}: the annual in-service course for sworn members.",
                    credit_minutes=minutes,
                    delivery=delivery,
                    category=category if agency.rule_pack == "us-mo-clee" else "",
                    topics=topics,
                    provider=provider,
                    approved_provider=approved,
                    post_certified=certified,
                    post_certification_number=number,
                )
            )
        return courses

    def session_on(self, course: Course, day: dt.date, hour: int) -> Session:
        zone = course.agency.zone
        starts = dt.datetime.combine(day, dt.time(hour, 0), tzinfo=zone)
        return schedule_session(
            acting_user=SYSTEM,
            course=course,
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=course.credit_minutes + 10),
            location=self.rng.choice(("Training Center Room A", "Range", "Headquarters Room 2")),
            capacity=30,
        )

    def history(self, agency: Agency, officers: list[Officer], courses: list[Course]) -> None:
        """Eighteen months of attended courses: most officers on track, some behind.

        An on-track officer takes the pack's annual bundle in each past period, and in the
        current period the part of it that the time elapsed makes likely; one officer in
        seven is behind and takes only a few courses.
        """
        rng = self.rng
        window_start = self.today - dt.timedelta(days=548)
        by_title = {c.title: c for c in courses}
        bundle = [by_title[t] for t in ANNUAL_BUNDLES[agency.rule_pack]]
        electives = [c for c in courses if c not in bundle]
        sessions: dict[tuple[int, dt.date], Session] = {}
        periods = []
        day = window_start
        while day <= self.today:
            start, end = agency.training_year(day)
            periods.append((start, end))
            day = end + dt.timedelta(days=1)
        for officer in officers:
            behind = rng.random() < 0.15
            for start, end in periods:
                first = max(start, window_start, officer.hired_on or start)
                # Up to yesterday, so no "completed" session lies later today.
                last = min(end, self.today - dt.timedelta(days=1))
                if first > last:
                    continue
                elapsed = (last - start).days / max(1, (end - start).days)
                taken = [
                    c
                    for c in bundle
                    if rng.random() < (0.35 if behind else min(1.0, elapsed * 1.15))
                ]
                taken += rng.sample(electives, k=rng.randint(0, 2))
                for course in taken:
                    day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
                    key = (course.pk, day)
                    if key not in sessions:
                        sessions[key] = self.session_on(course, day, rng.choice((8, 9, 13)))
                    late = rng.random() < 0.04
                    record_training(
                        acting_user=SYSTEM,
                        officer=officer,
                        completed_on=day,
                        course=course,
                        session=sessions[key],
                        minutes=course.credit_minutes - (20 if late else 0),
                        source=RecordSource.SIGN_IN,
                    )
                    self.record_count += 1
            if rng.random() < 0.08:
                first_day = max(window_start, officer.hired_on or window_start)
                span = (self.today - first_day).days
                if span > 0:
                    self.outside_training(officer, first_day, span)

    def outside_training(self, officer: Officer, first_day: dt.date, span: int) -> None:
        rng = self.rng
        day = first_day + dt.timedelta(days=rng.randint(0, span - 1))
        if rng.random() < 0.5:
            record_training(
                acting_user=SYSTEM,
                officer=officer,
                completed_on=day,
                kind="college",
                title="CJ 310 Criminal Procedure (State University)",
                semester_hours=Decimal("3"),
                delivery=Delivery.IN_PERSON,
                category="legal_studies" if officer.agency.rule_pack == "us-mo-clee" else "",
                provider="State University",
                source=RecordSource.CERTIFICATE,
            )
        else:
            record_training(
                acting_user=SYSTEM,
                officer=officer,
                completed_on=day,
                title="Interview and Interrogation Seminar",
                credit_hours=Decimal("16"),
                delivery=Delivery.IN_PERSON,
                category="technical_studies" if officer.agency.rule_pack == "us-mo-clee" else "",
                topics=["investigations"],
                provider="Midwest Investigators Association",
                post_certified=True,
                location="Kansas City",
                instructor_name="J. Alvarez",
                source=RecordSource.CERTIFICATE,
            )
        self.record_count += 1

    def instructors(self, officers: list[Officer], courses: list[Course]) -> None:
        """A few officers taught courses and earned instructor credit."""
        for officer in self.rng.sample(officers, k=3):
            course = self.rng.choice(courses)
            day = self.today - dt.timedelta(days=self.rng.randint(10, 300))
            if officer.hired_on and day < officer.hired_on:
                continue
            record_training(
                acting_user=SYSTEM,
                officer=officer,
                completed_on=day,
                course=course,
                participation=Participation.INSTRUCTOR,
                minutes=course.credit_minutes,
                source=RecordSource.MANUAL,
            )
            self.record_count += 1

    def qualifications(self, officers: list[Officer], range_master: Officer) -> None:
        rng = self.rng
        for officer in officers:
            for years_back in (1, 0):
                day = self.today - dt.timedelta(days=365 * years_back + rng.randint(5, 200))
                if officer.hired_on and day < officer.hired_on:
                    continue
                if years_back == 0 and rng.random() < 0.1:
                    continue  # has not qualified yet this year
                score = Decimal(
                    rng.choice((68, 74, 82, 88, 92, 96, 100))
                    if rng.random() < 0.9
                    else rng.choice((55, 62, 66))
                )
                record_qualification(
                    acting_user=SYSTEM,
                    officer=officer,
                    qualified_on=day,
                    weapon_type=WeaponType.HANDGUN,
                    weapon="Glock 17 Gen5",
                    course_of_fire="State qualification course (day)",
                    score=score,
                    max_score=Decimal(100),
                    passing_score=Decimal(70),
                    instructor=range_master,
                )

    def leave(self, officers: list[Officer]) -> None:
        for officer in self.rng.sample(officers, k=max(1, len(officers) // 20)):
            kind = self.rng.choice((LeaveKind.MILITARY, LeaveKind.MEDICAL))
            add_leave_period(
                acting_user=SYSTEM,
                officer=officer,
                kind=kind,
                starts_on=self.today - dt.timedelta(days=self.rng.randint(30, 200)),
                note="Deployment" if kind == LeaveKind.MILITARY else "Injury recovery",
            )

    def upcoming(self, officers: list[Officer], courses: list[Course]) -> list[Session]:
        made = []
        for i, course in enumerate(self.rng.sample(courses, k=6)):
            day = self.today + dt.timedelta(days=7 + i * 9)
            session = self.session_on(course, day, 9)
            for officer in self.rng.sample(officers, k=min(len(officers), 12)):
                if officer.status == OfficerStatus.ACTIVE:
                    enrol_officer(acting_user=SYSTEM, session=session, officer=officer)
            made.append(session)
        return made

    def login(
        self,
        username: str,
        first: str,
        last: str,
        agency: Agency | None,
        role: str,
        *,
        officer: Officer | None = None,
        unit: Unit | None = None,
        state: str = "",
    ) -> User:
        user = create_user(
            acting_user=SYSTEM,
            agency=agency,
            username=username,
            password=DEMO_PASSWORD,
            email=f"{username}@demo.muster.invalid",
            first_name=first,
            last_name=last,
            officer=officer,
            validate=False,
        )
        if officer is not None and role != Role.OFFICER:
            grant_membership(acting_user=SYSTEM, user=user, role=Role.OFFICER, agency=agency)
        grant_membership(
            acting_user=SYSTEM, user=user, role=role, agency=agency, unit=unit, state=state
        )
        if role != Role.OFFICER:
            self.demo_authenticator(user)
        return user

    def demo_authenticator(self, user: User) -> None:
        enable_two_factor(
            acting_user=SYSTEM,
            user=user,
            key=demo_authenticator_key(user.get_username()),
            name=DEMO_AUTHENTICATOR,
        )

    def build(self) -> None:
        built: list[tuple[Agency, list[Unit], list[Officer], list[Course]]] = []
        for spec in AGENCIES:
            fields = {k: v for k, v in spec.items() if k not in ("officers", "units")}
            agency = create_agency(acting_user=SYSTEM, is_demo=True, **fields)
            units = self.units(agency, spec["units"], None)
            officers = self.officers(agency, spec["officers"], units)
            courses = self.catalog(agency)
            self.say(f"  {agency.name}: {len(units)} units, {len(officers)} officers")
            built.append((agency, units, officers, courses))

        for agency, _units, officers, courses in built:
            self.history(agency, officers, courses)
            self.instructors(officers, courses)
            self.qualifications(officers, range_master=officers[0])
            self.leave(officers)
            self.upcoming(officers, courses)

        (
            (mo, mo_units, mo_officers, _),
            (ks, _, ks_officers, _),
            (co, _, co_officers, _),
        ) = built
        patrol = next(u for u in mo_units if u.name == "Patrol Division")
        # The demo officer is an active patrol officer with training this period, enrolled
        # in an upcoming session, so every panel of their home page has something to show.
        me = next(
            o
            for o in mo_officers
            if o.status == OfficerStatus.ACTIVE
            and o.unit
            and o.unit.path.startswith(patrol.path)
            and o.hired_on
            and o.hired_on < self.today - dt.timedelta(days=400)
            and o.training_records.filter(completed_on__gte=mo.training_year(self.today)[0])
            .values("pk")
            .count()
            >= 3
        )
        sergeant = next(
            o
            for o in mo_officers
            if o.pk != me.pk and o.unit and o.unit.path.startswith(patrol.path)
        )
        upcoming = (
            Session.objects.filter(
                course__agency=mo, starts_at__date__gt=self.today, status=SessionStatus.SCHEDULED
            )
            .order_by("starts_at")
            .first()
        )
        if upcoming and not upcoming.enrolments.filter(officer=me).exists():
            enrol_officer(acting_user=SYSTEM, session=upcoming, officer=me)

        officer_user = self.login(
            "officer", me.first_name, me.last_name, mo, Role.OFFICER, officer=me
        )
        sergeant_user = self.login(
            "sergeant",
            sergeant.first_name,
            sergeant.last_name,
            mo,
            Role.SUPERVISOR,
            officer=sergeant,
            unit=patrol,
        )
        training_user = self.login("training", "Terry", "Lockhart", mo, Role.TRAINING_STAFF)
        custodian_user = self.login("custodian", "Rita", "Ambrose", mo, Role.RECORDS_CUSTODIAN)
        counsel_user = self.login("counsel", "Paul", "Ng", mo, Role.COUNSEL_HR)
        hr_user = self.login("hr", "Hannah", "Ortiz", mo, Role.COUNSEL_HR)
        director_user = self.login("director", "Dale", "Whitfield", mo, Role.TRAINING_DIRECTOR)
        chief_user = self.login("chief", "Evelyn", "Marsh", mo, Role.AGENCY_ADMIN)
        self.login("training-ks", "Kurt", "Ahlberg", ks, Role.TRAINING_STAFF)
        ks_me = next(o for o in ks_officers if o.status == OfficerStatus.ACTIVE)
        self.login("officer-ks", ks_me.first_name, ks_me.last_name, ks, Role.OFFICER, officer=ks_me)
        self.login("training-co", "Celia", "Vance", co, Role.TRAINING_STAFF)
        co_me = next(o for o in co_officers if o.status == OfficerStatus.ACTIVE)
        self.login("officer-co", co_me.first_name, co_me.last_name, co, Role.OFFICER, officer=co_me)
        self.login("mo-post", "Morgan", "Price", None, Role.COMMISSION_STAFF, state="MO")
        admin = create_user(
            acting_user=SYSTEM,
            agency=None,
            username="admin",
            password=DEMO_PASSWORD,
            email="admin@demo.muster.invalid",
            first_name="Site",
            last_name="Administrator",
            validate=False,
        )
        make_site_administrator(acting_user=SYSTEM, user=admin)
        self.demo_authenticator(admin)

        self.training_unit_work(
            mo,
            mo_officers,
            me=me,
            officer_user=officer_user,
            sergeant=sergeant,
            sergeant_user=sergeant_user,
            training_user=training_user,
        )
        load_catalog_demo(mo, counsel_user=counsel_user, hr_user=hr_user)
        load_rollcall_demo(mo, supervisor_user=sergeant_user, training_user=training_user)
        load_certification_demo(
            mo, liaison=sergeant, director_user=director_user, training_user=training_user
        )
        load_outside_demo(
            mo, officers=[o for o in mo_officers if o.pk != me.pk], training_user=training_user
        )
        load_release_demo(
            mo,
            released_officer=me,
            waiting_officer=next(o for o in mo_officers if o.pk not in (me.pk, sergeant.pk)),
            custodian_user=custodian_user,
            counsel_user=counsel_user,
        )
        load_retention_demo(
            [mo, ks, co], records_agency=mo, counsel_user=counsel_user, admin_user=chief_user
        )

    def training_unit_work(
        self,
        agency: Agency,
        officers: list[Officer],
        *,
        me: Officer,
        officer_user: User,
        sergeant: Officer,
        sergeant_user: User,
        training_user: User,
    ) -> None:
        """Today's session, open for sign-in and taught by the sergeant, and a notice of
        absence waiting for a new date, so each role has a workflow to try."""
        zone = agency.zone
        now = timezone.localtime(timezone.now(), zone)
        # A session under way now (on the demo's own day, when that is not today, at 08:00).
        hour = now.hour if now.date() == self.today else 8
        starts = dt.datetime.combine(self.today, dt.time(hour, 0), tzinfo=zone)
        course = next(
            c
            for c in Course.objects.filter(agency=agency, needs_legal_review=False)
            if c.credit_minutes >= 120
        )
        today = schedule_session(
            acting_user=training_user,
            course=course,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=4),
            location="Training Center Room A",
            capacity=20,
            instructors=[sergeant],
        )
        serving = [o for o in officers if o.status == OfficerStatus.ACTIVE and o != sergeant]
        for officer in [me, *self.rng.sample([o for o in serving if o != me], k=8)]:
            enrol_officer(acting_user=training_user, session=today, officer=officer)

        # The demo officer cannot attend their next session and has asked for a new date;
        # they stay enrolled in the one after it.
        ahead = list(
            Session.objects.filter(
                course__agency=agency,
                starts_at__date__gt=self.today,
                status=SessionStatus.SCHEDULED,
            ).order_by("starts_at")[:2]
        )
        for session in ahead:
            if not session.enrolments.filter(officer=me).exists():
                enrol_officer(acting_user=training_user, session=session, officer=me)
        if ahead:
            notice = notify_absence(
                acting_user=officer_user, session=ahead[0], reason="Subpoenaed to testify that day."
            )
            request_new_date(acting_user=officer_user, notice=notice, note="Any weekday works.")


def load_demo(today: dt.date | None = None, stdout: IO[str] | None = None) -> bool:
    """Load the demo unless it is already loaded; True when it was loaded now.

    All of it is one transaction: an interrupted load leaves nothing half-made.
    """
    if demo_is_loaded():
        return False
    today = today or timezone.localdate()
    builder = _Builder(today, stdout)
    builder.say("Loading the demo (three agencies, about 150 officers)...")
    with transaction.atomic(), deferred_refresh():
        builder.build()
    builder.say(f"  {builder.record_count} training records.")
    return True


def print_logins(out: IO[str]) -> None:
    """Print the demo logins, as the login page lists them."""
    print(f"\nDemo logins (password for all: {DEMO_PASSWORD}):", file=out)
    print(
        "  Every role but officer signs in with two factors: after the password, the page\n"
        "  shows the code the login's demo authenticator would show now.",
        file=out,
    )
    width = max(len(login.role_label) for login in DEMO_LOGINS)
    for login in DEMO_LOGINS:
        print(f"  {login.username:<12} {login.role_label:<{width}} {login.where}", file=out)
