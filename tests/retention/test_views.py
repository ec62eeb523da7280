"""Retention pages: who sees them, the report and its download, proposing, approving,
executing, schedules, holds, and the hold note on the officer's page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse

from muster.accounts.models import Role
from muster.core.models import AuditEvent
from muster.retention.models import (
    BatchStatus,
    DispositionBatch,
    LegalHold,
    RetentionSchedule,
    Series,
    Trigger,
)
from muster.retention.services import approve_batch, place_hold, propose_batch
from muster.training.models import TrainingRecord
from tests.conftest import member
from tests.factories import TrainingRecordFactory, UserFactory
from tests.retention.helpers import schedule


@pytest.fixture
def due(world):
    schedule(world.agency, Series.TRAINING_RECORDS, 1, Trigger.RECORD_DATE)
    return TrainingRecordFactory(
        officer=world.officer, completed_on=dt.date(2018, 3, 1), title="Baton refresher"
    )


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(reverse("retention:report", args=[world.agency.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_custodian_goes_straight_to_their_agencys_report(client, world):
    client.force_login(world.custodian_user)
    response = client.get(reverse("retention:index"))
    assert response["Location"] == reverse("retention:report", args=[world.agency.pk])
    assert "Retention" in client.get(reverse("home")).content.decode()


def test_a_site_administrator_chooses_the_agency(client, world):
    client.force_login(UserFactory(is_superuser=True))
    page = client.get(reverse("retention:index")).content.decode()
    assert world.agency.name in page
    assert world.other_agency.name in page


@pytest.mark.parametrize("who", ["officer_user", "supervisor_user", "training_user"])
def test_other_roles_have_no_retention_pages(client, world, due, who):
    client.force_login(getattr(world, who))
    assert "Retention" not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("retention:index")).status_code == 403
    response = client.get(reverse("retention:report", args=[world.agency.pk]))
    assert response.status_code == 403
    assert "Baton refresher" not in response.content.decode()


def test_another_agencys_custodian_gets_404(client, world, due):
    client.force_login(member(Role.RECORDS_CUSTODIAN, world.other_agency))
    assert client.get(reverse("retention:report", args=[world.agency.pk])).status_code == 404
    batch = propose_batch(acting_user=world.custodian_user, agency=world.agency)
    for name in ("retention:batch_detail",):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 404
    assert client.post(reverse("retention:batch_approve", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PROPOSED


def test_the_report_counts_by_series_and_lists_each_record(client, world, due):
    client.force_login(member(Role.COUNSEL_HR, world.agency))
    page = client.get(reverse("retention:report", args=[world.agency.pk])).content.decode()
    assert "Baton refresher" in page
    assert world.officer.sort_name in page
    assert "1 year from the record&#x27;s date" in page
    assert "No schedule" in page  # the other series
    assert "Propose a disposition batch" not in page  # counsel reads, does not propose


def test_the_report_downloads_as_csv_and_the_download_is_logged(client, world, due):
    client.force_login(world.custodian_user)
    response = client.get(reverse("retention:report", args=[world.agency.pk]), {"export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Series,Record,What,Officer")
    assert f"#{due.pk}" in text
    assert "Baton refresher" in text
    assert "2019-03-02" in text
    event = AuditEvent.objects.get(action="retention.report_export")
    assert event.after == {"format": "csv", "series": "", "rows": 1}


def test_proposing_approving_and_executing_through_the_pages(client, world, due):
    client.force_login(world.admin_user)
    response = client.post(
        reverse("retention:batch_propose", args=[world.agency.pk]), {"series": "", "note": "Q4"}
    )
    batch = DispositionBatch.objects.get()
    assert response["Location"] == reverse("retention:batch_detail", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Baton refresher" in page
    assert "Waiting for a records custodian" in page
    assert "Approve for disposition" not in page
    assert client.post(reverse("retention:batch_approve", args=[batch.pk])).status_code == 403
    assert client.post(reverse("retention:batch_execute", args=[batch.pk])).status_code == 403

    client.force_login(world.custodian_user)
    page = client.get(reverse("retention:batch_detail", args=[batch.pk])).content.decode()
    assert "Approve for disposition" in page
    # Executing a batch not yet approved is refused, and says so.
    response = client.post(reverse("retention:batch_execute", args=[batch.pk]), follow=True)
    assert "approved batch" in response.content.decode()
    assert TrainingRecord.objects.filter(pk=due.pk).exists()
    client.post(reverse("retention:batch_approve", args=[batch.pk]))
    response = client.post(reverse("retention:batch_execute", args=[batch.pk]), follow=True)
    page = response.content.decode()
    assert "1 records disposed of, 0 kept" in page
    assert "record.disposed" in page
    assert "Baton refresher" not in page  # nothing of the record is left to show
    assert not TrainingRecord.objects.filter(pk=due.pk).exists()


def test_proposing_with_nothing_due_shows_the_reason_on_the_form(client, world, due):
    client.force_login(world.custodian_user)
    response = client.post(
        reverse("retention:batch_propose", args=[world.agency.pk]),
        {"series": Series.QUALIFICATIONS},
    )
    assert response.status_code == 400
    assert "No firearms qualifications are due" in response.content.decode()
    assert not DispositionBatch.objects.exists()


def test_cancelling_needs_a_reason(client, world, due):
    batch = propose_batch(acting_user=world.custodian_user, agency=world.agency)
    client.force_login(world.custodian_user)
    url = reverse("retention:batch_cancel", args=[batch.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert client.post(url, {"reason": "Schedule in review"}).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED


def test_schedules_are_listed_started_and_changed(client, world):
    client.force_login(world.custodian_user)
    url = reverse("retention:schedules", args=[world.agency.pk])
    assert "Add the starting schedules" in client.get(url).content.decode()
    client.post(reverse("retention:schedule_defaults", args=[world.agency.pk]))
    page = client.get(url).content.decode()
    assert "5 years from the officer&#x27;s separation" in page
    row = RetentionSchedule.objects.get(agency=world.agency, series=Series.SIGN_IN_SHEETS)
    edit = reverse("retention:schedule_edit", args=[row.pk])
    response = client.post(edit, {"years": "2", "trigger": Trigger.SEPARATION, "citation": "x"})
    assert response.status_code == 400
    assert "concern several officers" in response.content.decode()
    response = client.post(edit, {"years": "0", "trigger": Trigger.RECORD_DATE, "citation": "x"})
    assert response.status_code == 400
    response = client.post(
        edit, {"years": "", "trigger": Trigger.RECORD_DATE, "citation": "Kept for good"}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.years is None
    assert row.citation == "Kept for good"


def test_counsel_reads_schedules_but_cannot_change_them(client, world):
    row = schedule(world.agency, Series.TRAINING_RECORDS, 5, Trigger.SEPARATION)
    client.force_login(member(Role.COUNSEL_HR, world.agency))
    page = client.get(reverse("retention:schedules", args=[world.agency.pk])).content.decode()
    assert "5 years" in page
    assert "Change" not in page
    edit = reverse("retention:schedule_edit", args=[row.pk])
    assert client.get(edit).status_code == 403
    client.force_login(world.training_user)
    assert client.get(edit).status_code == 404


def test_holds_are_placed_and_released_through_the_pages(client, world):
    counsel = member(Role.COUNSEL_HR, world.agency)
    client.force_login(counsel)
    new = reverse("retention:hold_new", args=[world.agency.pk])
    page = client.get(new, {"officer": world.officer.pk}).content.decode()
    assert f'value="{world.officer.pk}" selected' in page
    assert world.outsider.last_name not in page
    response = client.post(new, {"officer": world.officer.pk, "reason": ""})
    assert response.status_code == 400
    response = client.post(new, {"officer": world.officer.pk, "reason": "Doe v. City"})
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.officer == world.officer
    assert hold.placed_by == counsel
    page = client.get(reverse("retention:holds", args=[world.agency.pk])).content.decode()
    assert "Doe v. City" in page
    release = reverse("retention:hold_release", args=[hold.pk])
    response = client.post(release, {"reason": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert client.post(release, {"reason": "Settled"}).status_code == 302
    hold.refresh_from_db()
    assert not hold.is_active


def test_holds_are_not_anyone_elses_to_release(client, world):
    hold = place_hold(acting_user=world.custodian_user, agency=world.agency, reason="Audit")
    client.force_login(world.training_user)
    assert (
        client.post(reverse("retention:hold_release", args=[hold.pk]), {"reason": "x"}).status_code
        == 404
    )
    assert client.get(reverse("retention:hold_new", args=[world.agency.pk])).status_code == 403
    hold.refresh_from_db()
    assert hold.is_active


def test_the_officer_page_tells_agency_wide_roles_of_a_hold(client, world):
    place_hold(
        acting_user=world.custodian_user,
        agency=world.agency,
        officer=world.officer,
        reason="Doe v. City",
    )
    url = reverse("officer-detail", args=[world.officer.pk])
    client.force_login(world.training_user)
    page = client.get(url).content.decode()
    assert "Legal hold" in page
    assert "Doe v. City" not in page
    client.force_login(world.custodian_user)
    assert "Doe v. City" in client.get(url).content.decode()
    for who in (world.officer_user, world.supervisor_user):
        client.force_login(who)
        assert "Legal hold" not in client.get(url).content.decode()
    client.force_login(world.training_user)
    colleague = client.get(reverse("officer-detail", args=[world.colleague.pk]))
    assert "Legal hold" not in colleague.content.decode()


def test_an_agency_wide_hold_shows_on_every_officers_page(client, world):
    place_hold(acting_user=world.custodian_user, agency=world.agency, reason="State audit")
    client.force_login(world.admin_user)
    page = client.get(reverse("officer-detail", args=[world.colleague.pk])).content.decode()
    assert "including one on the whole agency" in page


def test_a_batch_page_for_the_approver_lists_the_outcome_after_execution(client, world, due):
    batch = propose_batch(acting_user=world.custodian_user, agency=world.agency)
    approve_batch(acting_user=world.custodian_user, batch=batch)
    place_hold(
        acting_user=world.custodian_user, agency=world.agency, officer=world.officer, reason="S"
    )
    client.force_login(world.custodian_user)
    client.post(reverse("retention:batch_execute", args=[batch.pk]))
    page = client.get(reverse("retention:batch_detail", args=[batch.pk])).content.decode()
    assert "Kept: under a legal hold." in page
    assert "Baton refresher" in page  # kept, so still described


def test_retention_templates_carry_no_inline_style_or_script():
    import muster

    folder = Path(muster.__file__).parent / "templates" / "retention"
    for template in folder.glob("*.html"):
        text = template.read_text()
        assert "style=" not in text, template.name
        assert "<script" not in text, template.name
        assert not re.search(r"\son[a-z]+=", text), template.name


def test_downloading_a_batch_is_logged(client, world, due):
    batch = propose_batch(acting_user=world.custodian_user, agency=world.agency)
    client.force_login(world.custodian_user)
    url = reverse("retention:batch_detail", args=[batch.pk])
    response = client.get(url, {"export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    event = AuditEvent.objects.get(action="retention.batch_export")
    assert event.actor == world.custodian_user
    assert event.after["format"] == "csv"
    assert event.after["rows"] == batch.items.count()
