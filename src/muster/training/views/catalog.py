"""The course catalog: Course IDs, counsel and HR reviews, retiring courses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from muster.agencies.models import Agency
from muster.compliance.rulepack import load_pack
from muster.core.forms import show_service_errors
from muster.training.catalog import (
    agencies_where,
    courses_awaiting_review,
    kinds_user_may_review,
    reactivate_course,
    retire_course,
    review_course,
    review_lines,
    update_course,
)
from muster.training.models import (
    Course,
    CourseStatus,
    ReviewDecision,
    ReviewKind,
    Session,
    Topic,
)
from muster.training.services import create_course
from muster.training.vocabulary import Delivery

ChoiceList = list[tuple[Any, Any]]


def category_choices(agencies: list[Agency]) -> ChoiceList:
    """The categories of the agencies' rule packs, grouped by pack when there are several."""
    packs = sorted({a.rule_pack for a in agencies})
    groups: ChoiceList = []
    for pack_id in packs:
        pack = load_pack(pack_id)
        groups.append((pack_id, [(c.code, c.title) for c in pack.categories]))
    blank: ChoiceList = [("", "— none —")]
    if len(groups) == 1:
        return blank + list(groups[0][1])
    return blank + [(pack_id, items) for pack_id, items in groups if items]


class CourseForm(forms.Form):
    """A course's content as training staff enter it."""

    title = forms.CharField(max_length=200)
    synopsis = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    credit_minutes = forms.IntegerField(
        label="Instructional minutes", min_value=1, help_text="Minutes of one delivery."
    )
    delivery = forms.ChoiceField(choices=Delivery.choices)
    category = forms.ChoiceField(label="State category / core area", required=False)
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    provider = forms.CharField(max_length=200, initial="Training Unit")
    approved_provider = forms.BooleanField(
        label="Provider is on the state's approved-provider list", required=False
    )
    post_certified = forms.BooleanField(label="POST-certified", required=False)
    post_certification_number = forms.CharField(
        label="POST certification number", max_length=40, required=False
    )
    needs_legal_review = forms.BooleanField(
        label="Legal, liability or personnel content (reviewed by General Counsel and HR)",
        required=False,
    )

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = category_choices(agencies)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if data.get("post_certified") and not data.get("post_certification_number", "").strip():
            self.add_error("post_certification_number", "A POST-certified course needs its number.")
        return data

    def service_fields(self) -> tuple[dict[str, Any], list[str]]:
        """The cleaned values as the catalog services take them, and the topic codes."""
        data = dict(self.cleaned_data)
        topics = [t.code for t in data.pop("topics", [])]
        data.pop("agency", None)
        return data, topics


class NewCourseForm(CourseForm):
    """A new course, in one of the agencies where the user manages the catalog."""

    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), empty_label=None)
    field_order = ["agency"]

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, agencies=agencies, **kwargs)
        agency_field = self.fields["agency"]
        assert isinstance(agency_field, forms.ModelChoiceField)
        agency_field.queryset = Agency.objects.filter(pk__in=[a.pk for a in agencies])
        self.only_agency = agencies[0] if len(agencies) == 1 else None
        if self.only_agency is not None:
            agency_field.initial = self.only_agency.pk
            agency_field.widget = forms.HiddenInput()
            agency_field.required = False

    def clean_agency(self) -> Agency | None:
        agency: Agency | None = self.cleaned_data.get("agency")
        return agency or self.only_agency


class ReviewForm(forms.Form):
    """General Counsel's or HR's decision on a course."""

    kind = forms.ChoiceField(label="Reviewing for", choices=ReviewKind.choices)
    decision = forms.ChoiceField(choices=ReviewDecision.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required when changes are needed.",
    )


def _visible_course(request: HttpRequest, pk: int) -> Course:
    return get_object_or_404(
        Course.objects.visible_to(request.user).select_related("agency"), pk=pk
    )


@never_cache
@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    """Every course of the user's agencies, searchable by Course ID or title."""
    courses = Course.objects.visible_to(request.user).select_related("agency")
    query = request.GET.get("q", "").strip()
    if query:
        courses = courses.filter(Q(course_id__icontains=query) | Q(title__icontains=query))
    status = request.GET.get("status", CourseStatus.ACTIVE)
    if status in CourseStatus.values:
        courses = courses.filter(status=status)
    agencies = list(Agency.objects.visible_to(request.user).order_by("name"))
    categories: dict[str, str] = {}
    for pack_id in sorted({a.rule_pack for a in agencies}):
        for c in load_pack(pack_id).categories:
            categories.setdefault(c.code, c.title)
    category = request.GET.get("category", "")
    if category:
        courses = courses.filter(category=category)
    user: Any = request.user
    return render(
        request,
        "training/catalog_list.html",
        {
            "courses": courses.order_by("agency__name", "course_id")[:500],
            "query": query,
            "status": status,
            "statuses": CourseStatus.choices,
            "category": category,
            "categories": sorted(categories.items(), key=lambda item: item[1]),
            "several_agencies": len(agencies) > 1,
            "can_create": bool(agencies_where(user, "training.manage_catalog")),
            "can_review": any(user.has_perm("training.review_course", a) for a in agencies),
        },
    )


