"""Single sign-on through OpenID Connect, driven end to end against a small local provider:
Django's test client plays the browser, and the provider's redirects are followed over HTTP."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from django.contrib.auth.signals import user_logged_in
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse

from muster.accounts.models import ExternalIdentity, Role, User
from muster.core.audit import verify_chain
from muster.core.models import AuditEvent
from tests.accounts.oidc_provider import TestProvider, point_muster_at
from tests.conftest import World


@pytest.fixture
def provider() -> Iterator[TestProvider]:
    provider = TestProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def sso(provider: TestProvider, settings: Any) -> TestProvider:
    """Single sign-on on, against the running test provider."""
    point_muster_at(settings, provider)
    return provider


def start(client: Client, next_path: str = "") -> str:
    """Press "Sign in with ...": the address Muster sends the browser to."""
    url = reverse("sso:start") + (f"?next={quote(next_path)}" if next_path else "")
    response = client.get(url)
    assert response.status_code == 302, response.content
    return str(response["Location"])


def at_provider(authorize_url: str) -> str:
    """The provider approves at once: the callback address (path and query) it sends back."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert back.path == reverse("sso:callback")
    return f"{back.path}?{back.query}"


def round_trip(client: Client, next_path: str = "") -> Any:
    """The whole sign-in: to the provider and back; the callback's response."""
    return client.get(at_provider(start(client, next_path)))


def signed_in_user(client: Client) -> User | None:
    response = client.get(reverse("home"))
    user = response.wsgi_request.user
    return user if user.is_authenticated else None  # type: ignore[return-value]


def link(user: User, provider: TestProvider) -> ExternalIdentity:
    return ExternalIdentity.objects.create(
        user=user, issuer=provider.issuer, subject=provider.person.sub
    )


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# --- Signing in ------------------------------------------------------------------------------


def test_a_linked_user_signs_in_through_djangos_login_and_lands_where_they_asked(
    client: Client, world: World, sso: TestProvider
) -> None:
    link(world.officer_user, sso)
    logins: list[Any] = []

    def seen(sender: Any, user: Any, **kwargs: Any) -> None:
        logins.append(user)

    user_logged_in.connect(seen)
    try:
        authorize_url = start(client, next_path="/roll-call/")
        response = client.get(at_provider(authorize_url))
    finally:
        user_logged_in.disconnect(seen)

    # The request carried state, nonce and a PKCE challenge, and the code went back with the
    # matching verifier (the provider checks it).
    sent = parse_qs(urlsplit(authorize_url).query)
    assert {"state", "nonce", "code_challenge"} <= set(sent)
    assert sso.token_requests[0]["code_verifier"]
    assert response.status_code == 302
    assert response["Location"] == "/roll-call/"
    assert signed_in_user(client) == world.officer_user
    # Django's login() ran (its signal is what second-factor checks hang off).
    assert logins == [world.officer_user]
    login_row = AuditEvent.objects.get(action="login")
    assert login_row.actor_id == world.officer_user.pk
    assert login_row.after is not None
    assert login_row.after["method"] == "sso"
    assert login_row.after["subject"] == sso.person.sub
    identity = ExternalIdentity.objects.get(user=world.officer_user)
    assert identity.last_login_at is not None
    assert verify_chain() == []


