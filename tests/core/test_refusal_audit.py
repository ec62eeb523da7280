"""Every refused request leaves an audit row, however it was refused."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from muster.core.audit import verify_chain
from muster.core.models import AuditEvent


def refusals():
    return AuditEvent.objects.filter(action="permission.refused")


def test_a_refusal_by_a_service_is_logged_with_who_and_where(client, world):
    client.force_login(world.officer_user)
    url = reverse("record-new", args=[world.officer.pk])
    assert client.post(url, {}).status_code in (403, 404)
    # An officer may not enter records: whichever way the page refuses, a 403 is logged.
    response = client.get(reverse("course-new"))
    assert response.status_code == 403
    row = refusals().get(after__path=reverse("course-new"))
    assert row.actor == world.officer_user
    assert row.agency_id == world.agency.pk
    assert row.after == {"method": "GET", "path": reverse("course-new")}
    assert verify_chain() == []


def test_a_refused_csrf_post_is_logged_for_an_anonymous_visitor(db):
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("login"), {"username": "x", "password": "y"}).status_code == 403
    row = refusals().get()
    assert row.actor is None
    assert row.actor_label == "anonymous"


def test_an_allowed_request_and_a_not_found_leave_no_refusal(client, world):
    client.force_login(world.training_user)
    assert client.get(reverse("course-new")).status_code == 200
    assert client.get(reverse("officer-detail", args=[world.outsider.pk])).status_code == 404
    assert not refusals().exists()
