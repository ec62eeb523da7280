"""Repeated failed sign-ins lock the username (from any address) and the address (for any
username) for a while; the locked-out page says so without a traceback or a hint about which
logins exist, and every failure and lock is in the audit log."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import RequestFactory
from django.urls import reverse

from muster.accounts.security import client_address
from muster.core.models import AuditEvent

PASSWORD = "correct horse battery"  # every factory-made user's password
START = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def attempt(client, username: str, password: str, address: str):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_for_one_username_lock_it_from_every_address(world, client):
    with time_machine.travel(START, tick=False):
        for n in range(4):
            response = attempt(client, "dana", "not it", f"198.51.100.{n}")
            assert response.status_code == 200
            assert "Please enter a correct username and password" in response.content.decode()

        fifth = attempt(client, "dana", "not it", "198.51.100.200")
        assert fifth.status_code == 429
        page = fifth.content.decode()
        assert "Signing in is paused" in page
        assert "15 minutes" in page
        assert "Traceback" not in page

        # Even the right password, from an address never seen before, waits out the lock.
        refused = attempt(client, "dana", PASSWORD, "203.0.113.7")
        assert refused.status_code == 429
        assert not signed_in(client)

        # Other logins signing in from the same addresses are not affected.
        other = attempt(client, world.custodian_user.username, PASSWORD, "198.51.100.1")
        assert other.status_code == 302
        assert signed_in(client)

    assert AuditEvent.objects.filter(action="login.failed").count() == 4
    locks = AuditEvent.objects.filter(action="login.locked").order_by("id")
    assert locks.count() == 2  # the failure that set the lock, and the refused right password
    assert locks[0].object_id == str(world.officer_user.pk)
    assert locks[1].after["address"] == "203.0.113.7"
    failed = AuditEvent.objects.filter(action="login.failed").first()
    assert failed.actor_label == "anonymous"
    assert failed.after == {"username": "dana", "address": "198.51.100.0"}


def test_many_usernames_failing_from_one_address_lock_the_address(world, client, settings):
    assert settings.MUSTER_LOCKOUT_ADDRESS_FAILURES == 20
    with time_machine.travel(START, tick=False):
        for n in range(19):
            assert attempt(client, f"guess{n}", "not it", "192.0.2.50").status_code == 200
        assert attempt(client, "guess19", "not it", "192.0.2.50").status_code == 429

        # The address is locked for every login, even with the right password ...
        assert attempt(client, "dana", PASSWORD, "192.0.2.50").status_code == 429
        assert not signed_in(client)
        # ... and those usernames are not: each failed only once.
        assert attempt(client, "dana", PASSWORD, "192.0.2.51").status_code == 302
        assert signed_in(client)


def test_the_locked_page_is_the_same_for_a_login_that_does_not_exist(world, client):
    with time_machine.travel(START, tick=False):
        for n in range(5):
            real = attempt(client, "dana", "not it", f"198.51.100.{n}")
            made_up = attempt(client, "nobody-here", "not it", f"198.51.100.{n + 10}")
    assert real.status_code == made_up.status_code == 429
    assert real.content == made_up.content


def test_a_lock_lifts_after_the_cool_off_and_attempts_while_locked_do_not_extend_it(
    world, client, settings
):
    assert settings.MUSTER_LOCKOUT_MINUTES == 15
    with time_machine.travel(START, tick=False):
        for n in range(5):
            attempt(client, "dana", "not it", f"198.51.100.{n}")
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False):
        assert attempt(client, "dana", "not it", "198.51.100.9").status_code == 429
    with time_machine.travel(START + dt.timedelta(minutes=14), tick=False):
        assert attempt(client, "dana", PASSWORD, "198.51.100.9").status_code == 429
    with time_machine.travel(START + dt.timedelta(minutes=15, seconds=5), tick=False):
        response = attempt(client, "dana", PASSWORD, "198.51.100.9")
        assert response.status_code == 302
        assert signed_in(client)


def test_a_successful_sign_in_forgets_that_addresses_own_typos(world, client):
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            attempt(client, "dana", "not it", "198.51.100.1")
        assert attempt(client, "dana", PASSWORD, "198.51.100.1").status_code == 302
        client.post(reverse("logout"))
        # Without the reset the next typo would be the fifth failure and lock the login.
        assert attempt(client, "dana", "not it", "198.51.100.1").status_code == 200
        assert attempt(client, "dana", PASSWORD, "198.51.100.1").status_code == 302


def test_the_address_is_remote_addr_unless_proxies_are_configured(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.4"
    )
    settings.MUSTER_PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.2"  # a client cannot choose its address
    settings.MUSTER_PROXY_COUNT = 1
    assert client_address(request) == "198.51.100.4"  # what our one proxy saw
    settings.MUSTER_PROXY_COUNT = 2
    assert client_address(request) == "203.0.113.9"
    settings.MUSTER_PROXY_COUNT = 3  # fewer hops than proxies: fall back to the socket
    assert client_address(request) == "10.0.0.2"
    garbage = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="nonsense")
    settings.MUSTER_PROXY_COUNT = 1
    assert client_address(garbage) is None


def test_a_lock_counts_addresses_behind_a_proxy_separately(world, client, settings):
    settings.MUSTER_PROXY_COUNT = 1
    with time_machine.travel(START, tick=False):
        for n in range(20):
            client.post(
                reverse("login"),
                {"username": f"guess{n}", "password": "not it"},
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR="198.51.100.7",
            )
        # The proxy's own address is not locked; the client behind it is.
        other = client.post(
            reverse("login"),
            {"username": "dana", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="198.51.100.8",
        )
    assert other.status_code == 302


def test_an_ipv6_client_is_counted_by_its_64_network(world, client, settings):
    """Rotating through one's own /64 does not reset the count."""
    with time_machine.travel(START, tick=False):
        for n in range(19):
            address = f"2001:db8:1:2::{n + 1:x}"
            assert attempt(client, f"guess{n}", "not it", address).status_code == 200
        assert attempt(client, "guess19", "not it", "2001:db8:1:2:ffff::9").status_code == 429
        # Another /64 is another client.
        assert attempt(client, "dana", PASSWORD, "2001:db8:1:3::1").status_code == 302


def test_the_counted_address_of_a_client(rf):
    from muster.accounts.lockout import client_ip

    def of(address):
        return client_ip(rf.get("/", REMOTE_ADDR=address))

    assert of("198.51.100.7") == "198.51.100.7"
    assert of("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::"
    assert of("::ffff:198.51.100.7") == "198.51.100.7"
    assert of("not an address") is None
