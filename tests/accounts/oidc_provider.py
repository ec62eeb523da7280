"""A small OpenID Connect provider for tests, on 127.0.0.1 at a random port.

It serves discovery, its signing key (JWKS), an authorization endpoint that approves the
configured person at once and sends the browser back with a code, a token endpoint that
answers with an RS256-signed ID token, userinfo, and an end-session endpoint. Attributes
make it misbehave on purpose (sign with a stranger's key, echo the wrong nonce, ...).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "muster-test"
CLIENT_SECRET = "test-client-secret"
KEY_ID = "test-key-1"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


_shared_key: rsa.RSAPrivateKey | None = None


def _provider_key() -> rsa.RSAPrivateKey:
    """One signing key for every test provider of the run (making one takes a while)."""
    global _shared_key
    if _shared_key is None:
        _shared_key = _new_key()
    return _shared_key


@dataclass
class Person:
    """Who the provider says is signing in."""

    sub: str = "sso-subject-1"
    email: str = "dana@example.gov"
    email_verified: Any = True
    given_name: str = "Dana"
    family_name: str = "Reyes"
    preferred_username: str = "dana.reyes"
    extra: dict[str, Any] = field(default_factory=dict)

    def claims(self) -> dict[str, Any]:
        claims = {
            "sub": self.sub,
            "email": self.email,
            "email_verified": self.email_verified,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "preferred_username": self.preferred_username,
        }
        claims.update(self.extra)
        return {k: v for k, v in claims.items() if v is not None}


class TestProvider:
    """The provider; `start()` it, point Muster at `issuer`, `stop()` it."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self.key = _provider_key()
        self.person = Person()
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self.offer_end_session = True
        # Misbehaviour on purpose, for tests of what Muster refuses.
        self.sign_with_stranger_key = False
        self.nonce_override: str | None = None
        self.audience_override: str | None = None
        self.issuer_override: str | None = None
        # What happened, for assertions.
        self.token_requests: list[dict[str, str]] = []
        self.end_session_requests: list[dict[str, str]] = []
        self._codes: dict[str, dict[str, Any]] = {}
        self._tokens: dict[str, dict[str, Any]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def issuer(self) -> str:
        assert self._server is not None, "start() the provider first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> TestProvider:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    # --- What the endpoints answer ---------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        issuer = self.issuer
        document = {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
        }
        if self.offer_end_session:
            document["end_session_endpoint"] = f"{issuer}/logout"
        return document

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": KEY_ID, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def authorize(self, query: dict[str, str]) -> str:
        """Approve at once: the address to send the browser back to."""
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            raise ValueError("unknown client or response type")
        code = secrets.token_urlsafe(16)
        self._codes[code] = {
            "redirect_uri": query["redirect_uri"],
            "nonce": query.get("nonce"),
            "code_challenge": query.get("code_challenge"),
            "claims": self.person.claims(),
        }
        back = {"code": code, "state": query.get("state", "")}
        return f"{query['redirect_uri']}?{urlencode(back)}"

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        """Trade a code for tokens (once), after checking the client and PKCE."""
        self.token_requests.append(dict(form))
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        if authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization[6:]).decode()
            client_id, _, client_secret = decoded.partition(":")
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client"}
        grant = self._codes.pop(form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        if grant["code_challenge"]:
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if challenge != grant["code_challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        now = int(time.time())
        claims = dict(grant["claims"])
        payload = {
            **claims,
            "iss": self.issuer_override or self.issuer,
            "aud": self.audience_override or self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce_override or grant["nonce"],
        }
        key = _new_key() if self.sign_with_stranger_key else self.key
        id_token = jwt.encode(payload, key, algorithm="RS256", headers={"kid": KEY_ID})
        access_token = secrets.token_urlsafe(16)
        self._tokens[access_token] = claims
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    def userinfo(self, authorization: str) -> tuple[int, dict[str, Any]]:
        claims = self._tokens.get(authorization.removeprefix("Bearer "))
        if claims is None:
            return 401, {"error": "invalid_token"}
        return 200, claims


def _handler_for(provider: TestProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._json(200, provider.discovery())
            elif url.path == "/jwks":
                self._json(200, provider.jwks())
            elif url.path == "/authorize":
                try:
                    self._redirect(provider.authorize(query))
                except (KeyError, ValueError):
                    self._json(400, {"error": "invalid_request"})
            elif url.path == "/userinfo":
                self._json(*provider.userinfo(self.headers.get("Authorization", "")))
            elif url.path == "/logout" and provider.offer_end_session:
                provider.end_session_requests.append(query)
                self._redirect(query.get("post_logout_redirect_uri", provider.issuer))
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
            if urlsplit(self.path).path == "/token":
                self._json(*provider.token(form, self.headers.get("Authorization", "")))
            else:
                self._json(404, {"error": "not_found"})

    return Handler


def point_muster_at(settings: Any, provider: TestProvider, **extra: Any) -> None:
    """Turn single sign-on on for this test (pytest-django's `settings`) against `provider`."""
    from muster.accounts.oidc import forget_discovery

    forget_discovery()
    settings.MUSTER_OIDC_ISSUER = provider.issuer
    settings.MUSTER_OIDC_CLIENT_ID = provider.client_id
    settings.MUSTER_OIDC_CLIENT_SECRET = provider.client_secret
    settings.MUSTER_OIDC_NAME = "Test County ID"
    settings.MUSTER_OIDC_TIMEOUT = 5.0
    for name, value in extra.items():
        setattr(settings, name, value)
