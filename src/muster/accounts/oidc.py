"""The OpenID Connect side of single sign-on: configuration, provider discovery, and the
authentication backend that exchanges the provider's code for a verified ID token.

Everything is read from settings when it is needed, never at import time, and the provider is
only contacted when someone actually signs in with it: a provider that is down costs the
people who use it a clear error page, and nobody else anything.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core import checks
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from muster.accounts.models import User

if TYPE_CHECKING:
    from muster.accounts.sso import SsoClaims

# What the session keeps about a single sign-on login: the issuer, and the ID token that the
# provider's end-session endpoint asks for as a hint at sign-out.
SESSION_KEY = "muster_sso"
BACKEND_PATH = "muster.accounts.oidc.SsoBackend"
# A provider's discovery document is re-read after this long, so rotated endpoints are seen.
DISCOVERY_TTL_SECONDS = 3600
# Allowed clock difference between Muster and the provider when checking a token's times.
CLOCK_LEEWAY_SECONDS = 60


class ProviderUnavailable(Exception):
    """The single sign-on provider could not be reached or answered with a server error."""


class TokenRejected(Exception):
    """The provider's answer could not be verified (signature, nonce, audience, issuer...)."""


@dataclass(frozen=True)
class SsoSettings:
    """Single sign-on as configured in settings (from the MUSTER_OIDC_* environment)."""

    issuer: str
    client_id: str
    client_secret: str
    name: str
    create_users: bool
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str
    end_session: bool
    timeout: float
    sign_algo: str

    @property
    def has_explicit_endpoints(self) -> bool:
        """The endpoints a sign-in needs are all given, so no discovery is needed."""
        return bool(self.authorization_endpoint and self.token_endpoint and self.jwks_uri)

    @property
    def enabled(self) -> bool:
        """Both the client's credentials and a way to find the provider are configured."""
        return bool(
            self.client_id and self.client_secret and (self.issuer or self.has_explicit_endpoints)
        )


def sso_settings() -> SsoSettings:
    """The single sign-on settings in force now (tests change them per test)."""
    return SsoSettings(
        issuer=getattr(settings, "MUSTER_OIDC_ISSUER", ""),
        client_id=getattr(settings, "MUSTER_OIDC_CLIENT_ID", ""),
        client_secret=getattr(settings, "MUSTER_OIDC_CLIENT_SECRET", ""),
        name=getattr(settings, "MUSTER_OIDC_NAME", "") or "single sign-on",
        create_users=getattr(settings, "MUSTER_OIDC_CREATE_USERS", False),
        authorization_endpoint=getattr(settings, "MUSTER_OIDC_AUTHORIZATION_ENDPOINT", ""),
        token_endpoint=getattr(settings, "MUSTER_OIDC_TOKEN_ENDPOINT", ""),
        userinfo_endpoint=getattr(settings, "MUSTER_OIDC_USERINFO_ENDPOINT", ""),
        jwks_uri=getattr(settings, "MUSTER_OIDC_JWKS_URI", ""),
        end_session_endpoint=getattr(settings, "MUSTER_OIDC_END_SESSION_ENDPOINT", ""),
        end_session=getattr(settings, "MUSTER_OIDC_END_SESSION", True),
        timeout=float(getattr(settings, "MUSTER_OIDC_TIMEOUT", 10.0)),
        sign_algo=getattr(settings, "OIDC_RP_SIGN_ALGO", "RS256"),
    )


@dataclass(frozen=True)
class ProviderEndpoints:
    """Where the provider's authorization, token, userinfo, key and end-session services are."""

    authorization: str
    token: str
    userinfo: str
    jwks_uri: str
    end_session: str
    # Whether the token endpoint takes the client secret in the form (else HTTP Basic).
    client_secret_post: bool


_discovery_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_discovery_lock = threading.Lock()


def forget_discovery() -> None:
    """Drop every cached discovery document (tests; a provider that moved its endpoints)."""
    with _discovery_lock:
        _discovery_cache.clear()


