"""The audit log pages: who reads them, filters, exports, one row's before and after."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from muster.accounts.models import Role
from muster.core.models import AuditEvent
from tests.conftest import member


def add_training(world, officer, title="Seminar"):
    from tests.test_views import add_minutes

    add_minutes(world, officer, 60, title=title)


@pytest.fixture
def logged(world):
    add_training(world, world.officer, "Dana's course")
    add_training(world, world.colleague, "=HYPERLINK(1)")
    from muster.training.services import record_training

    other_staff = member(Role.TRAINING_STAFF, world.other_agency)
    record_training(
        acting_user=other_staff,
        officer=world.outsider,
        title="Elsewhere's course",
        minutes=60,
        delivery="in_person",
        category="",
        completed_on=world.other_agency.today(),
        source="manual",
    )
    return world


def test_custodians_and_administrators_read_their_agencys_rows_only(client, logged):
    for user in (logged.custodian_user, logged.admin_user):
        client.force_login(user)
        body = client.get(reverse("audit-log")).content.decode()
        assert "Dana&#x27;s course" in body or "Dana's course" in body
        assert "Elsewhere" not in body
    for user in (logged.officer_user, logged.training_user, logged.supervisor_user):
        client.force_login(user)
        assert client.get(reverse("audit-log")).status_code == 403


def test_the_menu_offers_the_audit_log_to_custodians_only(client, logged):
    client.force_login(logged.custodian_user)
    assert reverse("audit-log") in client.get("/").content.decode()
    client.force_login(logged.training_user)
    assert reverse("audit-log") not in client.get("/").content.decode()


def test_filters_by_person_officer_action_and_date(client, logged):
    client.force_login(logged.custodian_user)
    by_officer = client.get(reverse("audit-log"), {"officer": logged.officer.pk})
    labels = [e.object_label for e, _ in by_officer.context["rows"]]
    assert any("Dana's course" in label for label in labels)
    assert not any("HYPERLINK" in label for label in labels)

    by_person = client.get(reverse("audit-log"), {"person": logged.training_user.username})
    assert {e.actor_label for e, _ in by_person.context["rows"]} == {logged.training_user.username}
    by_action = client.get(reverse("audit-log"), {"action": "record"})
    assert by_action.context["rows"]
    assert all(e.action.startswith("record") for e, _ in by_action.context["rows"])

    today = logged.agency.today()
    future = client.get(reverse("audit-log"), {"since": today.replace(year=today.year + 1)})
    assert future.context["page"].paginator.count == 0
    up_to_today = client.get(reverse("audit-log"), {"until": today.isoformat()})
    assert up_to_today.context["page"].paginator.count > 0


def test_the_officer_filter_finds_the_tombstones_of_the_officers_disposed_records(client, logged):
    """A tombstone names the officer as "officer" (the record and its officer_id are gone)."""
    import datetime as dt

    from muster.retention.models import Series, Trigger
    from muster.retention.services import approve_batch, execute_batch, propose_batch
    from tests.factories import TrainingRecordFactory
    from tests.retention.helpers import schedule

    schedule(logged.agency, Series.TRAINING_RECORDS, 1, Trigger.RECORD_DATE)
    old = TrainingRecordFactory(
        officer=logged.officer, completed_on=logged.agency.today() - dt.timedelta(days=1200)
    )
    custodian = logged.custodian_user
    batch = propose_batch(acting_user=custodian, agency=logged.agency)
    execute_batch(acting_user=custodian, batch=approve_batch(acting_user=custodian, batch=batch))
    tombstone = AuditEvent.objects.get(action="record.disposed")
    assert tombstone.object_id == str(old.pk)

    client.force_login(custodian)
    dana = client.get(reverse("audit-log"), {"officer": logged.officer.pk})
    assert tombstone in [e for e, _ in dana.context["rows"]]
    colleague = client.get(reverse("audit-log"), {"officer": logged.colleague.pk})
    assert tombstone not in [e for e, _ in colleague.context["rows"]]


def test_a_bad_filter_is_named_next_to_its_field_and_shows_nothing(client, logged):
    client.force_login(logged.custodian_user)
    response = client.get(reverse("audit-log"), {"since": "2026-05-02", "until": "2026-05-01"})
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    assert response.context["page"].paginator.count == 0
    garbled = client.get(reverse("audit-log"), {"officer": "x", "since": "31/31/2026"})
    assert garbled.status_code == 200
    assert garbled.context["form"].errors.keys() == {"officer", "since"}


def test_the_csv_export_holds_the_filtered_rows_safely_and_is_logged(client, logged):
    client.force_login(logged.custodian_user)
    response = client.get(reverse("audit-log"), {"action": "record", "export": "csv"})
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["id", "occurred_at", "actor", "action"]
    assert len(rows) > 2
    assert all(row[3].startswith("record") for row in rows[1:])
    objects = [row[6] for row in rows[1:]]
    assert any(cell.startswith("'=HYPERLINK") for cell in objects)  # never run as a formula
    assert not any("Elsewhere" in cell for cell in objects)
    export = AuditEvent.objects.filter(action="audit.export").get()
    assert export.actor == logged.custodian_user
    assert export.after["filters"] == {"action": "record"}
    assert export.after["rows"] == len(rows) - 1


def test_the_xlsx_export_opens_in_a_spreadsheet_program(client, logged):
    client.force_login(logged.admin_user)
    response = client.get(reverse("audit-log"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "id"
    assert any(row[6] and str(row[6]).startswith("=HYPERLINK") for row in rows[1:])
    assert sheet.cell(row=2, column=7).data_type == "s"


def test_one_row_shows_before_and_after_and_whether_its_hash_holds(client, logged):
    client.force_login(logged.custodian_user)
    event = AuditEvent.objects.filter(agency=logged.agency, after__isnull=False).first()
    assert event is not None
    page = client.get(reverse("audit-event", args=[event.pk])).content.decode()
    assert "Holds" in page
    assert "Before and after" in page
    assert AuditEvent.objects.filter(
        action="audit.read", object_id=str(event.pk), actor=logged.custodian_user
    ).exists()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET reason = %s WHERE id = %s", ["x", event.pk])
    page = client.get(reverse("audit-event", args=[event.pk])).content.decode()
    assert "Does not hold" in page


def test_another_agencys_row_is_not_found(client, logged):
    client.force_login(logged.custodian_user)
    elsewhere = AuditEvent.objects.filter(agency=logged.other_agency).first()
    assert elsewhere is not None
    assert client.get(reverse("audit-event", args=[elsewhere.pk])).status_code == 404


def test_the_officer_page_links_custodians_to_the_officers_audit_trail(client, logged):
    link = f"{reverse('audit-log')}?officer={logged.officer.pk}"
    client.force_login(logged.custodian_user)
    assert link in client.get(reverse("officer-detail", args=[logged.officer.pk])).content.decode()
    client.force_login(logged.supervisor_user)
    page = client.get(reverse("officer-detail", args=[logged.officer.pk])).content.decode()
    assert "Audit trail" not in page


def test_the_last_possible_date_is_refused_by_field_not_a_crash(client, logged):
    client.force_login(logged.custodian_user)
    response = client.get(reverse("audit-log"), {"until": "9999-12-31", "since": "9999-12-31"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"since", "until"}


def test_a_row_never_shows_a_password_hash(client, logged):
    from muster.core.audit import record_audit

    # As older rows written by the site administration may hold one.
    row = record_audit(
        actor=logged.admin_user,
        action="user.update",
        object_type="accounts.user",
        agency_id=logged.agency.pk,
        before={"password": "md5$salt$abc123", "first_name": "A"},
        after={"password": "md5$salt$def456", "first_name": "B"},
    )
    client.force_login(logged.custodian_user)
    page = client.get(reverse("audit-event", args=[row.pk])).content.decode()
    assert "md5$" not in page
    assert "(hidden)" in page
