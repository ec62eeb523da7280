"""Test factories. They build rows directly; the services themselves are tested on their own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from muster.accounts.models import Membership, Role, User
from muster.agencies.models import Agency, Unit
from muster.people.models import LeavePeriod, Officer
from muster.training.models import (
    Course,
    QualificationEvent,
    RecordSource,
    Session,
    Topic,
    TrainingRecord,
)
from muster.training.vocabulary import Delivery


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Test Police Department {n}")
    state = "MO"
    ori = factory.Sequence(lambda n: f"MO{n:07d}")
    time_zone = "America/Chicago"
    rule_pack = "us-mo-clee"
    course_id_prefix = factory.Sequence(lambda n: f"T{n}")


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = "division"
    parent = None


class OfficerFactory(DjangoModelFactory):
    class Meta:
        model = Officer

    agency = factory.SubFactory(AgencyFactory)
    unit = None
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    serial_number = factory.Sequence(lambda n: f"{1000 + n}")
    rank = "Officer"
    hired_on = dt.date(2015, 3, 1)
    first_licensed_on = dt.date(2015, 2, 1)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @classmethod
    def _after_postgeneration(cls, instance: User, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.TRAINING_STAFF
    agency = factory.SubFactory(AgencyFactory)


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("code",)

    code = "firearms"
    name = factory.LazyAttribute(lambda o: o.code.replace("_", " ").title())


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course

    agency = factory.SubFactory(AgencyFactory)
    course_id = factory.Sequence(lambda n: f"C-{n:05d}")
    title = factory.Sequence(lambda n: f"Course {n}")
    credit_minutes = 100
    delivery = Delivery.IN_PERSON
    category = "legal_studies"
    provider = "Training Unit"


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = Session

    course = factory.SubFactory(CourseFactory)
    starts_at = factory.LazyFunction(lambda: dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    location = "Training Center"


class TrainingRecordFactory(DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    officer = factory.SubFactory(OfficerFactory)
    kind = "outside"
    completed_on = dt.date(2026, 5, 1)
    title = "Outside seminar"
    minutes = 120
    delivery = Delivery.IN_PERSON
    source = RecordSource.MANUAL


class QualificationFactory(DjangoModelFactory):
    class Meta:
        model = QualificationEvent

    officer = factory.SubFactory(OfficerFactory)
    qualified_on = dt.date(2026, 4, 1)
    weapon_type = "handgun"
    course_of_fire = "State course"
    score = Decimal(90)
    max_score = Decimal(100)
    passing_score = Decimal(70)


class LeaveFactory(DjangoModelFactory):
    class Meta:
        model = LeavePeriod

    officer = factory.SubFactory(OfficerFactory)
    kind = "medical"
    starts_on = dt.date(2026, 1, 1)
