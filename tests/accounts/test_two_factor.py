"""Two-factor sign-in: setting up an authenticator (QR code, secret, first code), the second
step of signing in, recovery codes that work once, staff who must use it, officers who may."""

from __future__ import annotations

import datetime as dt
import re
from binascii import unhexlify

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from muster.accounts.models import RecoveryCode, RecoveryCodeDevice, Role
from muster.accounts.security import enable_two_factor
from muster.core.audit import verify_chain
from muster.core.models import AuditEvent
from muster.core.services import SYSTEM
from tests.conftest import member

PASSWORD = "correct horse battery"
START = dt.datetime(2026, 11, 20, 15, 0, 5, tzinfo=dt.UTC)
STEP = dt.timedelta(seconds=30)


def code(key_hex: str) -> str:
    """What an authenticator app with this secret shows now."""
    return f"{totp(unhexlify(key_hex)):06d}"


def enrol(client) -> tuple[str, list[str]]:
    """Set up an authenticator through the pages, as a person would; returns its secret and
    the recovery codes shown."""
    page = client.get(reverse("two-factor-enrol"))
    assert page.status_code == 200
    key = client.session["muster_enrol_key"]
    response = client.post(reverse("two-factor-enrol"), {"otp_token": code(key)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]{14})</code></li>", response.content.decode())
    return key, codes


def sign_in_with_password(client, username: str):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_setting_up_shows_a_qr_code_and_the_secret_and_confirms_with_a_real_code(world, client):
    user = world.officer_user
    with time_machine.travel(START, tick=False):
        client.force_login(user)
        page = client.get(reverse("two-factor-enrol")).content.decode()
        key = client.session["muster_enrol_key"]
        assert '<svg width="' in page
        assert "QR code to scan" in page
        assert "<script" not in page.split("<main", 1)[1]
        assert 'style="' not in page.split("<main", 1)[1]
        # The secret is shown in base32 for typing in, grouped by four.
        secret = re.search(r'id="otp-secret" class="otp-secret">([A-Z2-7 ]+)<', page).group(1)
        address = TOTPDevice(user=user, key=key).config_url
        assert f"secret={secret.replace(' ', '')}&" in address
        assert "issuer=Muster" in address

        wrong = client.post(reverse("two-factor-enrol"), {"otp_token": "000000"})
        assert "That code does not match" in wrong.content.decode()
        assert not TOTPDevice.objects.filter(user=user).exists()

        response = client.post(reverse("two-factor-enrol"), {"otp_token": code(key)})
    body = response.content.decode()
    assert response.status_code == 200
    assert "shown only this once" in body
    assert "no-store" in response["Cache-Control"]
    codes = re.findall(r"<li><code>([a-z0-9-]{14})</code></li>", body)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed
    assert device.key == key
    # The recovery codes are kept only as salted digests.
    stored = set(RecoveryCode.objects.filter(device__user=user).values_list("digest", flat=True))
    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes}
    assert "muster_enrol_key" not in client.session
    event = AuditEvent.objects.get(action="otp.enrolled")
    assert event.actor_id == user.pk
    assert event.after == {"device": "Authenticator app", "replaced": False, "recovery_codes": 10}


