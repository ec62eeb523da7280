"""Entry and inquiry: training staff enter, void and correct records and qualifications."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache

from muster.core.forms import show_service_errors
from muster.core.uploads import ACCEPT_ATTRIBUTE, attachment_response, check_upload
from muster.people.models import Officer
from muster.training.models import (
    Course,
    CourseStatus,
    Participation,
    QualificationEvent,
    RecordKind,
    RecordSource,
    Topic,
    TrainingRecord,
    WeaponType,
)
from muster.training.services import (
    correct_training_record,
    record_qualification,
    record_training,
    void_qualification,
    void_training_record,
)
from muster.training.views.catalog import category_choices
from muster.training.vocabulary import Delivery

_DATE = forms.DateInput(attrs={"type": "date"})


class RecordFieldsForm(forms.Form):
    """What a training record says, as training staff enter or correct it."""

    completed_on = forms.DateField(label="Completed on", widget=_DATE)
    kind = forms.ChoiceField(choices=RecordKind.choices, initial=RecordKind.OUTSIDE)
    title = forms.CharField(max_length=200, required=False)
    minutes = forms.IntegerField(
        min_value=1, required=False, help_text="Minutes attended or taught."
    )
    credit_hours = forms.DecimalField(
        label="Stated hours",
        min_value=Decimal("0.01"),
        max_digits=6,
        decimal_places=2,
        required=False,
        help_text="Hours a certificate states, when the minutes are not known.",
    )
    semester_hours = forms.DecimalField(
        min_value=Decimal("0.1"),
        max_digits=4,
        decimal_places=1,
        required=False,
        help_text="College courses only.",
    )
    participation = forms.ChoiceField(choices=Participation.choices)
    delivery = forms.ChoiceField(choices=[("", "—"), *Delivery.choices], required=False)
    category = forms.ChoiceField(label="State category / core area", required=False)
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    provider = forms.CharField(max_length=200, required=False)
    post_certified = forms.BooleanField(label="POST-certified", required=False)
    location = forms.CharField(max_length=200, required=False)
    instructor_name = forms.CharField(label="Instructor", max_length=200, required=False)

    def __init__(self, *args: Any, officer: Officer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.officer = officer
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = category_choices([officer.agency])

    def has_course(self) -> bool:
        """Whether the entry is from a catalog course (whose fields fill the blanks)."""
        return False

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        amounts = [data.get(n) for n in ("minutes", "credit_hours")]
        if all(a is not None for a in amounts):
            self.add_error("credit_hours", "Give the minutes or the stated hours, not both.")
        if not self.has_course():
            if not data.get("title"):
                self.add_error("title", "Give the training's title, or choose a course.")
            if not data.get("delivery"):
                self.add_error("delivery", "Say how the training was delivered.")
            no_amount = all(
                data.get(n) is None for n in ("minutes", "credit_hours", "semester_hours")
            )
            if no_amount and "minutes" not in self.errors:
                self.add_error("minutes", "Give the minutes, the stated hours or semester hours.")
        if data.get("kind") == RecordKind.COLLEGE and data.get("semester_hours") is None:
            self.add_error("semester_hours", "A college course needs its semester hours.")
        return data


class RecordEntryForm(RecordFieldsForm):
    """A new record: from a catalog course (copying its fields) or entered freely."""

    course = forms.ModelChoiceField(
        queryset=Course.objects.none(),
        required=False,
        empty_label="— free entry (no catalog course) —",
        help_text="A course fills in its title, minutes, delivery, category, topics and "
        "provider; anything you enter below overrides it.",
    )
    evidence = forms.FileField(
        label="Certificate (PDF, PNG or JPEG)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )
    field_order = ["course", "completed_on"]

    def __init__(self, *args: Any, officer: Officer, **kwargs: Any) -> None:
        super().__init__(*args, officer=officer, **kwargs)
        course_field = self.fields["course"]
        assert isinstance(course_field, forms.ModelChoiceField)
        course_field.queryset = Course.objects.filter(
            agency_id=officer.agency_id, status=CourseStatus.ACTIVE
        )
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.required = False
        kind.choices = [("", "— the course's, or outside training —"), *RecordKind.choices]
        kind.initial = ""
        self.fields["participation"].initial = Participation.ATTENDEE

    def has_course(self) -> bool:
        return self.cleaned_data.get("course") is not None

    def clean_evidence(self) -> Any:
        upload = self.cleaned_data.get("evidence")
        if upload:
            try:
                check_upload(upload, field="evidence")
            except ValidationError as error:
                raise ValidationError(error.message_dict["evidence"]) from error
        return upload

    def record_values(self) -> dict[str, Any]:
        """The values for record_training; blanks are left to the course when there is one."""
        data = dict(self.cleaned_data)
        course = data.pop("course")
        evidence = data.pop("evidence") or None
        topics = [t.code for t in data.pop("topics")]
        values: dict[str, Any] = {
            "completed_on": data["completed_on"],
            "participation": data["participation"],
            "location": data["location"],
            "instructor_name": data["instructor_name"],
            "minutes": data["minutes"],
            "credit_hours": data["credit_hours"],
            "semester_hours": data["semester_hours"],
            "course": course,
            "evidence": evidence,
            "source": RecordSource.CERTIFICATE if evidence else RecordSource.MANUAL,
        }
        if course is None:
            values |= {
                "kind": data["kind"] or RecordKind.OUTSIDE,
                "title": data["title"],
                "delivery": data["delivery"],
                "category": data["category"],
                "topics": topics,
                "provider": data["provider"],
                "post_certified": data["post_certified"],
            }
        else:
            # Only what was entered overrides the course; a ticked box is an override too.
            values["kind"] = data["kind"] or None
            values["title"] = data["title"]
            values["delivery"] = data["delivery"] or None
            values["category"] = data["category"] or None
            values["topics"] = topics or None
            values["provider"] = data["provider"] or None
            values["post_certified"] = True if data["post_certified"] else None
        return values


class RecordCorrectForm(RecordFieldsForm):
    """A correction: the record's values, changed where wrong, and why."""

    reason = forms.CharField(
        label="Reason for the correction", widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def initial_for(cls, record: TrainingRecord) -> dict[str, Any]:
        """The record's current values, to pre-fill the form."""
        initial = {name: getattr(record, name) for name in cls.base_fields if name != "reason"}
        initial["topics"] = list(record.topics.all())
        return initial

    def changes(self) -> dict[str, Any]:
        """The corrected values for correct_training_record."""
        data = dict(self.cleaned_data)
        data.pop("reason")
        data["topics"] = [t.code for t in data["topics"]]
        return data


class VoidForm(forms.Form):
    """Why a record or qualification is voided."""

    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}))


