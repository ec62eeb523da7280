"""Forms of the roll-call app: the supervisor's report, and the Training Unit's entry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q

from muster.agencies.models import Unit
from muster.people.models import Officer, OfficerQuerySet
from muster.rollcall.models import MUST_DOCUMENT_CODES, MUST_DOCUMENT_TOPICS, RollCallReport
from muster.training.models import Course, CourseStatus, Topic

if TYPE_CHECKING:
    _OfficersField = forms.ModelMultipleChoiceField[Officer]
    _OfficerField = forms.ModelChoiceField[Officer]
    _CourseField = forms.ModelChoiceField[Course]
else:  # the form field classes are generic for the type checker only
    _OfficersField = forms.ModelMultipleChoiceField
    _OfficerField = forms.ModelChoiceField
    _CourseField = forms.ModelChoiceField


def supervised_units(user: Any) -> Any:
    """The units a user supervises and their sub-units, as a queryset."""
    paths = user.scope.unit_paths
    if not paths:
        return Unit.objects.none()
    under = Q()
    for path in paths:
        under |= Q(path__startswith=path)
    return Unit.objects.visible_to(user).filter(under).select_related("agency")


def unit_officers(user: Any) -> OfficerQuerySet:
    """Serving officers of the units the user supervises (the attendee checkboxes)."""
    paths = user.scope.unit_paths
    if not paths:
        return Officer.objects.none()
    under = Q()
    for path in paths:
        under |= Q(unit__path__startswith=path)
    return (
        Officer.objects.visible_to(user)
        .serving()
        .filter(under)
        .select_related("unit")
        .order_by("last_name", "first_name", "pk")
    )


class OfficerChoices(_OfficersField):
    """Officer checkboxes labelled with name, serial number and assignment."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.sort_name} #{obj.serial_number} ({obj.unit})"


class InstructorChoice(_OfficerField):
    """An officer who taught, labelled with rank and name."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.rank} {obj.full_name} #{obj.serial_number}"


class ReportForm(forms.Form):
    """What the element supervisor documents about a roll-call training."""

    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), label="Element", help_text="Whose roll-call it was."
    )
    held_on = forms.DateField(label="Held on", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label="Started at", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    minutes = forms.IntegerField(
        label="Minutes of instruction", min_value=1, help_text="Instruction time, in minutes."
    )
    title = forms.CharField(max_length=200, help_text="What the training was about.")
    topics = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        choices=(),
        error_messages={"required": "Choose at least one topic the training covered."},
    )
    instructor = InstructorChoice(
        queryset=Officer.objects.none(),
        required=False,
        empty_label="— not an officer listed here —",
        help_text="An officer who taught it is credited as instructor.",
    )
    instructor_name = forms.CharField(
        max_length=200,
        required=False,
        label="Or the instructor's name",
        help_text="When the instructor is not in the list above.",
    )
    attendees = OfficerChoices(
        queryset=Officer.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one officer who attended."},
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, user: Any, report: RollCallReport | None = None, **kw: Any):
        super().__init__(*args, **kw)
        units = supervised_units(user)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if report is not None:
            # A corrected report stays with its element.
            del self.fields["unit"]
        elif units.count() == 1:
            self.fields["unit"].initial = units.first()
        officers = unit_officers(user)
        self.fields["attendees"].queryset = officers  # type: ignore[attr-defined]
        self.fields["instructor"].queryset = officers  # type: ignore[attr-defined]
        # The policy's subjects first, then the rest of the shared vocabulary.
        names = dict(Topic.objects.values_list("code", "name"))
        policy = [(code, label) for code, label in MUST_DOCUMENT_TOPICS if code in names]
        others = sorted(
            ((c, n) for c, n in names.items() if c not in MUST_DOCUMENT_CODES),
            key=lambda pair: pair[1],
        )
        self.fields["topics"].choices = policy + others  # type: ignore[attr-defined]

    def policy_topic_boxes(self) -> list[Any]:
        """Checkboxes of the topics policy IV.C.2 says must always be documented."""
        return [box for box in self["topics"] if box.data["value"] in MUST_DOCUMENT_CODES]

    def other_topic_boxes(self) -> list[Any]:
        """Checkboxes of every other topic."""
        return [box for box in self["topics"] if box.data["value"] not in MUST_DOCUMENT_CODES]

    @staticmethod
    def initial_from(report: RollCallReport) -> dict[str, Any]:
        """The form's values from an existing report, for correcting it."""
        return {
            "held_on": report.held_on,
            "start_time": report.start_time,
            "minutes": report.minutes,
            "title": report.title,
            "topics": list(report.topics.values_list("code", flat=True)),
            "instructor": report.instructor_id,
            "instructor_name": report.instructor_name,
            "attendees": list(report.attendees.values_list("pk", flat=True)),
            "notes": report.notes,
        }


class CourseChoice(_CourseField):
    """A catalog course, labelled with its Course ID."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.course_id} {obj.title}"


class EnterForm(forms.Form):
    """The Training Unit's choice of Course ID when entering a report."""

    course = CourseChoice(
        queryset=Course.objects.none(),
        required=False,
        empty_label="Create a new course from this report",
        label="Course ID",
        help_text="Choose the course this roll-call delivered, or leave it to create one.",
    )

    def __init__(self, *args: Any, user: Any, report: RollCallReport, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["course"].queryset = (  # type: ignore[attr-defined]
            Course.objects.visible_to(user)
            .filter(agency_id=report.agency_id, status=CourseStatus.ACTIVE)
            .order_by("course_id")
        )


class ReturnForm(forms.Form):
    """Why the Training Unit sends a report back to its supervisor."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What needs correcting",
        help_text="The supervisor sees this and forwards the report again.",
    )