def test_signing_in_asks_for_the_code_after_the_password(world, client):
    user = world.officer_user
    with time_machine.travel(START, tick=False):
        client.force_login(user)
        key, _ = enrol(client)
        client.post(reverse("logout"))

    with time_machine.travel(START + STEP, tick=False):
        response = client.post(
            reverse("login"), {"username": "dana", "password": PASSWORD, "next": "/sessions/"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/login/verify/?next=%2Fsessions%2F"
        # The password alone does not sign in.
        assert not signed_in(client)
        assert client.get("/").status_code == 302

        wrong = client.post(response["Location"], {"otp_token": "123456", "next": "/sessions/"})
        assert wrong.status_code == 200
        assert "That code is not right" in wrong.content.decode()
        assert not signed_in(client)

    with time_machine.travel(START + 3 * STEP, tick=False):
        right = client.post(reverse("login-verify"), {"otp_token": code(key), "next": "/sessions/"})
        assert right.status_code == 302
        assert right["Location"] == "/sessions/"
        assert signed_in(client)
        assert client.get("/").status_code == 200
        # The same code cannot be used twice.
        client.post(reverse("logout"))
        sign_in_with_password(client, "dana")
        again = client.post(reverse("login-verify"), {"otp_token": code(key)})
        assert again.status_code == 200
        assert not signed_in(client)

    login = AuditEvent.objects.filter(action="login").get()
    assert login.actor_id == user.pk
    assert login.after["second_factor"] == "authenticator"
    assert AuditEvent.objects.filter(action="otp.failed").count() == 2
    assert verify_chain() == []


def test_a_wrong_code_counts_towards_the_lockout(world, client):
    with time_machine.travel(START, tick=False):
        client.force_login(world.officer_user)
        enrol(client)
        client.post(reverse("logout"))
        sign_in_with_password(client, "dana")
    for n in range(5):
        # Each wrong code makes the authenticator wait longer (1, 2, 4, 8 s) before the next.
        with time_machine.travel(START + dt.timedelta(minutes=n + 1), tick=False):
            response = client.post(reverse("login-verify"), {"otp_token": "000000"})
    assert response.status_code == 429
    assert "Signing in is paused" in response.content.decode()
    assert AuditEvent.objects.filter(action="otp.failed").count() == 5
    assert AuditEvent.objects.filter(action="login.locked").count() == 1
    assert not AuditEvent.objects.filter(action="login.failed").exists()


def test_a_recovery_code_signs_in_once(world, client):
    with time_machine.travel(START, tick=False):
        client.force_login(world.officer_user)
        _, codes = enrol(client)
        client.post(reverse("logout"))

        sign_in_with_password(client, "dana")
        typed = codes[3].upper().replace("-", " ")  # as someone might type it
        response = client.post(reverse("login-verify"), {"otp_token": typed})
        assert response.status_code == 302
        assert signed_in(client)
        assert "9 left" in client.get("/").content.decode()
        client.post(reverse("logout"))

        sign_in_with_password(client, "dana")
        reused = client.post(reverse("login-verify"), {"otp_token": codes[3]})
        assert reused.status_code == 200
        assert not signed_in(client)
    assert RecoveryCodeDevice.objects.get(user=world.officer_user).remaining() == 9
    login = AuditEvent.objects.get(action="login")
    assert login.after["second_factor"] == "recovery_code"


def test_new_recovery_codes_replace_the_old_ones(world, client):
    with time_machine.travel(START, tick=False):
        client.force_login(world.officer_user)
        _, old = enrol(client)
        assert "10</strong> unused" in client.get(reverse("recovery-codes")).content.decode()
        response = client.post(reverse("recovery-codes"))
        new = re.findall(r"<li><code>([a-z0-9-]{14})</code></li>", response.content.decode())
        assert len(new) == 10
        assert not set(new) & set(old)
        client.post(reverse("logout"))

        sign_in_with_password(client, "dana")
        assert client.post(reverse("login-verify"), {"otp_token": old[0]}).status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        assert client.post(reverse("login-verify"), {"otp_token": new[0]}).status_code == 302
    assert AuditEvent.objects.filter(action="recovery_codes.regenerated").count() == 1


def test_the_second_step_expires(world, client):
    with time_machine.travel(START, tick=False):
        client.force_login(world.officer_user)
        key, _ = enrol(client)
        client.post(reverse("logout"))
        sign_in_with_password(client, "dana")
    with time_machine.travel(START + dt.timedelta(minutes=6), tick=False):
        response = client.post(reverse("login-verify"), {"otp_token": code(key)})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert not signed_in(client)


@pytest.mark.parametrize(
    "who", ["supervisor_user", "training_user", "custodian_user", "admin_user"]
)
def test_staff_must_set_up_two_factor_before_anything_else(world, client, who):
    user = getattr(world, who)
    client.force_login(user, second_factor=False)
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"] == "/account/two-factor/?next=%2F"
    listing = client.get(reverse("officer-list"))
    assert listing["Location"].startswith(reverse("two-factor-enrol"))
    assert client.get(reverse("password-change")).status_code == 302
    page = client.get(reverse("two-factor-enrol")).content.decode()
    assert "Your role requires two-factor sign-in" in page
    # Signing out is always possible.
    assert client.post(reverse("logout")).status_code == 302
    assert not signed_in(client)


def test_staff_who_set_it_up_go_on_to_the_page_they_wanted(world, client):
    with time_machine.travel(START, tick=False):
        client.force_login(world.training_user, second_factor=False)
        target = client.get(reverse("officer-list"))["Location"]
        page = client.get(target)
        assert page.status_code == 200
        key = client.session["muster_enrol_key"]
        done = client.post(target, {"otp_token": code(key), "next": reverse("officer-list")})
        assert f'href="{reverse("officer-list")}" role="button"' in done.content.decode()
        assert client.get(reverse("officer-list")).status_code == 200


def test_commission_staff_and_site_administrators_must_use_it_too(world, client, commission_user):
    from tests.factories import UserFactory

    superuser = UserFactory(is_superuser=True, is_staff=True)
    for user in (commission_user, superuser):
        client.force_login(user, second_factor=False)
        assert client.get("/")["Location"].startswith(reverse("two-factor-enrol"))


def test_officers_are_not_made_to_set_it_up(world, client):
    client.force_login(world.officer_user)
    assert client.get("/").status_code == 200
    page = client.get(reverse("account-security")).content.decode()
    assert "Signing in needs only your password" in page
    assert "Set up two-factor sign-in" in page


def test_the_requirement_can_be_turned_off(world, client, settings):
    settings.MUSTER_REQUIRE_2FA_FOR_STAFF = False
    client.force_login(world.training_user, second_factor=False)
    assert client.get("/").status_code == 200


def test_a_session_signed_in_elsewhere_still_owes_the_second_step(world, client):
    """Site administration's own login form, or a session from before the set-up."""
    user = world.admin_user
    with time_machine.travel(START, tick=False):
        device, _ = enable_two_factor(acting_user=SYSTEM, user=user, key="ab" * 20)
        client.force_login(user, second_factor=False)
        response = client.get(reverse("officer-list"))
        assert response["Location"] == "/login/verify/?next=%2Fofficers%2F"
        # Even setting up a new authenticator waits for the second step.
        assert client.get(reverse("two-factor-enrol"))["Location"].startswith("/login/verify/")
        verified = client.post(
            reverse("login-verify"), {"otp_token": code(device.key), "next": "/officers/"}
        )
        assert verified["Location"] == "/officers/"
        assert client.get(reverse("officer-list")).status_code == 200


def test_site_administrations_own_login_form_still_owes_the_second_step(db, client):
    from tests.factories import UserFactory

    superuser = UserFactory(is_superuser=True, is_staff=True)
    enable_two_factor(acting_user=SYSTEM, user=superuser, key="cd" * 20)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": superuser.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert client.get("/admin/")["Location"] == "/login/verify/?next=%2Fadmin%2F"


def test_an_officer_may_turn_it_off_with_a_code_and_staff_may_not(world, client):
    with time_machine.travel(START, tick=False):
        client.force_login(world.officer_user)
        enrol(client)
    with time_machine.travel(START + STEP, tick=False):
        key = TOTPDevice.objects.get(user=world.officer_user).key
        wrong = client.post(reverse("two-factor-disable"), {"otp_token": "000000"})
        assert "not right" in wrong.content.decode()
        assert TOTPDevice.objects.filter(user=world.officer_user).exists()
    # (After a wrong code the authenticator makes the next try wait a second.)
    with time_machine.travel(START + 2 * STEP, tick=False):
        done = client.post(reverse("two-factor-disable"), {"otp_token": code(key)})
        assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.officer_user).exists()
    assert not RecoveryCodeDevice.objects.filter(user=world.officer_user).exists()
    assert AuditEvent.objects.filter(action="otp.disabled", actor=world.officer_user).count() == 1

    client.force_login(world.training_user)  # verified, with an authenticator
    page = client.get(reverse("two-factor-disable")).content.decode()
    assert "cannot be turned off" in page
    assert client.post(reverse("two-factor-disable"), {"otp_token": "000000"}).status_code == 403
    assert TOTPDevice.objects.filter(user=world.training_user).exists()


def test_a_supervisor_who_is_also_an_officer_is_staff(world):
    from muster.accounts.two_factor import is_staff_login

    sergeant = member(Role.SUPERVISOR, world.agency, unit=world.patrol)
    assert is_staff_login(sergeant)
    assert not is_staff_login(world.officer_user)


def test_the_security_page_shows_what_is_on(world, client):
    client.force_login(world.training_user)
    page = client.get(reverse("account-security")).content.decode()
    assert "After your password, Muster asks for a code" in page
    assert "Turn two-factor sign-in off" not in page
    assert 'href="/account/password/"' in page
