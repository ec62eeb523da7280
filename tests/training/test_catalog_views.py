"""Catalog pages: list, detail, create, edit, retire, counsel/HR review and the review queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from muster.accounts.models import Role
from muster.core.models import AuditEvent
from muster.training.catalog import review_course
from muster.training.models import Course, CourseReview, CourseStatus
from muster.training.services import create_course
from tests.conftest import member
from tests.factories import AgencyFactory, CourseFactory, MembershipFactory, SessionFactory


@pytest.fixture
def legal_course(world):
    return create_course(
        acting_user=world.training_user,
        agency=world.agency,
        title="Case Law Update",
        credit_minutes=100,
        delivery="in_person",
        category="legal_studies",
        topics=["legal_update"],
        provider="Training Unit",
        needs_legal_review=True,
    )


@pytest.fixture
def counsel(world):
    return member(Role.COUNSEL_HR, world.agency)


def _course_post(**overrides):
    data = {
        "title": "Defensive Tactics",
        "synopsis": "Holds and takedowns.",
        "credit_minutes": "100",
        "delivery": "in_person",
        "category": "skill_development",
        "topics": ["arrest_control"],
        "provider": "Training Unit",
    }
    data.update(overrides)
    return data


def test_every_member_reads_the_catalog_of_their_agency_only(client, world, legal_course):
    foreign = CourseFactory(agency=world.other_agency, title="Kansas Only")
    client.force_login(world.officer_user)
    body = client.get(reverse("course-list")).content.decode()
    assert legal_course.course_id in body
    assert "Kansas Only" not in body
    assert "Add a course" not in body
    assert client.get(reverse("course-detail", args=[legal_course.pk])).status_code == 200
    assert client.get(reverse("course-detail", args=[foreign.pk])).status_code == 404


def test_search_by_course_id_or_title_and_filter(client, world, legal_course):
    CourseFactory(agency=world.agency, title="Driving", category="skill_development")
    client.force_login(world.officer_user)
    url = reverse("course-list")
    body = client.get(url, {"q": legal_course.course_id}).content.decode()
    assert "Case Law Update" in body
    assert "Driving" not in body
    body = client.get(url, {"q": "driv"}).content.decode()
    assert "Driving" in body
    assert "Case Law Update" not in body
    body = client.get(url, {"category": "skill_development"}).content.decode()
    assert "Driving" in body
    assert "Case Law Update" not in body


def test_a_retired_course_stays_readable(client, world, legal_course):
    client.force_login(world.training_user)
    response = client.post(reverse("course-retire", args=[legal_course.pk]), {"action": "retire"})
    assert response.status_code == 302
    legal_course.refresh_from_db()
    assert legal_course.status == CourseStatus.RETIRED
    client.force_login(world.officer_user)
    body = client.get(reverse("course-detail", args=[legal_course.pk])).content.decode()
    assert "Retired" in body
    assert legal_course.course_id in body
    active = client.get(reverse("course-list")).content.decode()
    assert legal_course.course_id not in active
    retired = client.get(reverse("course-list"), {"status": "retired"}).content.decode()
    assert legal_course.course_id in retired


def test_an_officer_cannot_retire_a_course(client, world, legal_course):
    client.force_login(world.officer_user)
    response = client.post(reverse("course-retire", args=[legal_course.pk]), {"action": "retire"})
    assert response.status_code == 403
    assert Course.objects.get(pk=legal_course.pk).status == CourseStatus.ACTIVE


def test_training_staff_create_a_course_with_a_new_course_id(client, world):
    client.force_login(world.training_user)
    page = client.get(reverse("course-new")).content.decode()
    assert "Legal Studies" in page  # category choices come from the agency's pack
    assert "Racial profiling" in page  # topic checkboxes
    response = client.post(reverse("course-new"), _course_post())
    course = Course.objects.get(title="Defensive Tactics")
    assert response.status_code == 302
    assert response["Location"] == reverse("course-detail", args=[course.pk])
    assert course.course_id.startswith(world.agency.course_id_prefix + "-")
    assert list(course.topics.values_list("code", flat=True)) == ["arrest_control"]
    assert AuditEvent.objects.filter(action="course.create", object_id=str(course.pk)).exists()


def test_an_officer_cannot_create_a_course(client, world):
    client.force_login(world.officer_user)
    assert client.get(reverse("course-new")).status_code == 403
    assert client.post(reverse("course-new"), _course_post()).status_code == 403
    assert not Course.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("credit_minutes", "0"), ("credit_minutes", "lots"), ("title", ""), ("category", "bogus")],
)
def test_bad_course_input_shows_a_field_error_and_creates_nothing(client, world, field, value):
    client.force_login(world.training_user)
    response = client.post(reverse("course-new"), _course_post(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Course.objects.exists()


def test_a_certified_course_without_its_number_is_refused(client, world):
    client.force_login(world.training_user)
    response = client.post(reverse("course-new"), _course_post(post_certified="on"))
    assert "post_certification_number" in response.context["form"].errors
    assert not Course.objects.exists()


def test_a_user_in_two_agencies_picks_only_where_they_manage_the_catalog(client, world):
    third = AgencyFactory()  # an agency where the user is only an officer
    MembershipFactory(user=world.training_user, role=Role.TRAINING_STAFF, agency=world.other_agency)
    MembershipFactory(user=world.training_user, role=Role.OFFICER, agency=third)
    client.force_login(world.training_user)
    form = client.get(reverse("course-new")).context["form"]
    choices = set(form.fields["agency"].queryset)
    assert choices == {world.agency, world.other_agency}
    response = client.post(reverse("course-new"), _course_post(agency=third.pk, category=""))
    assert "agency" in response.context["form"].errors
    assert not Course.objects.exists()
    response = client.post(
        reverse("course-new"), _course_post(agency=world.other_agency.pk, category="")
    )
    assert response.status_code == 302
    assert Course.objects.get().agency == world.other_agency


def test_editing_keeps_the_course_id_and_withdraws_reviews(client, world, legal_course, counsel):
    hr = member(Role.COUNSEL_HR, world.agency)
    review_course(acting_user=counsel, course=legal_course, kind="counsel", decision="approved")
    review_course(acting_user=hr, course=legal_course, kind="hr", decision="approved")
    client.force_login(world.training_user)
    url = reverse("course-edit", args=[legal_course.pk])
    form = client.get(url).context["form"]
    assert form.initial["title"] == "Case Law Update"
    response = client.post(
        url,
        _course_post(
            title="Case Law 2027",
            category="legal_studies",
            topics=["legal_update"],
            needs_legal_review="on",
        ),
        follow=True,
    )
    assert "review it again" in response.content.decode()
    course = Course.objects.get(pk=legal_course.pk)
    assert course.course_id == legal_course.course_id
    assert course.title == "Case Law 2027"
    assert course.missing_reviews() == ["counsel", "hr"]


def test_an_officer_cannot_edit_and_another_agency_gets_404(client, world, legal_course):
    client.force_login(world.officer_user)
    url = reverse("course-edit", args=[legal_course.pk])
    assert client.post(url, _course_post()).status_code == 403
    assert Course.objects.get(pk=legal_course.pk).title == "Case Law Update"
    stranger = member(Role.TRAINING_STAFF, world.other_agency)
    client.force_login(stranger)
    assert client.get(url).status_code == 404


def test_detail_shows_review_status_and_sessions(client, world, legal_course, counsel):
    SessionFactory(course=legal_course, location="Range Classroom")
    client.force_login(world.officer_user)
    body = client.get(reverse("course-detail", args=[legal_course.pk])).content.decode()
    assert "Needs General Counsel review" in body
    assert "Needs Human Resources review" in body
    assert "Range Classroom" in body
    counsel.first_name, counsel.last_name = "Gina", "Counsel"
    counsel.save()
    review_course(acting_user=counsel, course=legal_course, kind="counsel", decision="approved")
    body = client.get(reverse("course-detail", args=[legal_course.pk])).content.decode()
    assert "General Counsel: approved by Gina Counsel" in body
    assert "Needs Human Resources review" in body


def test_counsel_reviews_through_the_form(client, world, legal_course, counsel):
    client.force_login(counsel)
    queue = client.get(reverse("course-review-queue")).content.decode()
    assert legal_course.course_id in queue
    response = client.post(
        reverse("course-review", args=[legal_course.pk]),
        {"kind": "counsel", "decision": "approved", "note": ""},
    )
    assert response.status_code == 302
    review = CourseReview.objects.get()
    assert (review.kind, review.reviewer) == ("counsel", counsel)


def test_the_same_person_cannot_record_the_second_review(client, world, legal_course, counsel):
    review_course(acting_user=counsel, course=legal_course, kind="counsel", decision="approved")
    client.force_login(counsel)
    assert legal_course.course_id not in client.get(reverse("course-review-queue")).content.decode()
    response = client.post(
        reverse("course-review", args=[legal_course.pk]), {"kind": "hr", "decision": "approved"}
    )
    assert response.status_code == 200
    assert "two different people" in str(response.context["form"].errors["kind"])
    assert CourseReview.objects.count() == 1


def test_changes_needed_without_a_note_shows_the_error(client, world, legal_course, counsel):
    client.force_login(counsel)
    response = client.post(
        reverse("course-review", args=[legal_course.pk]),
        {"kind": "counsel", "decision": "changes", "note": ""},
    )
    assert "note" in response.context["form"].errors
    assert not CourseReview.objects.exists()


def test_training_staff_cannot_review(client, world, legal_course):
    client.force_login(world.training_user)
    url = reverse("course-review", args=[legal_course.pk])
    assert client.post(url, {"kind": "counsel", "decision": "approved"}).status_code == 403
    assert client.get(reverse("course-review-queue")).status_code == 403
    assert not CourseReview.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("course-list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
