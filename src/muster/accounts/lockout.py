"""Locking out repeated failed sign-ins (django-axes), per username and per address.

Settings (see settings.py, "Signing in"): MUSTER_LOCKOUT_FAILURES for one username,
MUSTER_LOCKOUT_ADDRESS_FAILURES for one address, MUSTER_LOCKOUT_MINUTES for how long a lock
lasts, MUSTER_PROXY_COUNT for where the address comes from.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from muster.accounts.security import client_address, record_failed_login, record_lockout

# A wrong code at the second step counts as a failed sign-in too; the view sends the signal
# with this key so the audit row says "otp.failed" rather than "login.failed".
SECOND_FACTOR = "second_factor"
# The pages whose answer becomes the locked-out page when a lock holds.
SIGN_IN_PAGES = frozenset({"login", "login-verify", "admin:login"})


def client_ip(request: HttpRequest) -> str | None:
    """The address axes counts failures against (AXES_CLIENT_IP_CALLABLE).

    An IPv6 client is counted by its /64 network: one connection is usually handed a whole
    /64, and counting each address apart would let it try a fresh one for every guess.
    """
    address = client_address(request)
    if address is None:
        return None
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:  # an IPv4 client seen through an IPv6 socket
            return str(parsed.ipv4_mapped)
        # Its network's first address stands for the /64 (axes stores an address, not a
        # network: PostgreSQL's inet column would refuse "2001:db8::/64").
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return address


def _is_address_only(parameter: Any) -> bool:
    return parameter in ("ip_address", ["ip_address"], ("ip_address",))


class MusterAxesHandler(AxesDatabaseHandler):
    """axes' database handler, with its own limit for the address.

    axes compares every lockout parameter with one failure limit (the username's). The
    address count is scaled so that it reaches that limit exactly when it reaches
    MUSTER_LOCKOUT_ADDRESS_FAILURES: count * account_limit // address_limit >= account_limit
    holds exactly when count >= address_limit.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        account_limit = get_failure_limit(request, credentials)
        address_limit = max(1, int(settings.MUSTER_LOCKOUT_ADDRESS_FAILURES))
        parameters = get_lockout_parameters(request, credentials)
        attempts_list = self.get_user_attempts(request, credentials)
        worst = 0
        for parameter, attempts in zip(parameters, attempts_list, strict=True):
            count = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if _is_address_only(parameter):
                count = count * account_limit // address_limit
            worst = max(worst, int(count))
        return worst


def locked_out_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page shown instead of the login form while a lock holds (AXES_LOCKOUT_CALLABLE).

    It says the same whether the username exists or not, and whether the username or the
    address is locked, so it tells nobody which logins are real. Other pages that check a
    password (the session kiosk) count towards the lock too, so they cannot be used to guess
    around it, but keep their own answer: they are not where people sign in.
    """
    match = getattr(request, "resolver_match", None)
    if original_response is not None and (match is None or match.view_name not in SIGN_IN_PAGES):
        return original_response
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": settings.MUSTER_LOCKOUT_MINUTES},
        status=429,
    )


@receiver(user_login_failed, dispatch_uid="muster-audit-failed-login")
def audit_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """One "login.failed" audit row per wrong username or password.

    A refusal because of a lock is audited as "login.locked" instead (axes' handler runs
    first and marks the request), and a wrong second-step code as "otp.failed".
    """
    if request is None or credentials.get(SECOND_FACTOR):
        return
    if getattr(request, "axes_locked_out", False):
        return
    record_failed_login(username=str(credentials.get("username") or ""), request=request)


@receiver(user_locked_out, dispatch_uid="muster-audit-lockout")
def audit_lockout(sender: Any, request: HttpRequest, username: str | None, **kwargs: Any) -> None:
    """One "login.locked" audit row for the failure that sets a lock and for each attempt
    refused while it holds."""
    record_lockout(username=username or "", request=request)