def _discover(issuer: str, timeout: float) -> dict[str, Any]:
    """The provider's discovery document, cached for an hour; failures are not cached."""
    now = time.monotonic()
    with _discovery_lock:
        cached = _discovery_cache.get(issuer)
        if cached is not None and now - cached[0] < DISCOVERY_TTL_SECONDS:
            return cached[1]
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=timeout)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"Reading {url} failed: {error}") from error
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{url} is not a discovery document.")
    # OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer it was
    # fetched for, or tokens could be checked against another provider's keys.
    if str(document.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        raise ProviderUnavailable(
            f"{url} names the issuer {document.get('issuer')!r}, not {issuer!r}."
        )
    with _discovery_lock:
        _discovery_cache[issuer] = (now, document)
    return document


def provider_endpoints(config: SsoSettings) -> ProviderEndpoints:
    """The provider's endpoints: the configured ones when all a sign-in needs are given,
    else the discovery document's, each overridden by any that is configured."""
    document: dict[str, Any] = {}
    if not config.has_explicit_endpoints:
        document = _discover(config.issuer, config.timeout)
    endpoints = ProviderEndpoints(
        authorization=config.authorization_endpoint
        or str(document.get("authorization_endpoint") or ""),
        token=config.token_endpoint or str(document.get("token_endpoint") or ""),
        userinfo=config.userinfo_endpoint or str(document.get("userinfo_endpoint") or ""),
        jwks_uri=config.jwks_uri or str(document.get("jwks_uri") or ""),
        end_session=config.end_session_endpoint or str(document.get("end_session_endpoint") or ""),
        # Discovery's default, when the provider says nothing, is client_secret_basic.
        client_secret_post="client_secret_post"
        in document.get("token_endpoint_auth_methods_supported", [])
        and "client_secret_basic" not in document.get("token_endpoint_auth_methods_supported", []),
    )
    if not (endpoints.authorization and endpoints.token and endpoints.jwks_uri):
        raise ProviderUnavailable(
            "The provider's discovery document lacks an authorization, token or jwks_uri entry."
        )
    return endpoints


def provider_logout_url(request: HttpRequest) -> str | None:
    """Where to send someone who signed in by single sign-on after Muster's own sign-out,
    so the provider's session ends too; None when not wanted, not offered or not reachable."""
    details = request.session.get(SESSION_KEY)
    config = sso_settings()
    if not isinstance(details, dict) or not config.enabled or not config.end_session:
        return None
    try:
        endpoint = provider_endpoints(config).end_session
    except ProviderUnavailable:
        return None  # Muster's own sign-out still happens; the provider's session stays.
    if not endpoint:
        return None
    params = {
        "client_id": config.client_id,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    if details.get("id_token"):
        params["id_token_hint"] = str(details["id_token"])
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{urlencode(params)}"


class SsoBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow, with Muster's checks and Muster's matching of people.

    Django builds a backend object on every request of a user who signed in through it, so
    nothing here reads the provider's configuration before `authenticate` runs.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.UserModel = get_user_model()
        self.id_token = ""
        self.claims: SsoClaims | None = None

    def get_user(self, user_id: int) -> User | None:
        # Django's own rule, which mozilla-django-oidc drops: a deactivated user's existing
        # sessions stop working at their next request.
        return ModelBackend.get_user(self, user_id)

    # Permissions are answered by the rules and model backends; this one only signs people in.
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_settings(self, attr: str, *args: Any) -> Any:
        overrides = {
            "OIDC_TOKEN_USE_BASIC_AUTH": not self._endpoints.client_secret_post,
            "OIDC_TIMEOUT": self._config.timeout,
        }
        if attr in overrides:
            return overrides[attr]
        return import_from_settings(attr, *args)

    def authenticate(
        self,
        request: HttpRequest | None,
        *,
        sso_nonce: str,
        sso_code_verifier: str | None = None,
    ) -> User | None:
        """Exchange the callback's code for tokens, verify them, and find the person.

        Takes no username or password, so Django never asks it about a password login.
        Raises ProviderUnavailable, TokenRejected, or muster.accounts.sso.SsoRefused.
        """
        config = sso_settings()
        if request is None or not config.enabled:
            return None
        self._config = config
        self._endpoints = provider_endpoints(config)
        self.OIDC_OP_TOKEN_ENDPOINT = self._endpoints.token
        self.OIDC_OP_USER_ENDPOINT = self._endpoints.userinfo
        self.OIDC_OP_JWKS_ENDPOINT = self._endpoints.jwks_uri
        self.OIDC_RP_CLIENT_ID = config.client_id
        self.OIDC_RP_CLIENT_SECRET = config.client_secret
        self.OIDC_RP_SIGN_ALGO = config.sign_algo
        self.OIDC_RP_IDP_SIGN_KEY = None
        try:
            user = super().authenticate(request, nonce=sso_nonce, code_verifier=sso_code_verifier)
        except requests.HTTPError as error:
            status = error.response.status_code if error.response is not None else 0
            if status >= 500:
                raise ProviderUnavailable(str(error)) from error
            # The provider answered, but refused the code or the client's credentials.
            raise TokenRejected(f"The provider refused the sign-in: {error}") from error
        except (requests.ConnectionError, requests.Timeout) as error:
            raise ProviderUnavailable(str(error)) from error
        except (requests.RequestException, ValueError, KeyError) as error:
            raise TokenRejected(f"The provider's answer was not understood: {error}") from error
        except (SuspiciousOperation, jwt.PyJWTError) as error:
            raise TokenRejected(str(error)) from error
        return user  # type: ignore[no-any-return]

    def get_payload_data(self, token: str, key: Any) -> dict[str, Any]:
        """The ID token's claims, once its signature, audience, issuer and times hold.

        mozilla-django-oidc skips the audience check; an ID token the provider issued to
        another application must not sign anyone in here.
        """
        header = jwt.get_unverified_header(token)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise TokenRejected(
                f"The ID token is signed with {header.get('alg')!r}, not {self.OIDC_RP_SIGN_ALGO}."
            )
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[self.OIDC_RP_SIGN_ALGO],
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=self._config.issuer or None,
            leeway=CLOCK_LEEWAY_SECONDS,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
        return claims

    def store_tokens(self, access_token: str, id_token: str) -> None:
        # Kept on the backend for the callback view, which stores it in the session only
        # after Django's login() has started the new session.
        self.id_token = id_token or ""

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User:
        """The Muster user the verified ID token names (see muster.accounts.sso)."""
        from muster.accounts.sso import SsoClaims, match_sso_identity

        userinfo: dict[str, Any] = {}
        if self.OIDC_OP_USER_ENDPOINT and access_token:
            userinfo = self.get_userinfo(access_token, id_token, payload)
            # OpenID Connect Core 5.3.2: userinfo about anyone else must not be used.
            if not isinstance(userinfo, dict) or userinfo.get("sub") != payload.get("sub"):
                raise TokenRejected("The userinfo answer is about another subject.")
        self.claims = SsoClaims.from_token(payload, userinfo)
        return match_sso_identity(claims=self.claims, create_users=self._config.create_users)


@checks.register(checks.Tags.security)
def check_sso_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn when single sign-on is half configured (it then stays off)."""
    config = sso_settings()
    mentioned = any(
        [
            config.issuer,
            config.client_id,
            config.client_secret,
            config.authorization_endpoint,
            config.token_endpoint,
            config.jwks_uri,
        ]
    )
    if not mentioned or config.enabled:
        return []
    return [
        checks.Warning(
            "Single sign-on is partly configured and therefore off.",
            hint=(
                "Set MUSTER_OIDC_CLIENT_ID, MUSTER_OIDC_CLIENT_SECRET and either "
                "MUSTER_OIDC_ISSUER or MUSTER_OIDC_AUTHORIZATION_ENDPOINT, "
                "MUSTER_OIDC_TOKEN_ENDPOINT and MUSTER_OIDC_JWKS_URI."
            ),
            id="muster.W001",
        )
    ]
