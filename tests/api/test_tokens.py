"""Personal API tokens: made and revoked through audited services and the account pages;
only a token in force of an active person authenticates."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from muster.accounts.models import Role
from muster.api.models import ApiToken, token_digest
from muster.api.services import create_api_token, revoke_api_token
from muster.core.models import AuditEvent
from muster.xapi.services import create_integration
from tests.conftest import World, member

ME = "/api/v1/officers/"


def bearer(plain: str) -> APIClient:
    """A client sending `plain` as its bearer token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


def test_a_token_is_stored_only_as_its_digest_and_its_creation_audited(world: World) -> None:
    token, plain = create_api_token(acting_user=world.officer_user, name="Phone app")
    row = ApiToken.objects.get(pk=token.pk)
    assert plain.startswith("mst_")
    assert len(plain) > 40
    assert row.digest == token_digest(plain)
    assert plain not in {row.name, row.shown, row.digest}
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.actor == world.officer_user
    assert plain not in str(event.after)


def test_a_token_reads_as_its_user(world: World) -> None:
    _, plain = create_api_token(acting_user=world.officer_user, name="Phone app")
    response = bearer(plain).get(ME)
    assert response.status_code == 200
    assert [o["id"] for o in response.json()["results"]] == [world.officer.pk]
    token = ApiToken.objects.get()
    assert token.last_used_at is not None


def test_a_revoked_token_answers_401_and_revoking_is_audited(world: World) -> None:
    token, plain = create_api_token(acting_user=world.officer_user, name="Phone app")
    revoke_api_token(acting_user=world.officer_user, token=token)
    response = bearer(plain).get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(token.pk)).exists()


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer mst_nonsense", "Bearer a b", "Basic eDp5"]
)
def test_no_or_a_wrong_token_answers_401_or_falls_to_the_session(world: World, header: str) -> None:
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME)
    assert response.status_code == 401
    assert "results" not in response.json()


def test_an_inactive_users_token_does_not_work(world: World) -> None:
    _, plain = create_api_token(acting_user=world.officer_user, name="Phone app")
    world.officer_user.is_active = False
    world.officer_user.save()
    assert bearer(plain).get(ME).status_code == 401


def test_an_integration_service_login_cannot_hold_or_use_tokens(world: World) -> None:
    integration, _ = create_integration(
        acting_user=world.training_user, agency=world.agency, name="LMS"
    )
    service_user = integration.service_user
    with pytest.raises(PermissionDenied):
        create_api_token(acting_user=service_user, name="sneaky")
    # Even a token made for it some other way does not authenticate.
    ApiToken.objects.create(
        user=service_user, name="x", shown="mst_x", digest=token_digest("mst_planted")
    )
    assert bearer("mst_planted").get(ME).status_code == 401


def test_one_user_cannot_revoke_anothers_token(world: World) -> None:
    token, _ = create_api_token(acting_user=world.officer_user, name="Phone app")
    with pytest.raises(PermissionDenied):
        revoke_api_token(acting_user=world.training_user, token=token)
    assert ApiToken.objects.get().revoked_at is None


def test_a_token_needs_a_name(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        create_api_token(acting_user=world.officer_user, name="  ")
    assert "name" in caught.value.message_dict
    assert not ApiToken.objects.exists()


def test_the_page_shows_a_new_token_once_and_revokes_it(world: World) -> None:
    client = Client()
    client.force_login(world.officer_user)
    page = client.post(reverse("api-tokens"), {"name": "Laptop script"})
    assert page.status_code == 200
    token = ApiToken.objects.get()
    plain = page.context["plain"]
    assert token.digest == token_digest(plain)
    assert plain in page.content.decode()
    listing = client.get(reverse("api-tokens")).content.decode()
    assert "Laptop script" in listing
    assert plain not in listing
    client.post(reverse("api-token-revoke", args=[token.pk]))
    assert ApiToken.objects.get().revoked_at is not None
    assert bearer(plain).get(ME).status_code == 401


def test_the_page_refuses_an_empty_name_naming_the_field(world: World) -> None:
    client = Client()
    client.force_login(world.officer_user)
    page = client.post(reverse("api-tokens"), {"name": ""})
    assert page.status_code == 400
    assert page.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_the_revoke_page_does_not_find_someone_elses_token(world: World) -> None:
    token, _ = create_api_token(acting_user=world.officer_user, name="Phone app")
    client = Client()
    client.force_login(member(Role.OFFICER, world.agency))
    assert client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_session_writes_need_the_csrf_token(world: World) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.training_user)
    response = client.post(
        "/api/v1/training-records/", {"officer": world.officer.pk}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_token_requests_are_throttled_per_token(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    cache.clear()
    settings.MUSTER_API_TOKEN_RATE = "2/minute"
    _, plain = create_api_token(acting_user=world.officer_user, name="Phone app")
    client = bearer(plain)
    assert [client.get(ME).status_code for _ in range(3)] == [200, 200, 429]
    cache.clear()
