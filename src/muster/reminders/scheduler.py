"""One turn of `muster scheduler`: queue the reminders job, and optionally run the queue."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from muster.core.worker import DATABASE_BACKEND
from muster.reminders.tasks import send_due_reminders


def tick(*, run_worker: bool = False) -> str:
    """Queue today's reminders job (running it twice sends nothing twice); with `run_worker`
    and the database backend, run every queued job now. Returns the queued job's id."""
    result = send_due_reminders.enqueue(timezone.localdate().isoformat())
    # Other backends (the immediate one) have already run the job.
    if run_worker and settings.TASKS["default"]["BACKEND"] == DATABASE_BACKEND:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    return str(result.id)
