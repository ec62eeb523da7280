"""Catalog changes: editing, retiring and reviewing courses (policy III.G, IV.B.1).

A Course ID is assigned once by create_course (training/services.py) and never changes,
is never reused and is never deleted: courses are retired instead. Training on legal,
liability or personnel issues is reviewed by General Counsel and by HR, two separate offices,
before it is scheduled; changing what the course teaches withdraws those reviews.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from muster.accounts.models import Role
from muster.agencies.models import Agency
from muster.compliance.rulepack import load_pack
from muster.core.audit import record_audit, snapshot
from muster.core.services import require
from muster.training.models import (
    Course,
    CourseReview,
    CourseStatus,
    ReviewDecision,
    ReviewKind,
    Topic,
)

# Fields training staff may change after creation; the Course ID and agency never change.
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "synopsis",
        "credit_minutes",
        "delivery",
        "category",
        "provider",
        "approved_provider",
        "post_certified",
        "post_certification_number",
        "needs_legal_review",
    }
)
# What counsel and HR actually reviewed: a change to any of these withdraws their reviews.
REVIEWED_FIELDS = frozenset(
    {"title", "synopsis", "credit_minutes", "category", "delivery", "needs_legal_review"}
)


def _topic_rows(codes: Iterable[str]) -> list[Topic]:
    wanted = sorted(set(codes))
    found = {t.code: t for t in Topic.objects.filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise ValidationError({"topics": f"Unknown topic code: {', '.join(missing)}."})
    return [found[c] for c in wanted]


def _check_category(agency: Agency, category: str) -> None:
    known = sorted(load_pack(agency.rule_pack).category_codes)
    if category and category not in known:
        allowed = ", ".join(known) if known else "none (leave it empty)"
        raise ValidationError(
            {"category": f"'{category}' is not a category of {agency.rule_pack}; use {allowed}."}
        )


def _course_state(course: Course) -> dict[str, Any]:
    return snapshot(course) | {"topics": sorted(course.topics.values_list("code", flat=True))}


def _withdraw_reviews(acting_user: Any, course: Course, kinds: Iterable[str], why: str) -> int:
    """Mark the course's reviews in force (of these kinds) withdrawn; each is audited."""
    now = timezone.now()
    withdrawn = 0
    for review in course.reviews.filter(withdrawn_at__isnull=True, kind__in=list(kinds)):
        before = snapshot(review)
        review.withdrawn_at = now
        review.save(update_fields=["withdrawn_at"])
        record_audit(
            actor=acting_user,
            action="course_review.withdraw",
            obj=review,
            agency_id=course.agency_id,
            before=before,
            after=snapshot(review),
            reason=why,
        )
        withdrawn += 1
    return withdrawn


def update_course(
    *, acting_user: Any, course: Course, topics: Iterable[str] | None = None, **fields: Any
) -> Course:
    """Change a course's content; its Course ID stays. Content changes withdraw its reviews."""
    require(acting_user, "training.manage_catalog", course)
    if "course_id" in fields or "agency" in fields:
        raise ValidationError({"course_id": "A course keeps its Course ID and agency for good."})
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Cannot change: {', '.join(sorted(unknown))}")
    if "category" in fields:
        _check_category(course.agency, fields["category"] or "")
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if (
            course.needs_legal_review
            and fields.get("needs_legal_review") is False
            and course.reviews.exists()
            and not acting_user.has_perm("training.review_course", course)
        ):
            # A box ticked by mistake may be unticked before anyone reviews the course; once
            # counsel or HR has looked at it, unticking would skip the review policy III.G requires.
            raise ValidationError(
                {
                    "needs_legal_review": "General Counsel or HR has reviewed this course; only "
                    "they may decide that it no longer needs their review."
                }
            )
        before = _course_state(course)
        topic_rows = _topic_rows(topics) if topics is not None else None
        for name, value in fields.items():
            setattr(course, name, value)
        if course.post_certified and not course.post_certification_number.strip():
            raise ValidationError(
                {"post_certification_number": "A POST-certified course needs its number."}
            )
        course.full_clean()
        course.save()
        if topic_rows is not None:
            course.topics.set(topic_rows)
        after = _course_state(course)
        changed = sorted(k for k in after if after[k] != before.get(k))
        reviewed_change = [k for k in changed if k in REVIEWED_FIELDS or k == "topics"]
        withdrawn = 0
        if reviewed_change:
            withdrawn = _withdraw_reviews(
                acting_user,
                course,
                ReviewKind.values,
                f"Course content changed: {', '.join(reviewed_change)}.",
            )
        record_audit(
            actor=acting_user,
            action="course.update",
            obj=course,
            agency_id=course.agency_id,
            before=before,
            after=after | {"reviews_withdrawn": withdrawn},
        )
    return course


