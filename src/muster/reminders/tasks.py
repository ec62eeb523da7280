"""The scheduled job, as a django-tasks task the worker (`muster manage db_worker`) runs."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from muster.reminders import services


@task()
def send_due_reminders(today: str | None = None) -> dict[str, int]:
    """Send the reminders due on `today` (ISO date; the local date when None)."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    summary = services.send_due_reminders(day)
    return {
        "reminders": summary.reminders,
        "emails": summary.emails,
        "skipped_no_address": summary.skipped_no_address,
    }