class QualificationForm(forms.Form):
    """A firearms qualification shoot."""

    qualified_on = forms.DateField(widget=_DATE)
    weapon_type = forms.ChoiceField(choices=WeaponType.choices)
    weapon = forms.CharField(max_length=100, required=False, help_text="Make, model or serial.")
    course_of_fire = forms.CharField(max_length=100)
    score = forms.DecimalField(min_value=Decimal(0), max_digits=6, decimal_places=2)
    max_score = forms.DecimalField(min_value=Decimal("0.01"), max_digits=6, decimal_places=2)
    passing_score = forms.DecimalField(min_value=Decimal("0.01"), max_digits=6, decimal_places=2)
    instructor = forms.ModelChoiceField(queryset=Officer.objects.none(), required=False)
    instructor_name = forms.CharField(
        max_length=200, required=False, help_text="When the instructor is not in the roster."
    )

    def __init__(self, *args: Any, officer: Officer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instructor = self.fields["instructor"]
        assert isinstance(instructor, forms.ModelChoiceField)
        instructor.queryset = Officer.objects.filter(agency_id=officer.agency_id).order_by(
            "last_name", "first_name"
        )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        top = data.get("max_score")
        if top is not None:
            if data.get("score") is not None and data["score"] > top:
                self.add_error("score", "The score is above the maximum score.")
            if data.get("passing_score") is not None and data["passing_score"] > top:
                self.add_error("passing_score", "The passing score is above the maximum score.")
        return data


def _officer_for_entry(request: HttpRequest, pk: int, permission: str) -> Officer:
    """An officer the user may read (else 404) and write for (else 403)."""
    officer = get_object_or_404(
        Officer.objects.visible_to(request.user).select_related("agency"), pk=pk
    )
    if not request.user.has_perm(permission, officer):
        raise PermissionDenied("Only the Training Unit enters training records.")
    return officer


@never_cache
@login_required
def record_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter a training record for an officer, from a catalog course or freely (IV.B.3)."""
    officer = _officer_for_entry(request, pk, "training.record_training")
    form = RecordEntryForm(request.POST or None, request.FILES or None, officer=officer)
    if request.method == "POST" and form.is_valid():
        try:
            record = record_training(
                acting_user=request.user, officer=officer, **form.record_values()
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Recorded {record} for {officer.full_name}.")
            return redirect("officer-detail", pk=officer.pk)
    return render(
        request,
        "training/record_form.html",
        {"form": form, "officer": officer, "heading": "Enter a training record"},
    )


def _record_for_change(request: HttpRequest, pk: int) -> TrainingRecord:
    record: TrainingRecord = get_object_or_404(
        TrainingRecord.objects.visible_to(request.user).select_related("officer__agency"), pk=pk
    )
    if not request.user.has_perm("training.void_record", record):
        raise PermissionDenied("Only the Training Unit voids or corrects training records.")
    return record


@never_cache
@login_required
def record_void(request: HttpRequest, pk: int) -> HttpResponse:
    """Void a training record with a reason; it stays in the history, struck through."""
    record = _record_for_change(request, pk)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            void_training_record(
                acting_user=request.user, record=record, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Voided {record}.")
            return redirect("officer-detail", pk=record.officer_id)
    return render(
        request,
        "training/record_void.html",
        {"form": form, "officer": record.officer, "thing": record, "what": "training record"},
    )


@never_cache
@login_required
def record_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a record: void it and enter the corrected copy, which supersedes it."""
    record = _record_for_change(request, pk)
    officer = record.officer
    form = RecordCorrectForm(
        request.POST or None, initial=RecordCorrectForm.initial_for(record), officer=officer
    )
    if record.is_void:
        form.add_error(None, "This record is voided; correct the record that replaced it.")
    elif request.method == "POST" and form.is_valid():
        try:
            correct_training_record(
                acting_user=request.user,
                record=record,
                reason=form.cleaned_data["reason"],
                **form.changes(),
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Corrected {record}; the old entry stays, voided.")
            return redirect("officer-detail", pk=officer.pk)
    return render(
        request,
        "training/record_form.html",
        {"form": form, "officer": officer, "record": record, "heading": "Correct a record"},
    )


@never_cache
@login_required
def qualification_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a firearms qualification shoot for an officer, passed or failed."""
    officer = _officer_for_entry(request, pk, "training.record_qualification")
    form = QualificationForm(request.POST or None, officer=officer)
    if request.method == "POST" and form.is_valid():
        try:
            event = record_qualification(
                acting_user=request.user, officer=officer, **form.cleaned_data
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Recorded the {event}.")
            return redirect("officer-detail", pk=officer.pk)
    return render(
        request,
        "training/record_qualification_form.html",
        {"form": form, "officer": officer},
    )


@never_cache
@login_required
def qualification_void(request: HttpRequest, pk: int) -> HttpResponse:
    """Void a qualification with a reason; it stays in the history."""
    event = get_object_or_404(
        QualificationEvent.objects.visible_to(request.user).select_related("officer"), pk=pk
    )
    if not request.user.has_perm("training.record_qualification", event.officer):
        raise PermissionDenied("Only the Training Unit voids qualifications.")
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            void_qualification(
                acting_user=request.user, event=event, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Voided the {event}.")
            return redirect("officer-detail", pk=event.officer_id)
    return render(
        request,
        "training/record_void.html",
        {"form": form, "officer": event.officer, "thing": event, "what": "qualification"},
    )


def may_download_evidence(user: Any, record: TrainingRecord) -> bool:
    """The officer themselves and agency-wide readers of the officer's agency (not supervisors)."""
    scope = user.scope
    return bool(
        scope.everything
        or record.officer_id == scope.officer_id
        or record.officer.agency_id in scope.agency_ids
    )


@never_cache
@login_required
def record_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """Download a record's certificate; anyone else gets 404, as if it did not exist."""
    record = get_object_or_404(
        TrainingRecord.objects.visible_to(request.user).select_related("officer"), pk=pk
    )
    if not record.evidence or not may_download_evidence(request.user, record):
        raise Http404("No certificate.")
    return attachment_response(record.evidence)


urlpatterns: list[URLPattern] = [
    path("officers/<int:pk>/records/new/", record_new, name="record-new"),
    path("officers/<int:pk>/qualifications/new/", qualification_new, name="qualification-new"),
    path("records/<int:pk>/void/", record_void, name="record-void"),
    path("records/<int:pk>/correct/", record_correct, name="record-correct"),
    path("records/<int:pk>/certificate/", record_evidence, name="record-evidence"),
    path("qualifications/<int:pk>/void/", qualification_void, name="qualification-void"),
]
