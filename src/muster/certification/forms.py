"""Forms of the course certification pages; the services do the real checking."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from muster.accounts.models import TRAINING_WRITE_ROLES
from muster.certification.models import DocumentKind
from muster.core.uploads import ACCEPT_ATTRIBUTE
from muster.people.models import Officer
from muster.training.models import Course, CourseStatus


def writer_agency_ids(user: Any) -> set[int]:
    """The agencies where the user is Training Unit staff (may name another liaison)."""
    return set(user.scope.agencies_with(TRAINING_WRITE_ROLES))


class _OwnIds(forms.Form):
    """A form whose element ids carry its own prefix, as several share the request page."""

    id_prefix = "form"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class RequestForm(forms.Form):
    """A class introduced for POST credit: what IV.G.2.a asks to be told."""

    class_name = forms.CharField(label="Class name", max_length=200)
    hours = forms.DecimalField(
        label="Number of hours", max_digits=5, decimal_places=2, min_value=Decimal("0.25")
    )
    first_delivery_on = forms.DateField(
        label="First delivery date", widget=forms.DateInput(attrs={"type": "date"})
    )
    further_dates = forms.CharField(
        label="Further dates",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Later deliveries, one a line.",
    )
    location = forms.CharField(max_length=200)
    liaison = forms.ModelChoiceField(
        queryset=Officer.objects.none(),
        required=False,
        help_text="Leave empty to be the liaison yourself.",
    )
    course = forms.ModelChoiceField(
        queryset=Course.objects.none(),
        required=False,
        label="Catalog course",
        help_text="When the class is already in the catalog.",
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        writer_in = writer_agency_ids(user)
        officer = getattr(user, "officer", None)
        agency_ids = set(writer_in)
        if officer is not None:
            agency_ids.add(officer.agency_id)
        liaison_field: Any = self.fields["liaison"]
        if writer_in:
            liaison_field.queryset = (
                Officer.objects.visible_to(user).filter(agency_id__in=writer_in).serving()
            )
            if officer is None:
                liaison_field.required = True
                liaison_field.help_text = "The member who will act as liaison."
        else:
            del self.fields["liaison"]
        course_field: Any = self.fields["course"]
        course_field.queryset = Course.objects.visible_to(user).filter(
            agency_id__in=agency_ids, status=CourseStatus.ACTIVE
        )


class DocumentForm(_OwnIds):
    """One file for one of the six kinds of POST document."""

    id_prefix = "document"

    kind = forms.ChoiceField(label="Kind of document", choices=DocumentKind.choices)
    file = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}))


class SubmitForm(_OwnIds):
    """Submitting the packet has no fields; it only carries the refusal when there is one."""

    id_prefix = "submit"


class LateExceptionForm(_OwnIds):
    """The Director's approval of a packet inside the 30-day line."""

    id_prefix = "late"

    reason = forms.CharField(
        label="Why the late packet is approved", widget=forms.Textarea(attrs={"rows": 2})
    )


class ProgressForm(_OwnIds):
    """The Training Unit's record of what happened with POST."""

    id_prefix = "progress"

    SENT = "sent"
    CERTIFIED = "certified"
    REJECTED = "rejected"

    step = forms.ChoiceField(
        label="What happened",
        choices=[
            (SENT, "Sent to POST"),
            (CERTIFIED, "POST certified the course"),
            (REJECTED, "POST rejected the course"),
        ],
    )
    on = forms.DateField(label="On", widget=forms.DateInput(attrs={"type": "date"}))
    certification_number = forms.CharField(
        label="POST certification number", max_length=40, required=False
    )
    reason = forms.CharField(
        label="POST's reason for rejecting",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WithdrawForm(_OwnIds):
    """The liaison withdraws the request."""

    id_prefix = "withdraw"

    reason = forms.CharField(required=False, max_length=500)


class LiaisonForm(_OwnIds):
    """The Training Unit names another liaison (IV.G.2.b)."""

    id_prefix = "liaison"

    liaison = forms.ModelChoiceField(queryset=Officer.objects.none())
    reason = forms.CharField(max_length=500)

    def __init__(self, *args: Any, user: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["liaison"]
        field.queryset = Officer.objects.visible_to(user).filter(agency_id=agency_id).serving()
