"""Signing in with the organization's single sign-on, in a real browser, against the local
test provider: the button, the trip to the provider and back, and signing out of both."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from muster.accounts.models import ExternalIdentity
from tests.accounts.oidc_provider import TestProvider, point_muster_at
from tests.conftest import World


@pytest.fixture
def provider(settings: Any) -> Iterator[TestProvider]:
    provider = TestProvider().start()
    point_muster_at(settings, provider)
    yield provider
    provider.stop()


def test_signing_in_with_single_sign_on_lands_on_the_home_page_and_signing_out_leaves_both(
    world: World, provider: TestProvider, page: Page
) -> None:
    ExternalIdentity.objects.create(
        user=world.officer_user, issuer=provider.issuer, subject=provider.person.sub
    )
    page.goto("/login/")

    page.get_by_role("button", name="Sign in with Test County ID").click()

    expect(page).to_have_url("/")
    expect(page.get_by_role("heading", name="My training", level=2)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()

    # Through the provider's end-session endpoint and back to Muster's sign-in page.
    expect(page).to_have_url("/login/")
    assert len(provider.end_session_requests) == 1
    page.goto("/")
    expect(page).to_have_url("/login/?next=/")


def test_someone_without_a_muster_account_is_told_so_plainly(
    world: World, provider: TestProvider, page: Page
) -> None:
    page.goto("/login/")

    page.get_by_role("button", name="Sign in with Test County ID").click()

    expect(page.get_by_role("heading", name="No Muster account for this sign-in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Ask your administrator")
    page.get_by_role("link", name="Back to the sign-in page").click()
    expect(page.locator("#id_username")).to_be_visible()
