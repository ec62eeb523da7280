"""E-learning integrations, their activity-to-course mappings and the statements they send."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Integration(models.Model):
    """One e-learning provider's login to the xAPI endpoint, for one agency."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="xapi_integrations"
    )
    name = models.CharField(
        max_length=120, help_text="The provider, as the Training Unit names it."
    )
    key = models.CharField(max_length=40, unique=True, help_text="The Basic auth username.")
    # Only the hash is kept (Django's password hashers); the secret is shown once.
    secret_hash = models.CharField(max_length=256)
    active = models.BooleanField(default=True)
    # The login the endpoint acts as when it enters training records: it has no usable
    # password, so nobody signs in with it; audit rows name it.
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="xapi_integration"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class ActivityMapping(models.Model):
    """An activity id (IRI) of an integration and the agency course it credits."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="mappings")
    activity_id = models.CharField(max_length=500)
    course = models.ForeignKey("training.Course", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["activity_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "activity_id"], name="xapi_mapping_unique_activity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} → {self.course}"


class Statement(models.Model):
    """One statement received from an integration, stored whether or not it was credited."""

    integration = models.ForeignKey(
        Integration, on_delete=models.PROTECT, related_name="statements"
    )
    statement_id = models.UUIDField()
    raw = models.JSONField()
    verb = models.CharField(max_length=500)
    actor_mbox = models.CharField(max_length=320, blank=True)
    actor_account = models.CharField(max_length=200, blank=True)
    activity_id = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    credited = models.BooleanField(default=False)
    reason = models.CharField(max_length=300, blank=True, help_text="Why it was not credited.")
    record = models.ForeignKey(
        "training.TrainingRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "statement_id"], name="xapi_statement_unique_id"
            )
        ]

    def __str__(self) -> str:
        return str(self.statement_id)
