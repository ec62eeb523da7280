"""The demo: three states, about 150 officers, every role, deficient and on-leave officers."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.db import transaction
from django.db.models import Q, Sum

from muster.accounts.models import Membership, Role, User
from muster.agencies.models import Agency
from muster.core.audit import verify_chain
from muster.core.models import AuditEvent
from muster.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from muster.people.models import Officer, OfficerStatus
from muster.training.models import QualificationEvent, Session, TrainingRecord

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Load the demo once for the module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with time_machine.travel(dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC), tick=False):
                out = io.StringIO()
                assert load_demo(today=TODAY, stdout=out) is True
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(demo_output, db):
    return demo_output


def test_the_demo_has_an_agency_in_each_state_and_about_150_officers(demo):
    assert sorted(Agency.objects.values_list("state", flat=True)) == ["CO", "KS", "MO"]
    assert set(Agency.objects.values_list("rule_pack", flat=True)) == {
        "us-mo-clee",
        "us-ks-cpost",
        "us-co-rule28",
    }
    assert 140 <= Officer.objects.count() <= 160
    assert Officer.objects.filter(unit__isnull=True).count() == 0


def test_the_demo_spans_eighteen_months_with_qualifications_and_sessions(demo):
    first = TrainingRecord.objects.order_by("completed_on").first()
    assert first is not None
    assert (TODAY - first.completed_on).days >= 500
    assert TrainingRecord.objects.filter(completed_on__gt=TODAY).count() == 0
    assert QualificationEvent.objects.count() > 100
    assert QualificationEvent.objects.exclude(
        pk__in=QualificationEvent.objects.passed()
    ).exists()  # someone failed a qualification
    assert Session.objects.filter(starts_at__date__gt=TODAY).count() >= 6
    assert TrainingRecord.objects.filter(kind="college").exists()
    assert TrainingRecord.objects.filter(participation="instructor").exists()


def test_some_demo_officers_are_behind_and_some_are_on_leave(demo):
    minutes = Officer.objects.annotate(
        this_year=Sum(
            "training_records__minutes",
            filter=Q(training_records__completed_on__year=TODAY.year),
        )
    )
    behind = [o for o in minutes if (o.this_year or 0) < 24 * 50]
    on_track = [o for o in minutes if (o.this_year or 0) >= 24 * 50]
    assert len(behind) >= 10
    assert len(on_track) >= 50
    assert Officer.objects.filter(status=OfficerStatus.ON_LEAVE).count() >= 3


def test_every_demo_login_signs_in_and_has_its_role(demo, client):
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        assert user.check_password(DEMO_PASSWORD)
        if login.role == "superuser":
            assert user.is_superuser
        else:
            assert Membership.objects.filter(user=user, role=login.role).exists()
    assert User.objects.get(username="officer").officer is not None
    supervisor = Membership.objects.get(user__username="sergeant", role=Role.SUPERVISOR)
    assert supervisor.unit is not None
    assert supervisor.unit.name == "Patrol Division"
    assert client.login(username="training", password=DEMO_PASSWORD)
    assert "Osage Falls Police Department" in client.get("/").content.decode()


def test_the_demo_is_made_through_audited_services_and_loads_only_once(demo):
    assert "training records" in demo
    assert AuditEvent.objects.filter(action="record.create").count() == (
        TrainingRecord.objects.count()
    )
    assert AuditEvent.objects.filter(action="user.create").count() == User.objects.count()
    assert AuditEvent.objects.filter(action="user.make_site_administrator").count() == 1
    assert verify_chain() == []
    counts = (Officer.objects.count(), TrainingRecord.objects.count(), AuditEvent.objects.count())
    assert load_demo(today=TODAY) is False
    assert counts == (
        Officer.objects.count(),
        TrainingRecord.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_demo_officer_has_an_upcoming_session_and_training_this_year(demo):
    officer = User.objects.get(username="officer").officer
    assert officer.status == OfficerStatus.ACTIVE
    assert officer.enrolments.filter(session__starts_at__date__gt=TODAY).exists()
    assert officer.training_records.filter(completed_on__year=TODAY.year).exists()


def test_the_demo_has_training_unit_work_for_every_role(demo):
    from muster.certification.models import CertificationRequest
    from muster.outside.models import OutsideTrainingSubmission
    from muster.rollcall.models import RollCallReport
    from muster.training.models import AbsenceNotice, Course

    officer = User.objects.get(username="officer").officer
    sergeant = User.objects.get(username="sergeant").officer
    # A session under way today that the demo officer can sign in to, taught by the sergeant.
    today = Session.objects.get(starts_at__date=TODAY, instructors=sergeant)
    assert today.status == "scheduled"
    assert today.enrolments.filter(officer=officer, status="enrolled").exists()
    # The demo officer cannot attend their next session and waits for a new date.
    notice = AbsenceNotice.objects.get(officer=officer)
    assert notice.new_date_requested_at is not None
    assert notice.rescheduled_to is None
    # A legal course waits for HR; roll-call, outside training and certification have work.
    assert any(
        c.missing_reviews() == ["hr"] for c in Course.objects.filter(needs_legal_review=True)
    )
    assert set(RollCallReport.objects.values_list("status", flat=True)) >= {"forwarded", "entered"}
    assert set(OutsideTrainingSubmission.objects.values_list("status", flat=True)) >= {
        "submitted",
        "returned",
        "approved",
    }
    assert CertificationRequest.objects.filter(status="draft").exists()


def test_the_training_units_home_page_counts_what_waits_for_it(demo, client):
    with time_machine.travel(dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC), tick=False):
        client.login(username="training", password=DEMO_PASSWORD)
        page = client.get("/").content.decode()
        client.login(username="officer", password=DEMO_PASSWORD)
        officer_page = client.get("/").content.decode()
    assert "Waiting for the Training Unit" in page
    for label in (
        "outside-training submissions to review",
        "roll-call reports to enter",
        "course certification requests submitted",
        "members waiting for a new training date",
    ):
        assert label in page
    assert "Waiting for the Training Unit" not in officer_page
    # The session under way today is listed among the officer's sessions.
    under_way = Session.objects.get(
        starts_at__date=TODAY, enrolments__officer__user__username="officer"
    )
    assert f'href="/sessions/{under_way.pk}/"' in officer_page


def test_demo_staff_sign_in_with_the_code_the_second_step_shows(demo, client):
    """Demo staff must use two-factor sign-in like anyone's; their demo authenticator's code is
    on the page, so the demo stays usable without a phone."""
    import re

    from django.urls import reverse

    login = client.post(reverse("login"), {"username": "sergeant", "password": DEMO_PASSWORD})
    assert login["Location"].startswith(reverse("login-verify"))
    page = client.get(login["Location"]).content.decode()
    code = re.search(r'<code id="demo-code">(\d{6})</code>', page).group(1)
    assert client.post(reverse("login-verify"), {"otp_token": code})["Location"] == "/"
    assert "_auth_user_id" in client.session
    client.post(reverse("logout"))

    # Signing in again at once works: the page shows the next code not yet used.
    client.post(reverse("login"), {"username": "sergeant", "password": DEMO_PASSWORD})
    page = client.get(reverse("login-verify")).content.decode()
    second = re.search(r'<code id="demo-code">(\d{6})</code>', page).group(1)
    assert client.post(reverse("login-verify"), {"otp_token": second}).status_code == 302
    client.post(reverse("logout"))

    # Officers have no authenticator, and nobody else is shown a code.
    officer = client.post(reverse("login"), {"username": "officer", "password": DEMO_PASSWORD})
    assert officer["Location"] == "/"
    officer_user = User.objects.get(username="officer")
    from muster.demo import demo_code_for

    assert demo_code_for(officer_user) is None


def test_the_demo_has_a_records_release_released_and_one_waiting(demo, client):
    from muster.release.models import Disclosure, ReleaseRequest

    officer = User.objects.get(username="officer").officer
    released = ReleaseRequest.objects.get(status="released")
    assert released.officer == officer
    assert released.decided_by.username == "counsel"
    # Counsel narrowed the fields: the scores were asked for but not approved.
    assert "score" in released.fields
    assert "score" not in released.approved_fields
    disclosure = Disclosure.objects.get(request=released)
    assert disclosure.record_count > 0
    assert ReleaseRequest.objects.filter(status="submitted").exclude(officer=officer).exists()
    with time_machine.travel(dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC), tick=False):
        client.login(username="officer", password=DEMO_PASSWORD)
        own_page = client.get(f"/officers/{officer.pk}/").content.decode()
        client.login(username="counsel", password=DEMO_PASSWORD)
        counsel_home = client.get("/").content.decode()
    assert released.number in own_page
    assert "Jordan Pike" in own_page
    assert "1</strong> records release requests to decide" in counsel_home


def test_the_demo_keeps_records_by_schedule_with_a_hold_and_a_batch_to_approve(demo):
    from muster.retention.models import DispositionBatch, LegalHold, RetentionSchedule, Series
    from muster.retention.report import disposition_report

    for agency in Agency.objects.all():
        assert RetentionSchedule.objects.filter(agency=agency).count() == len(Series.values)
    hold = LegalHold.objects.active().get()
    assert hold.placed_by == User.objects.get(username="counsel")
    assert hold.officer is not None
    assert hold.officer.status == OfficerStatus.SEPARATED
    batch = DispositionBatch.objects.get()
    assert batch.status == "proposed"
    assert batch.proposed_by == User.objects.get(username="chief")
    officers = set(batch.items.values_list("officer_id", flat=True))
    assert len(officers) == 1
    assert hold.officer_id not in officers
    assert batch.items.count() == 4  # three training records and a qualification
    report = disposition_report(hold.agency, today=TODAY)
    assert {r.officer_id for r in report.held} == {hold.officer_id}
    assert report.proposable() == []
