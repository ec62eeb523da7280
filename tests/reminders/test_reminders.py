"""Deadline reminders: who is told, when, once, and what the e-mail says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.test import TestCase, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.accounts.models import Role
from muster.certification.models import CertificationRequest, DocumentKind, PacketDocument
from muster.core.models import AuditEvent
from muster.reminders.models import Reminder, ReminderKind
from muster.reminders.services import (
    OFFICER_THRESHOLDS,
    RunSummary,
    due_threshold,
    send_due_reminders,
)
from tests.conftest import member
from tests.reminders.conftest import PERIOD_END, on

pytestmark = pytest.mark.django_db


def run(day: dt.date) -> RunSummary:
    """Run the job as the worker does: its e-mails go out when its transactions commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return send_due_reminders(day)


def sent_to() -> list[set[str]]:
    return [set(m.to) for m in mail.outbox]


# --- Thresholds -------------------------------------------------------------------------------


@given(
    st.lists(st.integers(min_value=-5, max_value=120), min_size=1, max_size=30).map(
        lambda xs: sorted(set(xs), reverse=True)
    )
)
def test_each_threshold_at_most_once_and_the_latest_crossed_is_sent(days_seq):
    """Whatever days the job runs on (days left only go down), each threshold is sent at most
    once, the one just crossed is always sent, and older ones skipped over are not."""
    sent: list[int] = []
    for days in days_seq:
        threshold = due_threshold(days, OFFICER_THRESHOLDS)
        if threshold is not None and threshold not in sent:
            sent.append(threshold)
        if 0 <= days <= max(OFFICER_THRESHOLDS):
            latest = min(t for t in OFFICER_THRESHOLDS if t >= days)
            assert latest in sent
    assert len(sent) == len(set(sent))
    assert sent == sorted(sent, reverse=True)
    # Only thresholds some run actually reached as the latest are sent, never skipped ones.
    reached = {due_threshold(d, OFFICER_THRESHOLDS) for d in days_seq} - {None}
    assert set(sent) == reached


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=8).map(
        lambda xs: sorted(set(xs), reverse=True)
    )
)
def test_runs_on_any_days_send_each_threshold_once(world, verdict, addresses, days_seq):
    Reminder.objects.all().delete()
    verdict()
    for days in days_seq:
        run(on(days))
    thresholds = list(
        Reminder.objects.filter(kind=ReminderKind.DEFICIENCY).values_list("threshold", flat=True)
    )
    assert len(thresholds) == len(set(thresholds))
    last = due_threshold(days_seq[-1], OFFICER_THRESHOLDS)
    if last is not None:
        assert last in thresholds


def test_a_missed_day_sends_only_the_latest_threshold(world, verdict, addresses):
    verdict()
    run(on(25))  # nothing ran at 90, 60 or 30 days
    assert list(Reminder.objects.values_list("threshold", flat=True)) == [30]
    run(on(24))
    assert Reminder.objects.count() == 1
    run(on(7))
    assert sorted(Reminder.objects.values_list("threshold", flat=True)) == [7, 30]


def test_nothing_before_90_days_or_after_the_deadline(world, verdict, addresses):
    verdict()
    run(on(91))
    run(PERIOD_END + dt.timedelta(days=1))
    assert mail.outbox == []
    assert not Reminder.objects.exists()


def test_grace_moves_the_deadline(world, verdict, addresses):
    verdict(grace_until=PERIOD_END + dt.timedelta(days=60))
    run(on(30))  # 90 days to the end of grace
    assert list(Reminder.objects.values_list("threshold", flat=True)) == [90]


# --- Recipients -------------------------------------------------------------------------------


def test_officer_and_supervisors_above_the_unit_are_told(world, verdict, addresses):
    north_sgt = member(Role.SUPERVISOR, world.agency, unit=world.north)
    north_sgt.email = "north@osage.example"
    north_sgt.save()
    traffic_sgt = member(Role.SUPERVISOR, world.agency, unit=world.traffic)
    traffic_sgt.email = "traffic@osage.example"
    traffic_sgt.save()
    verdict()
    summary = run(on(60))
    assert summary.reminders == 1
    assert sent_to() == [{"dana@osage.example", "sgt@osage.example", "north@osage.example"}]


def test_an_officer_without_an_address_still_has_supervisors_told(world, verdict, addresses):
    world.officer_user.email = ""
    world.officer_user.save()
    verdict()
    run(on(7))
    assert sent_to() == [{"sgt@osage.example"}]


