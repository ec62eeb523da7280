"""User accounts and the roles they hold in agencies or at a state commission."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

if TYPE_CHECKING:
    from muster.accounts.scope import Scope


class Role(models.TextChoices):
    """What a person does in an agency (or, for commission staff, in a state)."""

    OFFICER = "officer", "Officer"
    SUPERVISOR = "supervisor", "Supervisor"
    TRAINING_STAFF = "training_staff", "Training staff"
    # Approves POST course certification requests inside the 30-day line (policy IV.G.1.b).
    TRAINING_DIRECTOR = "training_director", "Training Center Director or designee"
    RECORDS_CUSTODIAN = "records_custodian", "Records custodian"
    COUNSEL_HR = "counsel_hr", "General counsel / HR reviewer"
    AGENCY_ADMIN = "agency_admin", "Agency administrator"
    COMMISSION_STAFF = "commission_staff", "Commission staff"


# Roles that read every officer's record in their agency.
AGENCY_WIDE_ROLES = frozenset(
    {
        Role.TRAINING_STAFF,
        Role.TRAINING_DIRECTOR,
        Role.RECORDS_CUSTODIAN,
        Role.COUNSEL_HR,
        Role.AGENCY_ADMIN,
    }
)
# Roles that may enter and correct training records, courses and sessions: the Training
# Unit members the agency designates for entry and inquiry (policy IV.B.3).
TRAINING_WRITE_ROLES = frozenset({Role.TRAINING_STAFF, Role.TRAINING_DIRECTOR, Role.AGENCY_ADMIN})


class User(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp is untyped
    """A person who signs in: an officer, agency staff, or commission staff."""

    officer = models.OneToOneField(
        "people.Officer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="user",
        help_text="The officer this login belongs to, when the person is one.",
    )

    _scope_cache: Scope | None = None

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        full = self.get_full_name()
        return full or self.username

    @property
    def scope(self) -> Scope:
        """What this user may read; computed once per request (the user object lives that long)."""
        from muster.accounts.scope import compute_scope

        if self._scope_cache is None:
            self._scope_cache = compute_scope(self)
        return self._scope_cache

    def forget_scope(self) -> None:
        """Drop the cached scope after memberships change."""
        self._scope_cache = None

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        self._scope_cache = None
        super().refresh_from_db(*args, **kwargs)


class MembershipQuerySet(models.QuerySet["Membership"]):
    """Memberships in force."""

    def active(self) -> MembershipQuerySet:
        return self.filter(ended_at__isnull=True)


class Membership(models.Model):
    """One role a user holds in one agency (or, for commission staff, in one state)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    unit = models.ForeignKey(
        "agencies.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervisor_memberships",
        help_text="For supervisors: the unit they supervise (its sub-units are included).",
    )
    state = models.CharField(
        max_length=2, blank=True, help_text="For commission staff: the state they work for."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Ended memberships are kept, not deleted, so the audit trail still names real roles.
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user", "role"]
        constraints = [
            models.CheckConstraint(
                name="membership_commission_has_state_not_agency",
                condition=(
                    Q(role="commission_staff", agency__isnull=True, unit__isnull=True)
                    & ~Q(state="")
                )
                | (~Q(role="commission_staff") & Q(agency__isnull=False, state="")),
            ),
            models.CheckConstraint(
                name="membership_unit_only_for_supervisors",
                condition=Q(role="supervisor", unit__isnull=False)
                | (~Q(role="supervisor") & Q(unit__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        where = self.unit or self.agency or self.state
        return f"{self.user} — {self.get_role_display()} ({where})"


# --- Recovery codes ------------------------------------------------------------------------
# django-otp's own static device keeps its codes in clear text; these keep only a salted
# SHA-256 digest of each. A code carries about 59 random bits, so a fast hash is enough: a
# copy of the database does not give the codes back.
RECOVERY_CODE_COUNT = 10
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_CODE_LENGTH = 12


def normalise_recovery_code(code: str) -> str:
    """A recovery code as stored: lower case, without the spaces and dashes people type."""
    return "".join(ch for ch in code.lower() if ch not in " -\t")


def _new_salt() -> str:
    return secrets.token_hex(16)


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A user's one-time recovery codes: each signs in once, in place of the authenticator."""

    salt = models.CharField(max_length=32, default=_new_salt)

    class Meta:
        verbose_name = "recovery code set"

    def get_throttle_factor(self) -> int:
        """Seconds of the doubling wait after each wrong code (django-otp's throttling)."""
        return 1

    def digest(self, code: str) -> str:
        """The stored form of one code."""
        text = f"{self.salt}:{normalise_recovery_code(code)}"
        return hashlib.sha256(text.encode()).hexdigest()

    def replace_codes(self) -> list[str]:
        """Forget every code and make RECOVERY_CODE_COUNT new ones; returns them, grouped
        for reading (the only time they exist in clear)."""
        self.codes.all().delete()
        plain = [
            "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
            for _ in range(RECOVERY_CODE_COUNT)
        ]
        self.codes.bulk_create([RecoveryCode(device=self, digest=self.digest(c)) for c in plain])
        return ["-".join(code[i : i + 4] for i in range(0, _CODE_LENGTH, 4)) for code in plain]

    def remaining(self) -> int:
        """How many codes are still unused."""
        return int(self.codes.count())

    def verify_token(self, token: str) -> bool:
        """Use up one code: True (and the code is gone) when it was one of ours."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        used, _ = self.codes.filter(digest=self.digest(token)).delete()
        if used:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False


class RecoveryCode(models.Model):
    """The digest of one unused recovery code; the row is deleted when the code is used."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return f"recovery code of {self.device.user_id}"


class ExternalIdentity(models.Model):
    """A person's account at the single sign-on provider, linked to their Muster login."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="external_identities")
    # The provider's issuer URL and its never-reassigned id for the person ("sub"): together
    # they name one person for good, unlike an e-mail address, which can change hands.
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    email_at_link = models.EmailField(
        blank=True, help_text="The verified e-mail address that linked this identity, if any."
    )
    linked_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    objects: models.Manager[ExternalIdentity] = models.Manager()

    class Meta:
        ordering = ["user", "issuer"]
        verbose_name = "single sign-on identity"
        verbose_name_plural = "single sign-on identities"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="externalidentity_one_login_per_subject"
            ),
            models.UniqueConstraint(
                fields=["user", "issuer"], name="externalidentity_one_subject_per_provider"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.subject} at {self.issuer}"
