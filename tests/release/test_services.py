"""Records release services: request numbers, who may enter and decide, narrowing the fields,
and packages that hold only the approved fields, each written to the disclosure log."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from muster.accounts.models import Membership, Role
from muster.core.models import AuditEvent
from muster.release import services
from muster.release.catalogue import FIELDS, ReleaseKind
from muster.release.models import Disclosure, ReleaseRequest, ReleaseStatus
from tests.conftest import member
from tests.factories import TrainingRecordFactory, UserFactory
from tests.release.conftest import (
    ALL_QUALIFICATION,
    ALL_TRAINING,
    COURSE_OF_FIRE,
    LOCATION,
    PROVIDER,
    csv_rows,
    details,
    pdf_pages,
)

pytestmark = pytest.mark.django_db


def _produce(user, request):
    return services.produce_package(acting_user=user, request=request)


# --- Entering a request ----------------------------------------------------------------------


def test_request_numbers_count_up_per_agency_and_year(world, make_request):
    first = make_request()
    second = make_request(user=world.training_user)
    other = services.create_release_request(
        acting_user=member(Role.RECORDS_CUSTODIAN, world.other_agency),
        officer=world.outsider,
        details=details(),
    )
    assert (first.number, second.number) == ("REL-2026-0001", "REL-2026-0002")
    assert other.number == "REL-2026-0001"
    assert first.status == ReleaseStatus.DRAFT
    event = AuditEvent.objects.get(action="release.create", object_id=str(first.pk))
    assert event.actor == world.custodian_user
    assert event.after["number"] == "REL-2026-0001"


def test_a_withdrawn_requests_number_is_never_handed_out_again(world, make_request):
    first = make_request()
    services.withdraw_request(acting_user=world.custodian_user, request=first, reason="Dropped")
    assert make_request().number == "REL-2026-0002"


def test_a_new_year_starts_the_numbers_again(world, make_request):
    make_request()
    with time_machine.travel(dt.datetime(2027, 1, 5, 18, 0, tzinfo=dt.UTC), tick=False):
        assert make_request().number == "REL-2027-0001"


@pytest.mark.parametrize("role", ["officer", "supervisor", "counsel", "commission", "foreign"])
def test_only_the_custodian_and_training_unit_enter_a_request(
    world, counsel, commission_user, role
):
    user = {
        "officer": world.officer_user,
        "supervisor": world.supervisor_user,
        "counsel": counsel,
        "commission": commission_user,
        "foreign": member(Role.RECORDS_CUSTODIAN, world.other_agency),
    }[role]
    with pytest.raises(PermissionDenied):
        services.create_release_request(acting_user=user, officer=world.officer, details=details())
    assert not ReleaseRequest.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"requester_name": "  "}, "requester_name", "Name who asks"),
        ({"requester_contact": ""}, "requester_contact", "address, e-mail or telephone"),
        ({"purpose": ""}, "purpose", "what the records are for"),
        ({"legal_basis": "because"}, "legal_basis", "legal basis"),
        ({"legal_citation": ""}, "legal_citation", "Cite"),
        ({"format": "docx"}, "format", "PDF or CSV"),
        ({"record_kinds": []}, "record_kinds", "at least one kind"),
        ({"fields": []}, "fields", "at least one field"),
        ({"fields": ["title", "instructor_name"]}, "fields", "other officers are never"),
        ({"fields": ["title", "entered_by"]}, "fields", "agency staff"),
        ({"fields": ["title", "ssn"]}, "fields", "not a releasable field"),
        (
            {"record_kinds": ["training"], "fields": ["title", "score"]},
            "fields",
            "Score is a field of firearms qualifications",
        ),
        (
            {"record_kinds": ["training", "compliance"], "fields": ["title"]},
            "record_kinds",
            "at least one field of compliance results",
        ),
        (
            {"period_from": dt.date(2026, 5, 1), "period_to": dt.date(2026, 1, 1)},
            "period_to",
            "before it starts",
        ),
        ({"period_to": dt.date(2026, 12, 1)}, "period_to", "in the future"),
    ],
)
def test_a_bad_request_names_the_field_and_changes_nothing(world, overrides, field, words):
    with pytest.raises(ValidationError) as caught:
        services.create_release_request(
            acting_user=world.custodian_user, officer=world.officer, details=details(**overrides)
        )
    assert words.lower() in " ".join(caught.value.message_dict[field]).lower()
    assert not ReleaseRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="release.create").exists()
    # A refused request used up no number.
    ok = services.create_release_request(
        acting_user=world.custodian_user, officer=world.officer, details=details()
    )
    assert ok.number == "REL-2026-0001"


def test_the_catalogue_never_offers_a_name_of_another_person():
    codes = {f.code for f in FIELDS}
    assert not codes & {"instructor", "instructor_name", "instructors", "entered_by", "voided_by"}
    assert {f.kind for f in FIELDS} == set(ReleaseKind.values)


def test_fields_are_kept_in_catalogue_order(world):
    request = services.create_release_request(
        acting_user=world.custodian_user,
        officer=world.officer,
        details=details(fields=["score", "title", "course_id", "qualified_on"]),
    )
    assert request.fields == ["course_id", "title", "qualified_on", "score"]


# --- Submitting and deciding -----------------------------------------------------------------


def test_only_records_staff_submit_and_only_a_draft(world, make_request):
    request = make_request()
    with pytest.raises(PermissionDenied):
        services.submit_request(acting_user=world.officer_user, request=request)
    services.submit_request(acting_user=world.custodian_user, request=request)
    request.refresh_from_db()
    assert request.status == ReleaseStatus.SUBMITTED
    assert AuditEvent.objects.filter(action="release.submit", object_id=str(request.pk)).exists()
    with pytest.raises(ValidationError, match="only a draft"):
        services.submit_request(acting_user=world.custodian_user, request=request)


@pytest.mark.parametrize("who", ["custodian", "training", "admin", "superuser", "foreign"])
def test_only_counsel_or_hr_of_the_agency_decide(world, make_request, who):
    request = make_request(to="submitted")
    user = {
        "custodian": world.custodian_user,
        "training": world.training_user,
        "admin": world.admin_user,
        "superuser": UserFactory(is_superuser=True),
        "foreign": member(Role.COUNSEL_HR, world.other_agency),
    }[who]
    with pytest.raises(PermissionDenied):
        services.approve_request(acting_user=user, request=request)
    with pytest.raises(PermissionDenied):
        services.deny_request(acting_user=user, request=request, reason="No.")
    request.refresh_from_db()
    assert request.status == ReleaseStatus.SUBMITTED
    assert request.decided_by is None


def test_counsel_who_entered_the_request_may_not_decide_it(world, counsel, make_request):
    # One person holding both roles enters the request; someone else has to decide it.
    both = member(Role.RECORDS_CUSTODIAN, world.agency)
    Membership.objects.create(user=both, role=Role.COUNSEL_HR, agency=world.agency)
    request = make_request(to="submitted", user=both)
    with pytest.raises(PermissionDenied, match="another member"):
        services.approve_request(acting_user=both, request=request)
    approved = services.approve_request(acting_user=counsel, request=request)
    assert approved.status == ReleaseStatus.APPROVED
    assert approved.decided_by == counsel


def test_a_draft_is_not_decided(world, counsel, make_request):
    request = make_request()
    with pytest.raises(ValidationError, match="only a submitted request"):
        services.approve_request(acting_user=counsel, request=request)


def test_counsel_may_narrow_the_fields(world, counsel, make_request):
    request = make_request(to="submitted")
    approved = services.approve_request(
        acting_user=counsel,
        request=request,
        fields=["qualification_result", "title", "completed_on"],
        reason="Only what the subpoena needs.",
    )
    assert approved.approved_fields == ["title", "completed_on", "qualification_result"]
    assert approved.fields == ALL_TRAINING + ALL_QUALIFICATION  # what was asked stays on record
    event = AuditEvent.objects.get(action="release.approve", object_id=str(request.pk))
    assert event.actor == counsel
    assert "Only what the subpoena needs." in event.reason
    assert "Not approved:" in event.reason
    assert "Provider" in event.reason
    assert event.after["approved_fields"] == approved.approved_fields


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ([], "at least one field"),
        (["title", "compliance_status"], "Only fields the request asks for"),
    ],
)
def test_counsel_cannot_approve_nothing_or_more_than_asked(
    world, counsel, make_request, fields, words
):
    request = make_request(to="submitted")
    with pytest.raises(ValidationError, match=words):
        services.approve_request(acting_user=counsel, request=request, fields=fields)
    request.refresh_from_db()
    assert request.status == ReleaseStatus.SUBMITTED


def test_a_denial_needs_a_reason_and_stops_the_release(world, counsel, make_request):
    request = make_request(to="submitted")
    with pytest.raises(ValidationError) as caught:
        services.deny_request(acting_user=counsel, request=request, reason=" ")
    assert "reason" in caught.value.message_dict
    denied = services.deny_request(acting_user=counsel, request=request, reason="Not subpoenaed.")
    assert (denied.status, denied.decision_reason) == (ReleaseStatus.DENIED, "Not subpoenaed.")
    with pytest.raises(ValidationError, match="nothing is produced"):
        _produce(world.custodian_user, denied)
    assert not Disclosure.objects.exists()


# --- Producing the package -------------------------------------------------------------------


@pytest.mark.parametrize("to", ["draft", "submitted"])
def test_nothing_is_produced_before_approval(world, make_request, dana_records, to):
    request = make_request(to=to)
    with pytest.raises(ValidationError, match="nothing is produced before"):
        _produce(world.custodian_user, request)
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(action="release.produce").exists()


@pytest.mark.parametrize("who", ["officer", "supervisor", "counsel"])
def test_only_records_staff_produce(world, counsel, make_request, dana_records, who):
    request = make_request(to="approved")
    user = {"officer": world.officer_user, "supervisor": world.supervisor_user, "counsel": counsel}
    with pytest.raises(PermissionDenied):
        _produce(user[who], request)
    assert not Disclosure.objects.exists()


def test_the_pdf_holds_only_the_approved_fields_and_the_number_on_every_page(
    world, make_request, dana_records
):
    # Enough records for several pages.
    for day in range(1, 61):
        TrainingRecordFactory(
            officer=world.officer, completed_on=dt.date(2025, 1, 1) + dt.timedelta(days=day)
        )
    request = make_request(
        to="approved",
        approve=["course_id", "title", "completed_on", "credit_hours", "qualification_result"],
    )
    disclosure, package = _produce(world.custodian_user, request)
    assert package.content_type == "application/pdf"
    assert package.filename == "REL-2026-0001.pdf"
    pages = pdf_pages(package.data)
    assert len(pages) > 1
    for text in pages:
        assert "REL-2026-0001" in text
    text = "\n".join(pages)
    assert "Use of Force Update" in text
    assert "OF-00042" in text
    assert "Passed" in text
    assert "Jordan Pike" in text  # to whom
    # Fields that were not approved are not in the file.
    for absent in (PROVIDER, LOCATION, COURSE_OF_FIRE, "93 of 100", "Provider", "Topics"):
        assert absent not in text
    # Nor is the colleague who taught the course and ran the qualification.
    assert world.colleague.last_name not in text
    assert disclosure.fields == [
        "course_id",
        "title",
        "completed_on",
        "credit_hours",
        "qualification_result",
    ]
    assert disclosure.record_count == 63  # 62 training records and one qualification


def test_the_csv_holds_only_the_approved_fields_and_the_number_on_every_row(
    world, make_request, dana_records
):
    request = make_request(
        to="approved",
        format="csv",
        approve=["title", "completed_on", "credit_hours", "qualified_on", "qualification_result"],
    )
    _disclosure, package = _produce(world.custodian_user, request)
    assert package.filename == "REL-2026-0001.csv"
    header, *rows = csv_rows(package.data)
    assert header == [
        "Request number",
        "Record kind",
        "Title",
        "Date completed",
        "Credit hours",
        "Qualification date",
        "Qualification result",
    ]
    assert [row[0] for row in rows] == ["REL-2026-0001"] * 3
    by_title = {row[2]: row for row in rows}
    assert by_title["Use of Force Update"][1:5] == [
        "Training records",
        "Use of Force Update",
        "2026-05-01",
        "2",  # 100 minutes at Missouri's 50 minutes an hour
    ]
    qualification = next(row for row in rows if row[1] == "Firearms qualifications")
    assert qualification[5:] == ["2026-04-01", "Passed"]
    flat = package.data.decode("utf-8-sig")
    for absent in (PROVIDER, LOCATION, COURSE_OF_FIRE, world.colleague.last_name):
        assert absent not in flat


def test_compliance_results_and_the_period_limit_the_package(world, make_request, dana_records):
    request = make_request(
        to="approved",
        format="csv",
        record_kinds=["training", "compliance"],
        fields=["title", "compliance_period", "compliance_status", "compliance_hours"],
        period_from=dt.date(2026, 1, 1),
    )
    _disclosure, package = _produce(world.custodian_user, request)
    header, *rows = csv_rows(package.data)
    assert header[2:] == [
        "Title",
        "Compliance period",
        "Compliance status",
        "Hours credited and required",
    ]
    titles = [row[2] for row in rows if row[1] == "Training records"]
    assert titles == ["Use of Force Update"]  # the 2024 record is before the period
    periods = [row for row in rows if row[1] == "Compliance results"]
    assert periods
    assert all(row[3].startswith("2026") for row in periods)
    assert all(" of " in row[5] for row in periods)


def test_an_empty_csv_still_carries_the_request_number(world, make_request):
    request = make_request(to="approved", format="csv")
    _disclosure, package = _produce(world.custodian_user, request)
    _header, *rows = csv_rows(package.data)
    assert rows == [["REL-2026-0001", "No records in scope"] + [""] * 16]


def test_a_csv_cell_never_runs_as_a_formula(world, make_request):
    TrainingRecordFactory(officer=world.officer, title='=HYPERLINK("http://x")')
    request = make_request(to="approved", format="csv", approve=["title"])
    _disclosure, package = _produce(world.custodian_user, request)
    _header, row = csv_rows(package.data)
    assert row[2].startswith("'=")


def test_producing_writes_the_disclosure_log_and_the_audit_row(world, make_request, dana_records):
    request = make_request(to="approved", format="csv")
    disclosure, package = _produce(world.custodian_user, request)
    assert disclosure.sha256 == hashlib.sha256(package.data).hexdigest()
    assert disclosure.officer == world.officer
    assert disclosure.produced_by == world.custodian_user
    assert disclosure.request == request
    assert disclosure.record_count == 3
    assert disclosure.fields == ALL_TRAINING + ALL_QUALIFICATION
    request.refresh_from_db()
    assert request.status == ReleaseStatus.RELEASED
    event = AuditEvent.objects.get(action="release.produce")
    assert event.object_id == str(disclosure.pk)
    assert event.agency_id == world.agency.pk
    assert event.after["sha256"] == disclosure.sha256
    assert "Jordan Pike" in event.reason
    assert AuditEvent.objects.filter(action="release.released", object_id=str(request.pk)).exists()


def test_a_release_may_be_produced_again_and_each_time_is_logged(world, make_request, dana_records):
    request = make_request(to="approved", format="csv")
    _produce(world.custodian_user, request)
    again, _package = _produce(world.training_user, request)
    assert Disclosure.objects.filter(request=request).count() == 2
    assert again.produced_by == world.training_user
    assert AuditEvent.objects.filter(action="release.produce").count() == 2
    request.refresh_from_db()
    assert request.status == ReleaseStatus.RELEASED


def test_a_later_production_adds_nothing_after_the_approval(world, make_request, dana_records):
    request = make_request(to="approved", format="csv", approve=["title"])
    first, _ = _produce(world.custodian_user, request)
    with time_machine.travel(dt.datetime(2027, 2, 1, 18, 0, tzinfo=dt.UTC), tick=False):
        TrainingRecordFactory(officer=world.officer, completed_on=dt.date(2027, 1, 15))
        again, package = _produce(world.custodian_user, request)
    assert again.record_count == first.record_count
    assert "Outside seminar" not in package.data.decode("utf-8-sig")


def test_a_failed_production_leaves_nothing_behind(world, make_request, monkeypatch):
    request = make_request(to="approved")

    def broken(*args, **kwargs):
        raise RuntimeError("the renderer failed")

    monkeypatch.setattr(services, "render_package", broken)
    with pytest.raises(RuntimeError):
        _produce(world.custodian_user, request)
    request.refresh_from_db()
    assert request.status == ReleaseStatus.APPROVED
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["release.produce", "release.released"])


def test_a_released_request_cannot_be_withdrawn(world, make_request):
    request = make_request(to="approved", format="csv")
    _produce(world.custodian_user, request)
    with pytest.raises(ValidationError, match="can no longer be withdrawn"):
        services.withdraw_request(acting_user=world.custodian_user, request=request)


def test_the_officer_reads_their_own_disclosures_but_not_a_colleagues(
    world, make_request, dana_records
):
    mine = make_request(to="approved", format="csv")
    _produce(world.custodian_user, mine)
    colleague = make_request(to="approved", format="csv", officer=world.colleague)
    _produce(world.custodian_user, colleague)
    assert list(
        Disclosure.objects.visible_to(world.officer_user).values_list("request", flat=True)
    ) == [mine.pk]
    assert Disclosure.objects.visible_to(world.custodian_user).count() == 2
    assert not Disclosure.objects.visible_to(world.supervisor_user).exists()
    assert not ReleaseRequest.objects.visible_to(world.officer_user).exists()
    assert not ReleaseRequest.objects.visible_to(world.supervisor_user).exists()
