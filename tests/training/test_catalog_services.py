"""Catalog services: editing keeps the Course ID, withdraws reviews; retiring; counsel/HR review."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from muster.accounts.models import Role
from muster.core.models import AuditEvent
from muster.training.catalog import (
    courses_awaiting_review,
    kinds_user_may_review,
    reactivate_course,
    retire_course,
    review_course,
    update_course,
)
from muster.training.demo_catalog import load_demo
from muster.training.models import Course, CourseReview, CourseStatus
from muster.training.services import create_course
from tests.conftest import member
from tests.factories import TopicFactory


@pytest.fixture
def legal_course(world):
    TopicFactory(code="legal_update")
    return create_course(
        acting_user=world.training_user,
        agency=world.agency,
        title="Case Law Update",
        synopsis="This year's decisions.",
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


@pytest.fixture
def hr(world):
    return member(Role.COUNSEL_HR, world.agency)


def _approve_both(course, counsel, hr):
    review_course(acting_user=counsel, course=course, kind="counsel", decision="approved")
    review_course(acting_user=hr, course=course, kind="hr", decision="approved")


def test_counsel_and_hr_approvals_clear_the_missing_reviews(legal_course, counsel, hr):
    assert legal_course.missing_reviews() == ["counsel", "hr"]
    review = review_course(
        acting_user=counsel, course=legal_course, kind="counsel", decision="approved"
    )
    assert legal_course.missing_reviews() == ["hr"]
    assert review.reviewer == counsel
    event = AuditEvent.objects.get(action="course_review.create")
    assert event.object_id == str(review.pk)
    assert event.agency_id == legal_course.agency_id
    review_course(acting_user=hr, course=legal_course, kind="hr", decision="approved")
    assert legal_course.missing_reviews() == []


@pytest.mark.parametrize("who", ["training_user", "officer_user", "admin_user", "supervisor_user"])
def test_only_counsel_or_hr_may_review(world, legal_course, who):
    with pytest.raises(PermissionDenied):
        review_course(
            acting_user=getattr(world, who),
            course=legal_course,
            kind="counsel",
            decision="approved",
        )
    assert not CourseReview.objects.exists()
    assert not AuditEvent.objects.filter(action="course_review.create").exists()


def test_counsel_of_another_agency_may_not_review(world, legal_course):
    stranger = member(Role.COUNSEL_HR, world.other_agency)
    with pytest.raises(PermissionDenied):
        review_course(acting_user=stranger, course=legal_course, kind="hr", decision="approved")
    assert not CourseReview.objects.exists()


def test_the_same_person_may_not_record_both_reviews(legal_course, counsel):
    review_course(acting_user=counsel, course=legal_course, kind="counsel", decision="approved")
    with pytest.raises(ValidationError) as err:
        review_course(acting_user=counsel, course=legal_course, kind="hr", decision="approved")
    assert "kind" in err.value.message_dict
    assert legal_course.reviews.count() == 1
    assert legal_course.missing_reviews() == ["hr"]
    assert kinds_user_may_review(counsel, legal_course) == []


def test_a_course_without_legal_content_is_not_reviewed(world, counsel):
    course = create_course(
        acting_user=world.training_user,
        agency=world.agency,
        title="Driving",
        credit_minutes=60,
        delivery="in_person",
        provider="Training Unit",
    )
    with pytest.raises(ValidationError) as err:
        review_course(acting_user=counsel, course=course, kind="counsel", decision="approved")
    assert "kind" in err.value.message_dict
    assert not CourseReview.objects.exists()


def test_changes_needed_requires_a_note_and_does_not_approve(legal_course, counsel):
    with pytest.raises(ValidationError) as err:
        review_course(acting_user=counsel, course=legal_course, kind="counsel", decision="changes")
    assert "note" in err.value.message_dict
    assert not CourseReview.objects.exists()
    review_course(
        acting_user=counsel,
        course=legal_course,
        kind="counsel",
        decision="changes",
        note="Cite the 2026 decision.",
    )
    assert legal_course.missing_reviews() == ["counsel", "hr"]


def test_a_newer_review_of_the_same_kind_replaces_the_earlier_one(legal_course, counsel):
    first = review_course(
        acting_user=counsel, course=legal_course, kind="counsel", decision="approved"
    )
    review_course(
        acting_user=counsel, course=legal_course, kind="counsel", decision="changes", note="Wait."
    )
    first.refresh_from_db()
    assert first.withdrawn_at is not None
    assert legal_course.missing_reviews() == ["counsel", "hr"]


def test_editing_content_withdraws_reviews_and_keeps_the_course_id(
    legal_course, counsel, hr, world
):
    _approve_both(legal_course, counsel, hr)
    course_id = legal_course.course_id
    update_course(acting_user=world.training_user, course=legal_course, title="Case Law 2027")
    legal_course.refresh_from_db()
    assert legal_course.course_id == course_id
    assert legal_course.title == "Case Law 2027"
    assert legal_course.missing_reviews() == ["counsel", "hr"]
    assert CourseReview.objects.filter(withdrawn_at__isnull=False).count() == 2
    event = AuditEvent.objects.get(action="course.update")
    assert event.before["title"] == "Case Law Update"
    assert event.after["title"] == "Case Law 2027"
    assert event.after["reviews_withdrawn"] == 2
    assert AuditEvent.objects.filter(action="course_review.withdraw").count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"synopsis": "New"},
        {"credit_minutes": 50},
        {"category": "technical_studies"},
        {"delivery": "online"},
        {"topics": []},
    ],
)
def test_every_reviewed_field_withdraws_reviews(legal_course, counsel, hr, world, change):
    _approve_both(legal_course, counsel, hr)
    update_course(acting_user=world.training_user, course=legal_course, **change)
    assert legal_course.missing_reviews() == ["counsel", "hr"]


def test_a_provider_change_keeps_the_reviews(legal_course, counsel, hr, world):
    _approve_both(legal_course, counsel, hr)
    update_course(acting_user=world.training_user, course=legal_course, provider="Academy")
    assert legal_course.missing_reviews() == []


def test_the_course_id_cannot_be_changed(legal_course, world):
    with pytest.raises(ValidationError) as err:
        update_course(acting_user=world.training_user, course=legal_course, course_id="X-1")
    assert "course_id" in err.value.message_dict
    assert Course.objects.get(pk=legal_course.pk).course_id == legal_course.course_id


@pytest.mark.parametrize("who", ["officer_user", "supervisor_user", "custodian_user"])
def test_only_training_staff_may_edit(world, legal_course, who):
    with pytest.raises(PermissionDenied):
        update_course(acting_user=getattr(world, who), course=legal_course, title="Hijacked")
    assert Course.objects.get(pk=legal_course.pk).title == "Case Law Update"
    assert not AuditEvent.objects.filter(action="course.update").exists()


def test_bad_edits_are_refused_by_field_and_change_nothing(legal_course, world):
    with pytest.raises(ValidationError) as err:
        update_course(acting_user=world.training_user, course=legal_course, category="nonsense")
    assert "category" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        update_course(acting_user=world.training_user, course=legal_course, post_certified=True)
    assert "post_certification_number" in err.value.message_dict
    legal_course.refresh_from_db()
    assert legal_course.category == "legal_studies"
    assert legal_course.post_certified is False
    assert not AuditEvent.objects.filter(action="course.update").exists()


def test_retire_and_reactivate_keep_the_course_id(legal_course, world):
    retire_course(acting_user=world.training_user, course=legal_course, reason="Replaced")
    legal_course.refresh_from_db()
    assert legal_course.status == CourseStatus.RETIRED
    assert AuditEvent.objects.get(action="course.retire").reason == "Replaced"
    with pytest.raises(ValidationError):
        retire_course(acting_user=world.training_user, course=legal_course)
    reactivate_course(acting_user=world.training_user, course=legal_course)
    legal_course.refresh_from_db()
    assert legal_course.status == CourseStatus.ACTIVE
    assert AuditEvent.objects.filter(action="course.reactivate").count() == 1
    # A new course never takes a retired course's number.
    newer = create_course(
        acting_user=world.training_user,
        agency=world.agency,
        title="Next",
        credit_minutes=60,
        delivery="in_person",
        provider="Training Unit",
    )
    assert newer.course_id != legal_course.course_id


def test_an_officer_may_not_retire(world, legal_course):
    with pytest.raises(PermissionDenied):
        retire_course(acting_user=world.officer_user, course=legal_course)
    assert Course.objects.get(pk=legal_course.pk).status == CourseStatus.ACTIVE


def test_a_retired_course_is_not_reviewed(legal_course, counsel, world):
    retire_course(acting_user=world.training_user, course=legal_course)
    with pytest.raises(ValidationError):
        review_course(acting_user=counsel, course=legal_course, kind="counsel", decision="approved")
    assert not CourseReview.objects.exists()


def test_the_queue_lists_what_this_reviewer_may_still_do(legal_course, counsel, hr):
    assert courses_awaiting_review(counsel) == [(legal_course, ["counsel", "hr"])]
    review_course(acting_user=counsel, course=legal_course, kind="counsel", decision="approved")
    assert courses_awaiting_review(counsel) == []
    assert courses_awaiting_review(hr) == [(legal_course, ["hr"])]


def test_demo_loader_makes_a_reviewed_course_and_one_awaiting_hr(world, counsel, hr):
    load_demo(world.agency, counsel_user=counsel, hr_user=hr)
    courses = list(Course.objects.filter(agency=world.agency, needs_legal_review=True))
    assert sorted(len(c.missing_reviews()) for c in courses) == [0, 1]
    waiting = next(c for c in courses if c.missing_reviews())
    assert waiting.missing_reviews() == ["hr"]


def test_staff_cannot_untick_the_review_once_a_reviewer_has_answered(legal_course, counsel, world):
    update_course(acting_user=world.training_user, course=legal_course, needs_legal_review=False)
    legal_course.refresh_from_db()
    assert legal_course.needs_legal_review is False  # a mistake at entry, before any review
    update_course(acting_user=world.training_user, course=legal_course, needs_legal_review=True)
    review_course(
        acting_user=counsel,
        course=legal_course,
        kind="counsel",
        decision="changes",
        note="Cite the 2024 case.",
    )
    with pytest.raises(ValidationError, match="only they may decide"):
        update_course(
            acting_user=world.training_user, course=legal_course, needs_legal_review=False
        )
    legal_course.refresh_from_db()
    assert legal_course.needs_legal_review is True
