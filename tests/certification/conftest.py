"""Fixtures for course certification: a frozen clock, private storage in a temp folder,
PDF uploads and a request builder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from muster.accounts.models import Role
from muster.certification import services
from muster.certification.models import CertificationRequest, DocumentKind
from tests.conftest import member

# Noon in the agency's zone (America/Chicago), so the server's and the agency's dates agree.
NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 20)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _private_storage(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


def pdf(name: str = "lesson-plan.pdf") -> SimpleUploadedFile:
    """A small valid PDF upload."""
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def director(world: Any) -> Any:
    """The Training Center Director of the world's agency."""
    return member(Role.TRAINING_DIRECTOR, world.agency)


@pytest.fixture
def make_request(world: Any) -> Callable[..., CertificationRequest]:
    """A draft of Dana's (or of `user`'s), first delivered `days` from today."""

    def make(
        days: int = 60, user: Any = None, kinds: tuple[str, ...] = (), **fields: Any
    ) -> CertificationRequest:
        actor = user or world.officer_user
        fields.setdefault("class_name", "Search and Seizure Update")
        fields.setdefault("hours", Decimal(4))
        fields.setdefault("location", "Training Center")
        request = services.create_request(
            acting_user=actor, first_delivery_on=TODAY + dt.timedelta(days=days), **fields
        )
        for kind in kinds:
            services.upload_document(
                acting_user=actor, request=request, kind=kind, upload=pdf(f"{kind}.pdf")
            )
        request.refresh_from_db()
        return request

    return make


ALL_KINDS = tuple(DocumentKind.values)
