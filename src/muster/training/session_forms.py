"""Forms of the session pages: scheduling, enrolling, paper sheets and absence."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from muster.agencies.models import Agency
from muster.core.uploads import ACCEPT_ATTRIBUTE
from muster.people.models import Officer
from muster.training.models import Course, CourseStatus


class ScheduleForm(forms.Form):
    """Put a course on the calendar, in the agency's local time."""

    course = forms.ModelChoiceField(queryset=Course.objects.none())
    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.TimeField(
        label="Starts", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends = forms.TimeField(
        label="Ends", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    location = forms.CharField(max_length=200)
    capacity = forms.IntegerField(
        min_value=1, required=False, help_text="Leave empty for no limit; later enrolments wait."
    )
    instructors = forms.ModelMultipleChoiceField(
        queryset=Officer.objects.none(),
        required=False,
        help_text="Instructors get instructor credit when the session closes.",
    )

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [a.pk for a in agencies]
        field = self.fields["course"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Course.objects.filter(agency_id__in=ids, status=CourseStatus.ACTIVE)
            .select_related("agency")
            .order_by("course_id")
        )
        teachers = self.fields["instructors"]
        assert isinstance(teachers, forms.ModelMultipleChoiceField)
        teachers.queryset = (
            Officer.objects.filter(agency_id__in=ids).serving().order_by("last_name", "first_name")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        course, day = data.get("course"), data.get("day")
        starts, ends = data.get("starts"), data.get("ends")
        if course and day and starts and ends:
            zone = course.agency.zone
            data["starts_at"] = dt.datetime.combine(day, starts, tzinfo=zone)
            data["ends_at"] = dt.datetime.combine(day, ends, tzinfo=zone)
            if data["ends_at"] <= data["starts_at"]:
                raise ValidationError({"ends": "The session must end after it starts."})
        return data


class EnrolForm(forms.Form):
    """Enrol a member; a full session puts them on the waiting list."""

    officer = forms.ModelChoiceField(queryset=Officer.objects.none(), label="Member")

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["officer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Officer.objects.filter(agency=agency).serving().order_by("last_name")


class ReasonForm(forms.Form):
    """A reason, for cancelling or for a notice of absence."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class KioskForm(forms.Form):
    """A member's own username and password, typed at the kiosk."""

    username = forms.CharField(max_length=150)
    password = forms.CharField(widget=forms.PasswordInput)


class PaperScanForm(forms.Form):
    """The scan of the signed paper sheet."""

    scan = forms.FileField(
        label="Scan of the signed sheet (PDF, PNG or JPEG)",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )


class SessionEditForm(forms.Form):
    """Move a scheduled session or change its room, places or instructors."""

    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.TimeField(
        label="Starts", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends = forms.TimeField(
        label="Ends", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    location = forms.CharField(max_length=200)
    capacity = forms.IntegerField(
        min_value=1,
        required=False,
        help_text="More places move waiting members up; fewer never remove anyone enrolled.",
    )
    instructors = forms.ModelMultipleChoiceField(queryset=Officer.objects.none(), required=False)

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency = agency
        teachers = self.fields["instructors"]
        assert isinstance(teachers, forms.ModelMultipleChoiceField)
        teachers.queryset = Officer.objects.filter(agency=agency).serving().order_by("last_name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, starts, ends = data.get("day"), data.get("starts"), data.get("ends")
        if day and starts and ends:
            data["starts_at"] = dt.datetime.combine(day, starts, tzinfo=self.agency.zone)
            data["ends_at"] = dt.datetime.combine(day, ends, tzinfo=self.agency.zone)
            if data["ends_at"] <= data["starts_at"]:
                raise ValidationError({"ends": "The session must end after it starts."})
        return data
