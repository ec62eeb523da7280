"""Logins and roles: granted by the right people, audited, never silently widened."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from muster.accounts.models import Membership, Role
from muster.accounts.services import create_user, end_membership, grant_membership
from muster.core.models import AuditEvent


def test_an_administrator_opens_a_login_and_the_audit_row_omits_the_password(world):
    user = create_user(
        acting_user=world.admin_user,
        agency=world.agency,
        username="newclerk",
        password="a sturdy passphrase 42",
    )
    assert user.check_password("a sturdy passphrase 42")
    event = AuditEvent.objects.get(action="user.create")
    assert "password" not in event.after
    assert event.after["username"] == "newclerk"


def test_a_weak_password_is_refused_with_a_clear_error(world):
    with pytest.raises(ValidationError):
        create_user(
            acting_user=world.admin_user, agency=world.agency, username="weak", password="123"
        )


def test_granting_a_role_widens_the_users_scope_at_once(world):
    user = create_user(
        acting_user=world.admin_user, agency=world.agency, username="clerk", password=None
    )
    assert not user.scope.agency_ids
    grant_membership(
        acting_user=world.admin_user, user=user, role=Role.RECORDS_CUSTODIAN, agency=world.agency
    )
    assert user.scope.agency_ids == {world.agency.pk}
    assert AuditEvent.objects.filter(action="membership.grant").count() == 1


def test_training_staff_cannot_grant_roles(world):
    with pytest.raises(PermissionDenied):
        grant_membership(
            acting_user=world.training_user,
            user=world.officer_user,
            role=Role.AGENCY_ADMIN,
            agency=world.agency,
        )


def test_a_supervisor_role_needs_a_unit_of_the_same_agency(world):
    from tests.factories import UnitFactory

    with pytest.raises(ValidationError):
        grant_membership(
            acting_user=world.admin_user,
            user=world.officer_user,
            role=Role.SUPERVISOR,
            agency=world.agency,
        )
    with pytest.raises(ValidationError):
        grant_membership(
            acting_user=world.admin_user,
            user=world.officer_user,
            role=Role.SUPERVISOR,
            agency=world.agency,
            unit=UnitFactory(agency=world.other_agency),
        )


def test_the_officer_role_needs_a_login_linked_to_an_officer_of_the_agency(world):
    with pytest.raises(ValidationError):
        grant_membership(
            acting_user=world.admin_user,
            user=world.training_user,
            role=Role.OFFICER,
            agency=world.agency,
        )


def test_only_a_site_administrator_appoints_commission_staff(world):
    with pytest.raises(PermissionDenied):
        grant_membership(
            acting_user=world.admin_user,
            user=world.training_user,
            role=Role.COMMISSION_STAFF,
            state="MO",
        )


def test_ending_a_role_keeps_the_row_and_narrows_the_scope(world):
    membership = Membership.objects.get(user=world.custodian_user)
    assert world.custodian_user.scope.agency_ids
    end_membership(acting_user=world.admin_user, membership=membership, reason="Retired")
    membership.refresh_from_db()
    assert membership.ended_at is not None
    world.custodian_user.forget_scope()
    assert not world.custodian_user.scope.agency_ids
    with pytest.raises(ValidationError):
        end_membership(acting_user=world.admin_user, membership=membership)