def test_first_sign_in_links_the_user_with_that_verified_email_and_audits_it(
    client: Client, world: World, sso: TestProvider
) -> None:
    User.objects.filter(pk=world.training_user.pk).update(email="Dana@Example.gov")
    sso.person.email = "dana@example.gov"

    response = round_trip(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user(client) == world.training_user
    identity = ExternalIdentity.objects.get(issuer=sso.issuer, subject=sso.person.sub)
    assert identity.user == world.training_user
    assert identity.email_at_link == "dana@example.gov"
    assert actions() == ["sso.linked", "login"]
    linked = AuditEvent.objects.get(action="sso.linked")
    assert linked.actor_id == world.training_user.pk
    assert linked.after is not None
    assert linked.after["subject"] == sso.person.sub

    # The next time the link, not the e-mail, finds the person: a changed address still works.
    client.logout()
    sso.person.email = "dana.reyes@new-domain.example"
    assert round_trip(client).status_code == 302
    assert signed_in_user(client) == world.training_user
    assert ExternalIdentity.objects.count() == 1


@pytest.mark.parametrize("email_verified", [False, "true", None])
def test_an_email_the_provider_has_not_verified_links_nobody(
    client: Client, world: World, sso: TestProvider, email_verified: Any
) -> None:
    User.objects.filter(pk=world.admin_user.pk).update(email="dana@example.gov")
    sso.person.email_verified = email_verified

    response = round_trip(client)

    assert response.status_code == 403
    assert b"There is no Muster account for this sign-in" in response.content
    assert signed_in_user(client) is None
    assert not ExternalIdentity.objects.exists()
    refused = AuditEvent.objects.get(action="sso.refused")
    assert refused.after is not None
    assert refused.after["refusal"] == "email_not_verified"
    assert refused.actor_id is None
    assert refused.actor_label == f"sso:{sso.person.sub}"


def test_an_unknown_person_gets_the_no_account_page_and_no_account(
    client: Client, world: World, sso: TestProvider
) -> None:
    users_before = User.objects.count()

    response = round_trip(client)

    assert response.status_code == 403
    page = response.content.decode()
    assert "No Muster account for this sign-in" in page
    assert "Ask your administrator" in page
    assert "dana@example.gov" in page  # who they signed in as, to tell the administrator
    assert User.objects.count() == users_before
    assert signed_in_user(client) is None
    refused = AuditEvent.objects.get(action="sso.refused")
    assert refused.after is not None
    assert refused.after["refusal"] == "unknown"


def test_a_deactivated_user_is_refused_whether_linked_or_matched_by_email(
    client: Client, world: World, sso: TestProvider
) -> None:
    link(world.officer_user, sso)
    User.objects.filter(pk=world.officer_user.pk).update(is_active=False)

    response = round_trip(client)

    assert response.status_code == 403
    assert b"This Muster account is deactivated" in response.content
    assert signed_in_user(client) is None

    sso.person.sub = "someone-new"
    User.objects.filter(pk=world.officer_user.pk).update(email=sso.person.email)
    response = round_trip(client)

    assert response.status_code == 403
    assert b"deactivated" in response.content
    assert ExternalIdentity.objects.count() == 1
    reasons = [
        row.after["refusal"]
        for row in AuditEvent.objects.filter(action="sso.refused").order_by("id")
        if row.after
    ]
    assert reasons == ["deactivated", "deactivated"]


def test_deactivating_a_user_ends_their_single_sign_on_session(
    client: Client, world: World, sso: TestProvider
) -> None:
    link(world.officer_user, sso)
    round_trip(client)
    assert signed_in_user(client) == world.officer_user

    User.objects.filter(pk=world.officer_user.pk).update(is_active=False)

    assert signed_in_user(client) is None


def test_a_login_already_linked_to_another_person_is_not_relinked_by_email(
    client: Client, world: World, sso: TestProvider
) -> None:
    ExternalIdentity.objects.create(
        user=world.officer_user, issuer=sso.issuer, subject="the-real-dana"
    )
    User.objects.filter(pk=world.officer_user.pk).update(email=sso.person.email)

    response = round_trip(client)

    assert response.status_code == 403
    assert signed_in_user(client) is None
    assert list(ExternalIdentity.objects.values_list("subject", flat=True)) == ["the-real-dana"]


def test_roles_never_come_from_the_token_and_unknown_people_are_refused_without_the_setting(
    client: Client, world: World, sso: TestProvider, settings: Any
) -> None:
    sso.person.extra = {"roles": ["agency_admin"], "groups": ["Muster Administrators"]}
    assert round_trip(client).status_code == 403

    settings.MUSTER_OIDC_CREATE_USERS = True
    client.logout()
    response = round_trip(client)

    assert response.status_code == 302
    user = signed_in_user(client)
    assert user is not None
    assert user.username == "dana.reyes"
    assert (user.first_name, user.last_name, user.email) == ("Dana", "Reyes", "dana@example.gov")
    assert not user.has_usable_password()
    assert not user.is_staff
    assert not user.is_superuser
    assert not user.memberships.exists()
    assert user.scope.roles_in(world.agency.pk) == set()
    # A login with no roles sees no officer.
    page = client.get(reverse("home")).content.decode()
    assert world.officer.last_name not in page
    assert actions()[-3:] == ["user.create", "sso.linked", "login"]


# --- What is refused ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("sign_with_stranger_key", True),
        ("nonce_override", "not-the-nonce-muster-sent"),
        ("audience_override", "some-other-application"),
        ("issuer_override", "https://impostor.example"),
    ],
)
def test_a_token_that_does_not_verify_signs_nobody_in(
    client: Client, world: World, sso: TestProvider, attribute: str, value: Any
) -> None:
    link(world.officer_user, sso)
    setattr(sso, attribute, value)

    response = round_trip(client)

    assert response.status_code == 400
    assert b"Muster could not verify this sign-in" in response.content
    assert signed_in_user(client) is None
    assert not AuditEvent.objects.filter(action="login").exists()


