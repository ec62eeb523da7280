"""The background job that checks or imports a large file."""

from __future__ import annotations

from django_tasks import task

from muster.imports.batches import run_step


@task()
def run_import_step(batch_id: int, commit: bool) -> str:
    """Check (or, with `commit`, import) one batch; returns its status."""
    return str(run_step(batch_id, commit=commit).status)
