"""Passwords: reset by an e-mailed link (which says nothing about which addresses are known,
works once, and lifts a lockout), and changing one's own."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.core import mail
from django.urls import reverse

from muster.accounts.models import User
from muster.core.models import AuditEvent

PASSWORD = "correct horse battery"
NEW_PASSWORD = "Granite lantern 47 orbit"
START = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def ask_for_link(client, email: str):
    return client.post(reverse("password-reset"), {"email": email}, REMOTE_ADDR="198.51.100.3")


def link_in(message) -> str:
    found = re.search(r"https?://testserver(/password-reset/[^/\s]+/[^/\s]+/)", message.body)
    return found.group(1)


def test_the_login_page_links_to_the_reset(db, client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password-reset")}"' in page


def test_a_reset_link_is_mailed_and_sets_a_new_password_once(world, client):
    user = world.officer_user
    User.objects.filter(pk=user.pk).update(email="dana.reyes@osage-falls.example")
    with time_machine.travel(START, tick=False):
        response = ask_for_link(client, "Dana.Reyes@osage-falls.example")
        assert response.status_code == 302
        assert response["Location"] == reverse("password-reset-sent")

        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["dana.reyes@osage-falls.example"]
        assert message.subject == "Muster: reset your password"
        assert 'login "dana"' in message.body
        assert "works once, for 60 minutes" in message.body
        html, kind = message.alternatives[0]
        assert kind == "text/html"
        link = link_in(message)
        assert f'href="http://testserver{link}"' in html

        form = client.get(link, follow=True)
        assert "Choose a new password" in form.content.decode()
        set_url = form.redirect_chain[-1][0]
        weak = client.post(set_url, {"new_password1": "short", "new_password2": "short"})
        assert "too short" in weak.content.decode()
        done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert done.status_code == 302
        assert done["Location"] == reverse("password-reset-done")
        # A reset does not sign anyone in.
        assert "_auth_user_id" not in client.session

        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        again = client.get(link, follow=True)
        assert "This link no longer works" in again.content.decode()

    actions = list(
        AuditEvent.objects.filter(action__startswith="password.")
        .order_by("id")
        .values_list("action", "object_id", "actor_label")
    )
    assert actions == [
        ("password.reset_requested", str(user.pk), "anonymous"),
        ("password.reset", str(user.pk), "dana"),
    ]
    requested = AuditEvent.objects.get(action="password.reset_requested")
    assert requested.after == {"address": "198.51.100.3"}


def test_asking_for_an_unknown_address_looks_exactly_the_same(world, client):
    User.objects.filter(pk=world.officer_user.pk).update(email="dana@osage-falls.example")
    known = ask_for_link(client, "dana@osage-falls.example")
    unknown = ask_for_link(client, "nobody@osage-falls.example")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1  # only the real login got a message
    page = client.get(known["Location"]).content.decode()
    assert "If the address belongs to a login" in page
    assert AuditEvent.objects.filter(action="password.reset_requested").count() == 1


def test_a_reset_lifts_a_lockout_of_the_login(world, client):
    User.objects.filter(pk=world.officer_user.pk).update(email="dana@osage-falls.example")
    with time_machine.travel(START, tick=False):
        for n in range(5):
            client.post(
                reverse("login"),
                {"username": "dana", "password": "not it"},
                REMOTE_ADDR=f"198.51.100.{n}",
            )
        locked = client.post(reverse("login"), {"username": "dana", "password": PASSWORD})
        assert locked.status_code == 429
        assert reverse("password-reset") in locked.content.decode()

        ask_for_link(client, "dana@osage-falls.example")
        set_url = client.get(link_in(mail.outbox[0]), follow=True).redirect_chain[-1][0]
        client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

        signed_in = client.post(reverse("login"), {"username": "dana", "password": NEW_PASSWORD})
        assert signed_in.status_code == 302
        assert "_auth_user_id" in client.session


def test_changing_ones_own_password(world, client):
    user = world.officer_user
    client.force_login(user)
    other = client.__class__()
    other.force_login(user)

    wrong = client.post(
        reverse("password-change"),
        {"old_password": "not it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    response = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account-security")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # This session stays signed in; every other one of the login ends.
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="password.changed", actor=user).count() == 1


def test_changing_the_password_needs_a_signed_in_person(db, client):
    response = client.get(reverse("password-change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_guessing_the_current_password_counts_toward_the_lockout(world, client, settings):
    """The change page must not be a way around the login page's lockout."""
    from axes.models import AccessAttempt

    user = world.officer_user
    client.force_login(user)
    wrong = {"old_password": "guess", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    for _ in range(settings.MUSTER_LOCKOUT_FAILURES):
        client.post(reverse("password-change"), wrong, REMOTE_ADDR="198.51.100.9")
    assert AccessAttempt.objects.filter(username=user.username).exists()
    assert AuditEvent.objects.filter(action="login.failed").count() >= 1
    # Locked now: even the right current password does not change it.
    right = {**wrong, "old_password": PASSWORD}
    response = client.post(reverse("password-change"), right, REMOTE_ADDR="198.51.100.9")
    assert response.status_code != 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_administrator_setting_a_password_is_audited_without_the_hash(world, client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    client.force_login(admin)
    url = reverse("admin:auth_user_password_change", args=[world.officer_user.pk])
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    row = AuditEvent.objects.get(action="password.set_by_administrator")
    assert row.actor == admin
    assert row.object_id == str(world.officer_user.pk)
    world.officer_user.refresh_from_db()
    assert world.officer_user.check_password(NEW_PASSWORD)
    # An edit of the login in the administration keeps the hash out of its audit row.
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    request = RequestFactory().post("/admin/")
    request.user = admin
    user_admin = django_admin.site._registry[get_user_model()]
    world.officer_user.first_name = "Renamed"
    user_admin.save_model(request, world.officer_user, form=None, change=True)
    edit = AuditEvent.objects.get(action="user.update")
    assert edit.after["first_name"] == "Renamed"
    assert "password" not in edit.after
    assert "password" not in edit.before


def test_reset_links_are_limited_per_login_and_per_address_and_the_page_never_says(
    world, client, settings
):
    settings.MUSTER_RESET_LINKS_PER_LOGIN = 3
    settings.MUSTER_RESET_LINKS_PER_ADDRESS = 4
    User.objects.filter(pk=world.officer_user.pk).update(email="dana@osage-falls.example")
    User.objects.filter(pk=world.training_user.pk).update(email="trainer@osage-falls.example")
    with time_machine.travel(START, tick=False):
        answers = [ask_for_link(client, "dana@osage-falls.example") for _ in range(5)]
        assert {a["Location"] for a in answers} == {reverse("password-reset-sent")}
        assert len(mail.outbox) == 3  # the login's share for the hour
        # Another login, same address: one more link, then the address's share is used up.
        ask_for_link(client, "trainer@osage-falls.example")
        ask_for_link(client, "trainer@osage-falls.example")
        assert len(mail.outbox) == 4
        other = client.post(
            reverse("password-reset"),
            {"email": "trainer@osage-falls.example"},
            REMOTE_ADDR="198.51.100.77",
        )
        assert other["Location"] == reverse("password-reset-sent")
        assert len(mail.outbox) == 5  # another address is not held back
    with time_machine.travel(START + dt.timedelta(hours=2), tick=False):
        ask_for_link(client, "dana@osage-falls.example")
        assert len(mail.outbox) == 6  # an hour later, a link again