def test_a_wrong_or_replayed_state_signs_nobody_in(
    client: Client, world: World, sso: TestProvider
) -> None:
    link(world.officer_user, sso)
    callback = at_provider(start(client))
    path, _, query = callback.partition("?")
    params = {k: v[0] for k, v in parse_qs(query).items()}

    forged = client.get(path, {"code": params["code"], "state": "made-up-state"})

    assert forged.status_code == 400
    assert b"Muster could not verify this sign-in" in forged.content
    assert signed_in_user(client) is None
    assert sso.token_requests == []  # the code was never even exchanged

    # The real callback still works once ...
    assert client.get(callback).status_code == 302
    assert signed_in_user(client) == world.officer_user
    # ... and only once, even for someone holding the same session.
    replay = client.get(callback)
    assert replay.status_code == 400


def test_a_callback_in_another_browser_signs_nobody_in(
    client: Client, world: World, sso: TestProvider
) -> None:
    link(world.officer_user, sso)
    callback = at_provider(start(client))

    stranger = Client()
    response = stranger.get(callback)

    assert response.status_code == 400
    assert signed_in_user(stranger) is None


def test_the_provider_saying_no_shows_a_clear_page(
    client: Client, world: World, sso: TestProvider
) -> None:
    authorize_url = start(client)
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]

    response = client.get(reverse("sso:callback"), {"error": "access_denied", "state": state})

    assert response.status_code == 400
    assert b"Test County ID did not sign you in (access_denied)" in response.content
    assert signed_in_user(client) is None
    # Whatever else arrives in `error` is not repeated on Muster's page.
    odd = client.get(reverse("sso:callback"), {"error": "Call 555-0100 now", "state": state})
    assert odd.status_code == 400
    assert b"555-0100" not in odd.content


def test_a_password_login_never_reaches_the_provider(
    client: Client, world: World, sso: TestProvider
) -> None:
    response = client.post(
        reverse("login"),
        {"username": world.officer_user.username, "password": "correct horse battery"},
    )

    assert response.status_code == 302
    assert signed_in_user(client) == world.officer_user
    assert sso.token_requests == []


# --- Off, or the provider down -------------------------------------------------------------


def test_with_single_sign_on_off_there_is_no_button_and_the_routes_answer_404(
    client: Client, world: World
) -> None:
    page = client.get(reverse("login")).content.decode()

    assert "Sign in with" not in page
    assert client.get(reverse("sso:start")).status_code == 404
    assert client.get(reverse("sso:callback"), {"code": "x", "state": "y"}).status_code == 404


