"""The job through django-tasks' database backend, its worker, and `muster scheduler`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from muster import cli
from muster.reminders.models import Reminder
from muster.reminders.tasks import send_due_reminders
from tests.reminders.conftest import on

# The worker closes its database connection, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_task_waits_in_the_database_until_the_worker_runs_it(world, verdict, addresses):
    verdict()
    result = send_due_reminders.enqueue(on(30).isoformat())
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert mail.outbox == []
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"
    result.refresh()
    assert result.return_value == {"reminders": 1, "emails": 2, "skipped_no_address": 0}
    assert [set(m.to) for m in mail.outbox] == [{"dana@osage.example", "sgt@osage.example"}]


def test_one_scheduler_turn_queues_and_runs_the_job_once(world, verdict, addresses, capsys):
    verdict()
    noon = dt.datetime.combine(on(30), dt.time(12), tzinfo=ZoneInfo("America/Chicago"))
    with time_machine.travel(noon, tick=False):
        assert cli.main(["scheduler", "--once", "--worker"]) == 0
        # A restart the same day queues the job again; it sends nothing twice.
        assert cli.main(["scheduler", "--once", "--worker"]) == 0
    assert "Reminders queued" in capsys.readouterr().out
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
    assert Reminder.objects.get().threshold == 30
    assert len(mail.outbox) == 1