def test_no_email_for_compliant_or_exempt_officers(world, verdict, addresses):
    verdict(status="compliant")
    run(on(30))
    verdict(status="exempt")
    run(on(7))
    assert mail.outbox == []
    assert not Reminder.objects.exists()


def test_nobody_to_tell_records_nothing(world, verdict):
    verdict()
    summary = run(on(30))
    assert summary.skipped_no_address == 1
    assert not Reminder.objects.exists()


# --- Once, and audited ------------------------------------------------------------------------


def test_two_runs_on_one_day_send_once_and_audit_the_recipients(world, verdict, addresses):
    verdict()
    run(on(30))
    run(on(30))
    assert len(mail.outbox) == 1
    event = AuditEvent.objects.get(action="reminder.sent")
    assert event.after["recipients"] == ["dana@osage.example", "sgt@osage.example"]
    assert event.after["threshold"] == 30
    assert "Firearms" not in str(event.after)  # the recipients, not the content
    assert event.agency_id == world.agency.pk


def test_a_reminder_recorded_before_a_crash_is_not_sent_again(world, verdict, addresses):
    """At most once: the row is written first, so a run after a crash sends nothing."""
    verdict()
    Reminder.objects.create(
        kind=ReminderKind.DEFICIENCY, object_id=world.officer.pk, period="2027", threshold=30,
        days_left=30, agency=world.agency, recipients=["dana@osage.example"],
    )  # fmt: skip
    run(on(30))
    assert mail.outbox == []


def test_a_failed_send_does_not_undo_the_record(world, verdict, addresses, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    def boom(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", boom)
    verdict()
    run(on(30))
    assert Reminder.objects.count() == 1


# --- Templates --------------------------------------------------------------------------------


@override_settings(MUSTER_BASE_URL="https://muster.osage.example")
def test_the_email_says_what_is_missing_and_links_to_the_officer(world, verdict, addresses):
    verdict()
    run(on(7))
    message = mail.outbox[0]
    url = f"https://muster.osage.example/officers/{world.officer.pk}/"
    assert "7 days left" in message.subject
    assert "Dana Reyes" in message.subject
    for body in (message.body, message.alternatives[0][0]):
        assert "Continuing education: 6.5 credit hours short" in body
        assert "Firearms qualification: 1 still needed" in body
        assert "Ethics" not in body  # met
        assert "Wednesday 30 June 2027" in body
        assert url in body
    assert message.alternatives[0][1] == "text/html"
    assert f'<a href="{url}">' in message.alternatives[0][0]
    assert "style=" not in message.alternatives[0][0]


# --- Liaisons ---------------------------------------------------------------------------------


def draft(world, line_in_days: int, today: dt.date) -> CertificationRequest:
    return CertificationRequest.objects.create(
        agency=world.agency, liaison=world.officer, created_by=world.officer_user,
        class_name="Search and Seizure Update", hours=Decimal(4), location="Training Center",
        first_delivery_on=today + dt.timedelta(days=30 + line_in_days),
    )  # fmt: skip


@override_settings(MUSTER_BASE_URL="https://muster.osage.example")
def test_the_liaison_is_reminded_before_the_30_day_line(world, addresses):
    today = dt.date(2026, 11, 20)
    request = draft(world, 7, today)
    PacketDocument.objects.create(
        request=request, kind=DocumentKind.LESSON_PLAN, file="x.pdf", original_name="x.pdf",
        uploaded_by=world.officer_user,
    )  # fmt: skip
    run(today)
    run(today)
    assert sent_to() == [{"dana@osage.example"}]
    message = mail.outbox[0]
    url = f"https://muster.osage.example/course-certification/{request.pk}/"
    for body in (message.body, message.alternatives[0][0]):
        assert "Search and Seizure Update" in body
        assert "7 days left" in body
        assert "Learning objectives" in body
        assert "Lesson plan" not in body  # present
        assert url in body
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.threshold) == (ReminderKind.CERTIFICATION, 7)


def test_no_liaison_reminder_far_from_the_line_or_once_complete(world, addresses):
    today = dt.date(2026, 11, 20)
    draft(world, 20, today)
    done = draft(world, 3, today)
    CertificationRequest.objects.filter(pk=done.pk).update(
        packet_completed_at=dt.datetime.now(dt.UTC)
    )
    run(today)
    assert mail.outbox == []