def test_with_single_sign_on_on_the_login_page_offers_the_provider_and_keeps_next(
    client: Client, db: None, sso: TestProvider
) -> None:
    page = client.get(reverse("login"), {"next": "/roll-call/"}).content.decode()

    assert "Sign in with Test County ID" in page
    assert f'href="{reverse("sso:start")}?next=/roll-call/"' in page
    assert "<script" not in page.split("<body>", 1)[1]
    assert 'style="' not in page.split('class="sso-sign-in"', 1)[1]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_provider_that_is_down_gets_a_clear_page_not_a_500(
    client: Client, world: World, settings: Any
) -> None:
    provider = TestProvider()
    point_muster_at(settings, provider.start())
    provider.stop()
    settings.MUSTER_OIDC_ISSUER = f"http://127.0.0.1:{_closed_port()}"

    response = client.get(reverse("sso:start"))

    assert response.status_code == 503
    assert b"Test County ID is not answering" in response.content
    assert b"Back to the sign-in page" in response.content


def test_a_provider_that_goes_down_mid_sign_in_gets_a_clear_page_not_a_500(
    client: Client, world: World, sso: TestProvider
) -> None:
    link(world.officer_user, sso)
    callback = at_provider(start(client))
    sso.stop()

    response = client.get(callback)

    assert response.status_code == 503
    assert b"is not answering" in response.content
    assert signed_in_user(client) is None


def test_explicit_endpoints_work_without_discovery(
    client: Client, world: World, provider: TestProvider, settings: Any
) -> None:
    point_muster_at(
        settings,
        provider,
        MUSTER_OIDC_AUTHORIZATION_ENDPOINT=f"{provider.issuer}/authorize",
        MUSTER_OIDC_TOKEN_ENDPOINT=f"{provider.issuer}/token",
        MUSTER_OIDC_JWKS_URI=f"{provider.issuer}/jwks",
    )
    link(world.officer_user, provider)
    provider.offer_end_session = False  # nor is discovery read to find one

    assert round_trip(client).status_code == 302
    assert signed_in_user(client) == world.officer_user


def test_half_configured_single_sign_on_is_off_and_warned_about(
    client: Client, db: None, settings: Any
) -> None:
    settings.MUSTER_OIDC_ISSUER = "https://id.example.gov"

    warnings = [m for m in run_checks() if m.id == "muster.W001"]

    assert len(warnings) == 1
    assert client.get(reverse("sso:start")).status_code == 404
    settings.MUSTER_OIDC_CLIENT_ID = "muster"
    settings.MUSTER_OIDC_CLIENT_SECRET = "secret"
    assert not [m for m in run_checks() if m.id == "muster.W001"]


# --- Signing out ---------------------------------------------------------------------------


def test_signing_out_ends_the_providers_session_too(
    client: Client, world: World, sso: TestProvider
) -> None:
    link(world.officer_user, sso)
    round_trip(client)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{sso.issuer}/logout"
    params = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert params["post_logout_redirect_uri"] == "http://testserver/login/"
    assert params["client_id"] == sso.client_id
    assert params["id_token_hint"].count(".") == 2  # the ID token Muster was given
    assert signed_in_user(client) is None


def test_signing_out_stays_local_when_the_provider_offers_no_end_session_or_for_passwords(
    client: Client, world: World, sso: TestProvider, settings: Any
) -> None:
    sso.offer_end_session = False
    link(world.officer_user, sso)
    round_trip(client)

    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")
    assert signed_in_user(client) is None

    # A password login never goes to the provider at sign-out.
    sso.offer_end_session = True
    point_muster_at(settings, sso)
    client.force_login(world.training_user)
    assert client.post(reverse("logout"))["Location"] == reverse("login")


def test_a_member_of_another_role_is_matched_only_to_their_own_login(
    client: Client, world: World, sso: TestProvider
) -> None:
    """Two logins share nothing: linking one never touches another's memberships."""
    User.objects.filter(pk=world.supervisor_user.pk).update(email=sso.person.email)

    round_trip(client)

    user = signed_in_user(client)
    assert user == world.supervisor_user
    assert list(user.memberships.values_list("role", flat=True)) == [Role.SUPERVISOR]