def _set_status(acting_user: Any, course: Course, status: str, action: str, reason: str) -> Course:
    require(acting_user, "training.manage_catalog", course)
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.status == status:
            label = CourseStatus(status).label.lower()
            raise ValidationError({"status": f"{course.course_id} is already {label}."})
        before = snapshot(course)
        course.status = status
        course.save(update_fields=["status"])
        record_audit(
            actor=acting_user,
            action=action,
            obj=course,
            agency_id=course.agency_id,
            before=before,
            after=snapshot(course),
            reason=reason,
        )
    return course


def retire_course(*, acting_user: Any, course: Course, reason: str = "") -> Course:
    """Take a course out of use; it stays readable and its Course ID is never reused. Audited."""
    return _set_status(acting_user, course, CourseStatus.RETIRED, "course.retire", reason)


def reactivate_course(*, acting_user: Any, course: Course, reason: str = "") -> Course:
    """Bring a retired course back into use under the same Course ID. Audited."""
    return _set_status(acting_user, course, CourseStatus.ACTIVE, "course.reactivate", reason)


def review_course(
    *, acting_user: Any, course: Course, kind: str, decision: str, note: str = ""
) -> CourseReview:
    """Record General Counsel's or HR's review of a course (policy III.G); audited.

    A newer review of the same kind replaces the earlier one. One person may not record both
    the counsel and the HR review of a course: they are two separate offices.
    """
    require(acting_user, "training.review_course", course)
    note = note.strip()
    if kind not in ReviewKind.values:
        raise ValidationError({"kind": "Choose General Counsel or Human Resources."})
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": "Choose approved or changes needed."})
    if decision == ReviewDecision.CHANGES and not note:
        raise ValidationError({"note": "Say what has to change."})
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if not course.needs_legal_review:
            raise ValidationError(
                {"kind": f"{course.course_id} has no legal or personnel content to review."}
            )
        if course.status != CourseStatus.ACTIVE:
            raise ValidationError({"kind": f"{course.course_id} is retired."})
        other = [k for k in ReviewKind.values if k != kind]
        if course.reviews.filter(
            reviewer_id=acting_user.pk, kind__in=other, withdrawn_at__isnull=True
        ).exists():
            raise ValidationError(
                {
                    "kind": "You already reviewed this course for the other office; General "
                    "Counsel and HR reviews are recorded by two different people."
                }
            )
        _withdraw_reviews(acting_user, course, [kind], "Replaced by a newer review.")
        review = CourseReview(
            course=course, kind=kind, decision=decision, note=note, reviewer=acting_user
        )
        review.full_clean(exclude=["course", "reviewer"])
        review.save()
        record_audit(
            actor=acting_user,
            action="course_review.create",
            obj=review,
            agency_id=course.agency_id,
            after=snapshot(review),
        )
    return review


# --- Reading the catalog --------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewLine:
    """Where one kind of review of a course stands, for the course page."""

    kind: str
    label: str
    review: CourseReview | None

    @property
    def approved(self) -> bool:
        """Whether this office has approved the course as it stands."""
        return self.review is not None and self.review.decision == ReviewDecision.APPROVED


def review_lines(course: Course) -> list[ReviewLine]:
    """The review in force of each kind (counsel, HR), or None where it is still needed."""
    current: dict[str, CourseReview] = {}
    for review in course.reviews.filter(withdrawn_at__isnull=True).select_related("reviewer"):
        current.setdefault(review.kind, review)  # newest first (model ordering)
    return [ReviewLine(k, str(label), current.get(k)) for k, label in ReviewKind.choices]


def kinds_user_may_review(user: Any, course: Course) -> list[str]:
    """The review kinds still missing that this user may record (not both offices)."""
    if not course.needs_legal_review or course.status != CourseStatus.ACTIVE:
        return []
    if not user.has_perm("training.review_course", course):
        return []
    mine = {
        r.kind for r in course.reviews.all() if r.withdrawn_at is None and r.reviewer_id == user.pk
    }
    return [k for k in course.missing_reviews() if not (mine - {k})]


def courses_awaiting_review(user: Any) -> list[tuple[Course, list[str]]]:
    """Active courses of the user's agencies missing a review this user may record."""
    scope = user.scope
    agency_ids = [a for a, roles in scope.roles.items() if Role.COUNSEL_HR in roles]
    courses = (
        Course.objects.visible_to(user)
        .filter(needs_legal_review=True, status=CourseStatus.ACTIVE)
        .select_related("agency")
        .prefetch_related("reviews")
    )
    if not scope.everything:
        courses = courses.filter(agency_id__in=agency_ids)
    out = []
    for course in courses:
        kinds = kinds_user_may_review(user, course)
        if kinds:
            out.append((course, kinds))
    return out


def agencies_where(user: Any, permission: str) -> list[Agency]:
    """The agencies the user reads in which they hold `permission` (e.g. manage the catalog)."""
    return [
        a for a in Agency.objects.visible_to(user).order_by("name") if user.has_perm(permission, a)
    ]
