"""Forms of the retention app: a schedule, a legal hold, proposing and cancelling a batch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from muster.agencies.models import Agency
from muster.people.models import Officer
from muster.retention.models import MAX_YEARS, RetentionSchedule, Series, Trigger

if TYPE_CHECKING:
    _OfficerField = forms.ModelChoiceField[Officer]
else:  # the form field classes are generic for the type checker only
    _OfficerField = forms.ModelChoiceField


class ScheduleForm(forms.Form):
    """How long one series is kept, from which date, and on what authority."""

    years = forms.IntegerField(
        label="Years kept",
        required=False,
        min_value=1,
        max_value=MAX_YEARS,
        help_text="Whole years. Leave empty to keep the series permanently.",
    )
    trigger = forms.ChoiceField(label="Counted from", choices=Trigger.choices)
    citation = forms.CharField(
        label="Citation / source",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The state schedule's series and number, a statute or a policy section.",
    )

    @classmethod
    def initial_from(cls, schedule: RetentionSchedule) -> dict[str, Any]:
        """The form's values for an existing schedule."""
        return {"years": schedule.years, "trigger": schedule.trigger, "citation": schedule.citation}


class OfficerChoice(_OfficerField):
    """An officer of the agency, by name and serial number."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.sort_name} #{obj.serial_number} ({obj.get_status_display()})"


class HoldForm(forms.Form):
    """A legal hold on one officer's records, or on the whole agency's."""

    officer = OfficerChoice(
        queryset=Officer.objects.none(),
        required=False,
        empty_label="The whole agency",
        help_text="Whose records are held. Choose none to hold every record of the agency.",
    )
    reason = forms.CharField(
        label="Matter",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The case, claim, investigation or records request the records are held for.",
    )

    def __init__(self, *args: Any, agency: Agency, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["officer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Officer.objects.visible_to(user)
            .filter(agency=agency)
            .order_by("last_name", "first_name", "pk")
        )


class ReasonForm(forms.Form):
    """Why a hold is released or a batch cancelled."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ProposeForm(forms.Form):
    """Propose the records due of one series (or of all) for disposition."""

    series = forms.ChoiceField(
        label="Records",
        required=False,
        choices=[("", "Every series"), *Series.choices],
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For the approving custodian.",
    )