@never_cache
@login_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One course: its fields, topics, counsel and HR review status, and its sessions."""
    course = _visible_course(request, pk)
    user: Any = request.user
    sessions = Session.objects.visible_to(user).filter(course=course).order_by("-starts_at")
    return render(
        request,
        "training/catalog_detail.html",
        {
            "course": course,
            "topics": course.topics.all(),
            "reviews": review_lines(course),
            "missing": course.missing_reviews(),
            "sessions": sessions[:100],
            "can_manage": user.has_perm("training.manage_catalog", course),
            "may_review": kinds_user_may_review(user, course),
        },
    )


@never_cache
@login_required
def course_new(request: HttpRequest) -> HttpResponse:
    """Add a course to an agency's catalog under a newly assigned Course ID."""
    agencies = agencies_where(request.user, "training.manage_catalog")
    if not agencies:
        raise PermissionDenied("You may not add courses to a catalog.")
    form = NewCourseForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        fields, topics = form.service_fields()
        try:
            course = create_course(
                acting_user=request.user,
                agency=form.cleaned_data["agency"],
                topics=topics,
                **fields,
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Course {course.course_id} added to the catalog.")
            return redirect("course-detail", pk=course.pk)
    return render(request, "training/catalog_form.html", {"form": form, "course": None})


@never_cache
@login_required
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a course; its Course ID stays, and content changes withdraw its reviews."""
    course = _visible_course(request, pk)
    if not request.user.has_perm("training.manage_catalog", course):
        raise PermissionDenied("You may not change this course.")
    initial = {name: getattr(course, name) for name in CourseForm.base_fields if name != "topics"}
    initial["topics"] = list(course.topics.all())
    form = CourseForm(request.POST or None, initial=initial, agencies=[course.agency])
    if request.method == "POST" and form.is_valid():
        fields, topics = form.service_fields()
        had_reviews = course.reviews.filter(withdrawn_at__isnull=True).exists()
        try:
            update_course(acting_user=request.user, course=course, topics=topics, **fields)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            note = f"Course {course.course_id} saved."
            if had_reviews and not course.reviews.filter(withdrawn_at__isnull=True).exists():
                note += " Its content changed, so General Counsel and HR must review it again."
            messages.success(request, note)
            return redirect("course-detail", pk=course.pk)
    return render(request, "training/catalog_form.html", {"form": form, "course": course})


@never_cache
@login_required
@require_POST
def course_retire(request: HttpRequest, pk: int) -> HttpResponse:
    """Retire a course (or, with action=reactivate, bring it back); never deleted."""
    course = _visible_course(request, pk)
    reactivate = request.POST.get("action") == "reactivate"
    service = reactivate_course if reactivate else retire_course
    try:
        service(acting_user=request.user, course=course, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        done = "returned to use" if reactivate else "retired; it stays in the catalog's history"
        messages.success(request, f"Course {course.course_id} {done}.")
    return HttpResponseRedirect(reverse("course-detail", args=[course.pk]))


@never_cache
@login_required
def course_review(request: HttpRequest, pk: int) -> HttpResponse:
    """General Counsel's or HR's review of a course with legal or personnel content."""
    course = _visible_course(request, pk)
    if not request.user.has_perm("training.review_course", course):
        raise PermissionDenied("Only General Counsel and HR review courses.")
    allowed = kinds_user_may_review(request.user, course)
    form = ReviewForm(request.POST or None, initial={"kind": allowed[0] if allowed else None})
    if request.method == "POST" and form.is_valid():
        try:
            review_course(acting_user=request.user, course=course, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Your review of {course.course_id} is recorded.")
            return redirect("course-detail", pk=course.pk)
    return render(
        request,
        "training/catalog_review.html",
        {"form": form, "course": course, "reviews": review_lines(course), "allowed": allowed},
    )


@never_cache
@login_required
def course_review_queue(request: HttpRequest) -> HttpResponse:
    """Courses awaiting the signed-in counsel or HR reviewer."""
    user: Any = request.user
    if not (user.scope.everything or any("counsel_hr" in r for r in user.scope.roles.values())):
        raise PermissionDenied("Only General Counsel and HR review courses.")
    labels = dict(ReviewKind.choices)
    rows = [(course, [labels[k] for k in kinds]) for course, kinds in courses_awaiting_review(user)]
    return render(request, "training/catalog_review_queue.html", {"rows": rows})


urlpatterns: list[URLPattern] = [
    path("courses/", course_list, name="course-list"),
    path("courses/new/", course_new, name="course-new"),
    path("courses/review-queue/", course_review_queue, name="course-review-queue"),
    path("courses/<int:pk>/", course_detail, name="course-detail"),
    path("courses/<int:pk>/edit/", course_edit, name="course-edit"),
    path("courses/<int:pk>/retire/", course_retire, name="course-retire"),
    path("courses/<int:pk>/review/", course_review, name="course-review"),
]
