"""visible_to(user): each role reads exactly its own part of the records."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.accounts.models import Membership, Role
from muster.agencies.models import Agency, Unit
from muster.people.models import Officer
from muster.training.models import Course, TrainingRecord
from tests.factories import (
    AgencyFactory,
    CourseFactory,
    OfficerFactory,
    TrainingRecordFactory,
    UnitFactory,
    UserFactory,
)


def visible_officers(user) -> set[int]:
    return set(Officer.objects.visible_to(user).values_list("pk", flat=True))


def test_an_officer_sees_only_their_own_record(world):
    mine = TrainingRecordFactory(officer=world.officer)
    TrainingRecordFactory(officer=world.colleague)
    assert visible_officers(world.officer_user) == {world.officer.pk}
    records = TrainingRecord.objects.visible_to(world.officer_user)
    assert list(records) == [mine]


def test_a_supervisor_sees_their_unit_and_its_sub_units_but_not_a_sibling(world):
    assert visible_officers(world.supervisor_user) == {world.officer.pk, world.colleague.pk}
    assert world.traffic_officer.pk not in visible_officers(world.supervisor_user)


def test_training_staff_and_custodians_see_their_agency_and_no_other(world):
    agency_officers = set(world.agency.officers.values_list("pk", flat=True))
    for user in (world.training_user, world.custodian_user, world.admin_user):
        assert visible_officers(user) == agency_officers
        assert world.outsider.pk not in visible_officers(user)


def test_commission_staff_see_every_agency_of_their_state_only(world, commission_user):
    second_mo = OfficerFactory(agency=AgencyFactory(state="MO"))
    seen = visible_officers(commission_user)
    assert world.officer.pk in seen
    assert second_mo.pk in seen
    assert world.outsider.pk not in seen  # Kansas


def test_a_superuser_sees_everything_and_an_anonymous_visitor_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    root = UserFactory(is_superuser=True)
    assert visible_officers(root) == set(Officer.objects.values_list("pk", flat=True))
    assert visible_officers(AnonymousUser()) == set()


def test_an_ended_membership_or_a_deactivated_login_sees_nothing(world):
    Membership.objects.filter(user=world.training_user).update(ended_at=timezone.now())
    world.training_user.forget_scope()
    assert visible_officers(world.training_user) == set()
    world.custodian_user.is_active = False
    world.custodian_user.forget_scope()
    assert visible_officers(world.custodian_user) == set()


def test_the_catalog_is_visible_to_every_member_of_the_agency_only(world):
    course = CourseFactory(agency=world.agency)
    CourseFactory(agency=world.other_agency)
    assert list(Course.objects.visible_to(world.officer_user)) == [course]
    assert list(Agency.objects.visible_to(world.officer_user)) == [world.agency]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    parents=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=12),
    supervised=st.integers(min_value=0, max_value=50),
)
@pytest.mark.django_db
def test_a_supervisor_sees_exactly_the_officers_beneath_their_unit(parents, supervised):
    """For any unit tree, the supervisor's view equals the subtree computed independently."""
    with transaction.atomic():
        agency = AgencyFactory()
        units: list[Unit] = []
        parent_of: dict[int, int | None] = {}
        for i, choice in enumerate(parents):
            parent = units[choice % len(units)] if units and choice % 3 else None
            unit = UnitFactory(agency=agency, parent=parent, name=f"U{i}")
            units.append(unit)
            parent_of[unit.pk] = parent.pk if parent else None
        officers = {OfficerFactory(agency=agency, unit=u).pk: u.pk for u in units}
        boss_unit = units[supervised % len(units)]
        boss = UserFactory()
        Membership.objects.create(user=boss, role=Role.SUPERVISOR, agency=agency, unit=boss_unit)

        def under(unit_pk: int | None) -> bool:
            while unit_pk is not None:
                if unit_pk == boss_unit.pk:
                    return True
                unit_pk = parent_of[unit_pk]
            return False

        expected = {o for o, u in officers.items() if under(u)}
        assert visible_officers(boss) == expected
        transaction.set_rollback(True)


def test_scope_is_computed_once_per_user_object(world, django_assert_num_queries):
    user = world.training_user
    user.forget_scope()
    with django_assert_num_queries(1):
        first = user.scope
        second = user.scope
    assert first is second
    assert first.roles_in(world.agency.pk) == {Role.TRAINING_STAFF}
