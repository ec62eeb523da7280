"""Imports through the API: upload, the check's problems, import, and scoping."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from muster.api.services import create_api_token
from muster.core.models import AuditEvent
from muster.training.models import TrainingRecord
from tests.conftest import member


def _client(user):
    _token, secret = create_api_token(acting_user=user, name="importer")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def _file(text: str, name: str = "records.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.fixture
def csv_text(world):
    serial = world.officer.serial_number
    return f"serial_number,date,title,minutes\n{serial},2025-03-01,Range,60\n"


def test_an_upload_is_checked_then_imported_once(world, csv_text):
    client = _client(world.training_user)
    upload = {"agency": world.agency.pk, "kind": "records", "file": _file(csv_text)}
    response = client.post("/api/v1/imports/", upload, format="multipart")
    assert response.status_code == 201, response.content
    batch = response.json()
    assert (batch["status"], batch["to_create"], batch["problem_count"]) == ("checked", 1, 0)
    assert TrainingRecord.objects.count() == 0
    done = client.post(f"/api/v1/imports/{batch['id']}/import/")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "committed"
    assert TrainingRecord.objects.get().title == "Range"
    assert AuditEvent.objects.filter(action="import.commit").count() == 1
    # Asking again is refused with a reason, and nothing is written twice.
    again = client.post(f"/api/v1/imports/{batch['id']}/import/")
    assert again.status_code == 400
    assert TrainingRecord.objects.count() == 1
    listed = client.get("/api/v1/imports/", {"status": "committed"}).json()
    assert [b["id"] for b in listed["results"]] == [batch["id"]]


def test_problems_come_back_by_line_and_column(world):
    client = _client(world.training_user)
    text = f"serial_number,date,title,minutes\n{world.officer.serial_number},2025-02-30,X,60\n"
    response = client.post(
        "/api/v1/imports/",
        {"agency": world.agency.pk, "kind": "records", "file": _file(text)},
        format="multipart",
    )
    batch = response.json()
    assert batch["problems"] == [
        {"line": 2, "column": "date", "message": "'2025-02-30' is not a date (YYYY-MM-DD)"}
    ]
    refused = client.post(f"/api/v1/imports/{batch['id']}/import/")
    assert refused.status_code == 400
    assert TrainingRecord.objects.count() == 0


def test_imports_are_the_training_units_of_their_agency(world, csv_text):
    upload = {"agency": world.agency.pk, "kind": "records", "file": _file(csv_text)}
    officer = _client(world.officer_user)
    assert officer.post("/api/v1/imports/", upload, format="multipart").status_code == 403
    roster = {"agency": world.agency.pk, "kind": "officers", "file": _file("serial_number\n1\n")}
    training = _client(world.training_user)
    assert training.post("/api/v1/imports/", roster, format="multipart").status_code == 403
    batch = training.post(
        "/api/v1/imports/",
        {"agency": world.agency.pk, "kind": "records", "file": _file(csv_text)},
        format="multipart",
    ).json()
    stranger = _client(member("training_staff", world.other_agency))
    assert stranger.get(f"/api/v1/imports/{batch['id']}/").status_code == 404
    assert stranger.get("/api/v1/imports/").json()["results"] == []
    # Another agency is not one to upload to either.
    other = {"agency": world.agency.pk, "kind": "records", "file": _file(csv_text)}
    assert stranger.post("/api/v1/imports/", other, format="multipart").status_code in (400, 403)
    assert _client(world.officer_user).get(f"/api/v1/imports/{batch['id']}/").status_code == 404
