"""The background worker inside `muster serve`, so a single-process install runs its jobs.

Large imports and the reminders job are django-tasks jobs in the database. A deployment with
several processes runs `muster manage db_worker` beside the web servers instead (`muster
serve --no-worker`); both take jobs from the same table, each job once.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from django.conf import settings
from django.db import connections

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"


class WorkerThread(threading.Thread):
    """A daemon thread that runs queued jobs until stop() is called or the process ends."""

    def __init__(self, worker: Any) -> None:
        super().__init__(name="muster-worker", daemon=True)
        self.worker = worker

    def run(self) -> None:
        """Take and run jobs; close this thread's database connections when told to stop, so a
        stopped worker leaves no session open (a test database could not be dropped)."""
        try:
            self.worker.run()
        finally:
            connections.close_all()

    def stop(self, timeout: float = 30.0) -> None:
        """Let the job under way finish, then end the thread (waits up to `timeout` seconds)."""
        self.worker.running = False
        self.join(timeout)


def start_worker_thread(interval: float = 1.0) -> WorkerThread | None:
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
    thread = WorkerThread(worker)
    thread.start()
    return thread
