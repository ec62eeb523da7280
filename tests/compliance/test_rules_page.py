"""The rules page: everyone in the agency reads the rule; only its administrator changes it."""

from __future__ import annotations

from django.urls import reverse

from muster.compliance.models import AgencyOverlay
from muster.core.models import AuditEvent


def test_an_officer_reads_the_agencys_rule_with_its_sources(client, world):
    client.force_login(world.officer_user)
    response = client.get(reverse("rules"), follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("agency-rules", args=[world.agency.pk])
    assert "Missouri POST" in body
    assert "Skill Development — Firearms" in body
    assert "unconfirmed" in body  # the firearms-not-online condition
    assert "11 CSR 75-15.010" in body
    assert "<textarea" not in body  # officers cannot change it


def test_another_agencys_rules_are_not_shown(client, world):
    client.force_login(world.officer_user)
    response = client.get(reverse("agency-rules", args=[world.other_agency.pk]))
    assert response.status_code == 404


def test_the_administrator_saves_an_overlay_and_it_is_audited(client, world):
    client.force_login(world.admin_user)
    text = (
        "pack: us-mo-clee\n"
        "requirements:\n"
        "  - {id: local_firearms, title: Agency firearms hours, hours: {value: 8, source: policy},"
        " match: {topics: [firearms]}}\n"
    )
    response = client.post(reverse("agency-rules", args=[world.agency.pk]), {"text": text})
    assert response.status_code == 302
    assert AgencyOverlay.objects.get(agency=world.agency).text == text.strip()
    assert AuditEvent.objects.filter(action="overlay.set").count() == 1
    body = client.get(reverse("agency-rules", args=[world.agency.pk])).content.decode()
    assert "Agency firearms hours" in body


def test_a_bad_overlay_is_refused_with_its_line_and_nothing_changes(client, world):
    client.force_login(world.admin_user)
    response = client.post(
        reverse("agency-rules", args=[world.agency.pk]),
        {"text": "pack: us-mo-clee\nrequirements: []\nextra: 1\n"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "line 3: unknown key &#x27;extra&#x27;" in body
    assert "Nothing was changed." in body
    assert not AgencyOverlay.objects.exists()
    assert not AuditEvent.objects.filter(action="overlay.set").exists()


def test_training_staff_cannot_change_the_rules(client, world):
    client.force_login(world.training_user)
    response = client.post(
        reverse("agency-rules", args=[world.agency.pk]), {"text": "pack: us-mo-clee\n"}
    )
    assert response.status_code == 403
    assert not AgencyOverlay.objects.exists()
