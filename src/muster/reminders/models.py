"""The record of each reminder sent, so that none is sent twice."""

from __future__ import annotations

from django.db import models


class ReminderKind(models.TextChoices):
    """What a reminder is about."""

    DEFICIENCY = "deficiency", "Officer deficient before the period's deadline"
    CERTIFICATION = "certification", "Certification packet before the 30-day line"


class Reminder(models.Model):
    """One reminder, written in the transaction that queues its e-mail; unique per threshold."""

    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    # The officer (deficiency) or the certification request (certification).
    object_id = models.PositiveBigIntegerField()
    # The period label (deficiency) or the 30-day line's date (certification): a new period
    # or a moved first delivery starts the reminders again.
    period = models.CharField(max_length=32)
    threshold = models.PositiveSmallIntegerField(help_text="Days before the deadline.")
    days_left = models.IntegerField(help_text="Days left on the day it was sent.")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "threshold", "period"], name="reminder_sent_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} {self.period} at {self.threshold} days"
