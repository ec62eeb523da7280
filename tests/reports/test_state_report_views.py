"""The state report page and its downloads: who may open them, what they send, the audit."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from muster.core.models import AuditEvent
from tests.conftest import member
from tests.reports.test_state_report import (
    CHECK_OUTPUT,
    DOCUMENTED_ROSTER,
    DOCUMENTED_TRAINING,
    check_roster,
    csv_header,
    period_2025,
    read_csv,
)


def url(world: Any, kind: str = "training", fmt: str = "csv", period: str = "2025") -> str:
    """The address of one download."""
    return reverse(
        "state-report-download",
        kwargs={"pk": world.agency.pk, "period": period, "kind": kind, "fmt": fmt},
    )


def download(client: Any, world: Any, user: Any, kind: str, fmt: str = "csv") -> bytes:
    """Sign in as `user` and download one file."""
    client.force_login(user)
    response = client.get(url(world, kind, fmt))
    assert response.status_code == 200
    return bytes(response.content)


def test_the_page_offers_the_agencys_periods_and_shows_counts_and_first_rows(client, world):
    data = period_2025(world)
    client.force_login(world.training_user)
    page = client.get(reverse("state-report", args=[world.agency.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert page.context["form"]["period"].value() == "2025"  # the period last ended
    labels = [value for value, _ in page.context["form"].fields["period"].choices]
    assert labels[:2] == ["2026", "2025"]
    report = page.context["report"]
    assert report.period.label == "2025"
    assert report.officers == 4
    assert report.statuses == {"compliant": 1, "deficient": 2, "exempt": 1}
    assert page.context["record_count"] == 15
    assert page.context["qualification_count"] == 1
    assert data.dana.full_name in text
    assert url(world, "roster", "xlsx") in text
    # Showing the page sends nothing away, so it is not logged as an export, but its preview
    # of names and shortfalls is logged as a read.
    assert not AuditEvent.objects.filter(action="state_report.export").exists()
    viewed = AuditEvent.objects.get(action="state_report.view")
    assert (viewed.actor_id, viewed.after) == (
        world.training_user.pk,
        {"period": "2025", "officers": 4},
    )


def test_choosing_another_period_and_a_bad_one(client, world):
    period_2025(world)
    client.force_login(world.custodian_user)
    page = client.get(reverse("state-report", args=[world.agency.pk]), {"period": "2026"})
    assert page.status_code == 200
    assert page.context["report"].period.label == "2026"
    bad = client.get(reverse("state-report", args=[world.agency.pk]), {"period": "1999"})
    assert bad.status_code == 400
    assert bad.context["report"] is None
    assert "1999 is not one of the available choices" in bad.content.decode()


def test_the_csv_downloads_have_the_documented_columns_and_match_muster_check(
    client, world, tmp_path
):
    data = period_2025(world)
    client.force_login(world.admin_user)
    response = client.get(url(world, "training"))
    assert response["Content-Disposition"] == (
        f'attachment; filename="{world.agency.ori}-2025-training.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    training = bytes(response.content)
    roster = download(client, world, world.admin_user, "roster")
    assert csv_header(training) == DOCUMENTED_TRAINING
    assert csv_header(roster) == DOCUMENTED_ROSTER
    rows = read_csv(roster)
    status, checked, err = check_roster(
        tmp_path, "us-mo-clee", "2025", rows[0]["judged_on"], training, roster
    )
    assert (status, err) == (1, "")
    assert checked == [{c: r[c] for c in CHECK_OUTPUT} for r in rows]
    assert {r["officer_id"]: r["status"] for r in checked if r["requirement"] == "total"} == {
        str(data.dana.pk): "compliant",
        str(data.colleague.pk): "deficient",
        str(data.traffic.pk): "deficient",
        str(data.new_hire.pk): "exempt",
    }


def _same(text: str, cell: Any) -> bool:
    """A CSV cell and the XLSX cell of the same value agree."""
    if cell is None:
        return text == ""
    if isinstance(cell, dt.datetime):
        return text == cell.date().isoformat()
    if isinstance(cell, (int, float)):
        return Decimal(text) == Decimal(str(cell))
    return text == str(cell)


@pytest.mark.parametrize("kind", ["training", "roster"])
def test_the_xlsx_download_holds_the_same_rows_as_the_csv(client, world, kind):
    period_2025(world)
    as_csv = read_csv(download(client, world, world.training_user, kind))
    book = load_workbook(io.BytesIO(download(client, world, world.training_user, kind, "xlsx")))
    sheet = book.worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert list(header) == (DOCUMENTED_TRAINING if kind == "training" else DOCUMENTED_ROSTER)
    assert len(rows) == len(as_csv) > 0
    for csv_row, xlsx_row in zip(as_csv, rows, strict=True):
        for column, cell in zip(header, xlsx_row, strict=True):
            assert _same(csv_row[column], cell), (column, csv_row[column], cell)
    # Dates are real date cells and hours are numbers, as a spreadsheet reader expects.
    first = dict(zip(header, rows[0], strict=True))
    date_column = "date" if kind == "training" else "judged_on"
    assert isinstance(first[date_column], dt.datetime)
    hours_column = "credit_hours" if kind == "training" else "required"
    assert isinstance(first[hours_column], (int, float))


def test_every_download_is_audited_with_its_period_and_kind(client, world):
    period_2025(world)
    download(client, world, world.custodian_user, "roster", "xlsx")
    event = AuditEvent.objects.get(action="state_report.export")
    assert event.actor_id == world.custodian_user.pk
    assert event.agency_id == world.agency.pk
    assert event.object_id == str(world.agency.pk)
    assert event.after is not None
    assert (event.after["period"], event.after["kind"], event.after["format"]) == (
        "2025",
        "roster",
        "xlsx",
    )
    download(client, world, world.custodian_user, "training")
    assert AuditEvent.objects.filter(action="state_report.export").count() == 2


def test_people_who_do_not_prepare_or_receive_it_get_404(client, world):
    period_2025(world)
    kansas_commission = member("commission_staff", None, state="KS")
    for user in (
        world.officer_user,
        world.supervisor_user,
        member("counsel_hr", world.agency),
        member("agency_admin", world.other_agency),
        kansas_commission,
    ):
        client.force_login(user)
        assert client.get(reverse("state-report", args=[world.agency.pk])).status_code == 404
        assert client.get(url(world)).status_code == 404
    assert not AuditEvent.objects.filter(action="state_report.export").exists()
    # Another agency's report answers 404 even to this agency's training staff.
    client.force_login(world.training_user)
    other = reverse("state-report", args=[world.other_agency.pk])
    assert client.get(other).status_code == 404
    assert (
        client.get(
            reverse(
                "state-report-download",
                kwargs={
                    "pk": world.other_agency.pk,
                    "period": "2025",
                    "kind": "roster",
                    "fmt": "csv",
                },
            )
        ).status_code
        == 404
    )


def test_the_states_commission_staff_receive_it_and_the_training_director_makes_it(
    client, world, commission_user
):
    period_2025(world)
    for user in (commission_user, member("training_director", world.agency)):
        client.force_login(user)
        assert client.get(reverse("state-report", args=[world.agency.pk])).status_code == 200
        assert len(read_csv(download(client, world, user, "training"))) == 16


def test_a_bad_period_in_the_address_is_404_and_not_audited(client, world):
    client.force_login(world.training_user)
    for period in ("2099", "abc", "2024-2025"):
        assert client.get(url(world, period=period)).status_code == 404
    assert client.get(url(world).replace(".csv", ".pdf")).status_code == 404
    assert not AuditEvent.objects.filter(action="state_report.export").exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.get(url(world))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
