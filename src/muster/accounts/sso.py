"""Who a single sign-on is: matching the provider's verified identity to a Muster login.

The provider only ever says who someone is, never what they may do: roles and memberships are
granted in Muster alone, whatever the token carries. A person is matched by the identity
linked earlier (issuer and subject), or, the first time, by an e-mail address the provider
says it has verified; that link is audited. Everyone else is refused, unless
MUSTER_OIDC_CREATE_USERS asks for a login with no roles to be opened for them.

There is no signed-in user to check permissions against here: the authority is the ID token,
whose signature, nonce, audience and issuer muster.accounts.oidc has verified before any of
these functions run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from muster.accounts.models import ExternalIdentity, User
from muster.core.audit import record_audit, snapshot

_USER_AUDIT_EXCLUDE = ("password", "last_login")

# What a refused person is told. Unknown, unverified and ambiguous cases read alike, so the
# page does not tell a stranger which e-mail addresses have Muster logins.
NO_ACCOUNT = (
    "There is no Muster account for this sign-in. Ask your administrator to open one, "
    "or to link your existing Muster login to it."
)
DEACTIVATED = "This Muster account is deactivated. Ask your administrator."


class SsoRefused(Exception):
    """The provider vouched for someone Muster will not sign in; the refusal is audited."""

    def __init__(self, reason: str, message: str, claims: SsoClaims) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.claims = claims


@dataclass(frozen=True)
class SsoClaims:
    """What Muster uses from a verified ID token (and the provider's userinfo answer)."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    username_hint: str
    first_name: str
    last_name: str

    @classmethod
    def from_token(cls, id_token: dict[str, Any], userinfo: dict[str, Any]) -> SsoClaims:
        """Identity and e-mail from the signed ID token only; names may come from userinfo."""
        merged = {**userinfo, **id_token}
        return cls(
            issuer=str(id_token["iss"]),
            subject=str(id_token["sub"]),
            email=str(id_token.get("email") or "").strip(),
            # Only a real JSON true counts; some providers send the string "false".
            email_verified=id_token.get("email_verified") is True,
            username_hint=str(merged.get("preferred_username") or ""),
            first_name=str(merged.get("given_name") or "")[:150],
            last_name=str(merged.get("family_name") or "")[:150],
        )

    def audit_details(self, reason: str = "") -> dict[str, Any]:
        """The identity as an audit row records it."""
        details: dict[str, Any] = {
            "method": "sso",
            "issuer": self.issuer,
            "subject": self.subject,
            "email": self.email,
            "email_verified": self.email_verified,
        }
        if reason:
            details["refusal"] = reason
        return details


class SsoVisitor:
    """The audit actor for someone the provider vouched for who is not (yet) a Muster user."""

    pk = None
    is_authenticated = False

    def __init__(self, claims: SsoClaims) -> None:
        self.claims = claims

    def get_username(self) -> str:
        return f"sso:{self.claims.subject}"[:150]


def _refuse(claims: SsoClaims, reason: str, message: str, user: User | None = None) -> SsoRefused:
    """Audit a refusal (committed, though the sign-in fails) and return the error to raise."""
    with transaction.atomic():
        record_audit(
            actor=SsoVisitor(claims),
            action="sso.refused",
            obj=user,
            object_type="" if user else "accounts.externalidentity",
            object_label="" if user else f"{claims.subject} at {claims.issuer}"[:255],
            after=claims.audit_details(reason),
            reason=message,
        )
    return SsoRefused(reason, message, claims)


def _link(user: User, claims: SsoClaims, *, actor: Any) -> ExternalIdentity:
    """Link the identity to the user; runs inside the caller's transaction."""
    identity = ExternalIdentity(
        user=user,
        issuer=claims.issuer,
        subject=claims.subject,
        email_at_link=claims.email if claims.email_verified else "",
    )
    identity.full_clean(validate_unique=False, validate_constraints=False)
    identity.save()
    record_audit(
        actor=actor,
        action="sso.linked",
        obj=identity,
        after=snapshot(identity),
        reason="Linked at single sign-on by the verified e-mail address."
        if claims.email_verified and identity.email_at_link
        else "Linked at single sign-on to a new login.",
    )
    return identity


def match_sso_identity(*, claims: SsoClaims, create_users: bool) -> User:
    """The active Muster user the provider vouched for; links a first-time identity by its
    verified e-mail (or opens a login with no roles when `create_users`); audited.

    Raises SsoRefused (after auditing it) for anyone else.
    """
    identity = (
        ExternalIdentity.objects.select_related("user")
        .filter(issuer=claims.issuer, subject=claims.subject)
        .first()
    )
    if identity is not None:
        linked: User = identity.user
        if not linked.is_active:
            raise _refuse(claims, "deactivated", DEACTIVATED, linked)
        return linked

    matches = list(User.objects.filter(email__iexact=claims.email)[:2]) if claims.email else []
    if matches and not claims.email_verified:
        # Someone with this address exists, but the provider has not checked that the
        # person signing in owns it: linking would hand over that login.
        raise _refuse(claims, "email_not_verified", NO_ACCOUNT)
    if len(matches) > 1:
        raise _refuse(claims, "email_ambiguous", NO_ACCOUNT)
    if matches:
        user = matches[0]
        if not user.is_active:
            raise _refuse(claims, "deactivated", DEACTIVATED, user)
        if ExternalIdentity.objects.filter(user=user, issuer=claims.issuer).exists():
            # The login is already linked to another person at this provider.
            raise _refuse(claims, "linked_to_another_subject", NO_ACCOUNT, user)
        try:
            with transaction.atomic():
                _link(user, claims, actor=user)
        except IntegrityError:
            # The same person's sign-in in another tab linked it a moment ago.
            return match_sso_identity(claims=claims, create_users=False)
        return user

    if not create_users:
        raise _refuse(claims, "unknown", NO_ACCOUNT)
    return _create_user(claims)


def _free_username(claims: SsoClaims) -> str:
    """A username for a new login: the provider's hint or the e-mail's local part, made
    valid and unique; failing those, one derived from the subject."""
    candidates = [claims.username_hint, claims.email.split("@", 1)[0] if claims.email else ""]
    digest = hashlib.sha256(f"{claims.issuer} {claims.subject}".encode()).hexdigest()[:12]
    for candidate in candidates:
        base = re.sub(r"[^\w.@+-]", "", candidate)[:140]
        if not base:
            continue
        name = base
        for number in range(2, 50):
            if not User.objects.filter(username__iexact=name).exists():
                return name
            name = f"{base}{number}"
    return f"sso-{digest}"


def _create_user(claims: SsoClaims) -> User:
    """Open a login with no roles (it sees nothing) for a person the provider vouched for."""
    visitor = SsoVisitor(claims)
    with transaction.atomic():
        user = User(
            username=_free_username(claims),
            email=claims.email if claims.email_verified else "",
            first_name=claims.first_name,
            last_name=claims.last_name,
        )
        user.set_unusable_password()
        try:
            user.full_clean(exclude=["password"])
        except ValidationError:
            user.email = ""  # an address Django finds malformed is simply not kept
            user.full_clean(exclude=["password"])
        user.save()
        record_audit(
            actor=visitor,
            action="user.create",
            obj=user,
            after=snapshot(user, exclude=_USER_AUDIT_EXCLUDE),
            reason="Opened at first single sign-on (MUSTER_OIDC_CREATE_USERS); no roles.",
        )
        _link(user, claims, actor=visitor)
    return user


def sign_in_with_sso(request: HttpRequest, *, user: User, claims: SsoClaims, id_token: str) -> None:
    """Sign the matched user in through Django's login() (so every login check that runs
    after it, such as a second factor, applies alike) and audit the login."""
    from muster.accounts.oidc import BACKEND_PATH, SESSION_KEY

    with transaction.atomic():
        login(request, user, backend=BACKEND_PATH)
        request.session[SESSION_KEY] = {"issuer": claims.issuer, "id_token": id_token}
        ExternalIdentity.objects.filter(issuer=claims.issuer, subject=claims.subject).update(
            last_login_at=timezone.now()
        )
        record_audit(actor=user, action="login", obj=user, after=claims.audit_details())
