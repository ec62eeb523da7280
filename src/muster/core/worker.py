"""The background worker inside `muster serve`, so a single-process install runs its jobs.

Large imports and the reminders job are django-tasks jobs in the database. A deployment with
several processes runs `muster manage db_worker` beside the web servers instead (`muster
serve --no-worker`); both take jobs from the same table, each job once.
"""

from __future__ import annotations

import os
import threading

from django.conf import settings

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"


def start_worker_thread(interval: float = 1.0) -> threading.Thread | None:
    """Start a daemon thread that runs queued jobs; None when jobs do not go to the database."""
    if settings.TASKS["default"]["BACKEND"] != DATABASE_BACKEND:
        return None
    # The worker class of django-tasks-db's own command; its signal handlers are only set up by
    # that command, so it runs in a thread as it is.
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["default"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"serve-{os.getpid()}",
        excluded_queue_names=[],
    )
    thread = threading.Thread(target=worker.run, name="muster-worker", daemon=True)
    thread.start()
    return thread
