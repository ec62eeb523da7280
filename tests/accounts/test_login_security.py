"""Passwords are hashed with Argon2 (older hashes upgrade at the next login), and a login
ends after a spell of inactivity."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from muster.accounts.models import User
from tests.factories import UserFactory

PRODUCTION_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def test_new_passwords_are_argon2_and_old_ones_upgrade_at_login(db, client, settings):
    from muster.settings import PASSWORD_HASHERS

    assert PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = UserFactory(username="old")
    User.objects.filter(pk=user.pk).update(
        password=make_password("correct horse battery", hasher="pbkdf2_sha256")
    )
    assert client.login(username="old", password="correct horse battery")
    user.refresh_from_db()
    assert user.password.startswith("argon2")


def test_a_login_ends_after_the_idle_time_but_activity_keeps_it(client, world, settings):
    start = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
    idle = settings.SESSION_COOKIE_AGE
    assert settings.SESSION_SAVE_EVERY_REQUEST
    with time_machine.travel(start, tick=False):
        client.force_login(world.officer_user)
        assert client.get(reverse("home")).status_code == 200
    # Each request renews the login ...
    with time_machine.travel(start + dt.timedelta(seconds=idle - 60), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + dt.timedelta(seconds=2 * idle - 120), tick=False):
        assert client.get(reverse("home")).status_code == 200
    # ... and a longer pause ends it.
    with time_machine.travel(start + dt.timedelta(seconds=3 * idle), tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
