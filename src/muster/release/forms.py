"""Forms of the records release pages; the services do the real checking."""

from __future__ import annotations

from typing import Any

from django import forms

from muster.people.models import Officer
from muster.release.catalogue import ReleaseKind, grouped_choices
from muster.release.models import LegalBasis, PackageFormat
from muster.release.rules import CLERK_ROLES


def clerk_agency_ids(user: Any) -> set[int]:
    """The agencies where the user may enter a release request."""
    return set(user.scope.agencies_with(CLERK_ROLES))


class _OwnIds(forms.Form):
    """A form whose element ids carry its own prefix, as several share the request page."""

    id_prefix = "form"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def _officer_label(officer: Officer) -> str:
    """An officer, named with their serial number and agency."""
    return f"{officer.sort_name} (#{officer.serial_number}, {officer.agency.name})"


class RequestForm(forms.Form):
    """An outside party's request: who asks, why, on what ground, and for what."""

    officer = forms.ModelChoiceField(
        queryset=Officer.objects.none(), help_text="The officer whose records are asked for."
    )
    requester_name = forms.CharField(label="Requester's name", max_length=200)
    requester_organisation = forms.CharField(
        label="Requester's organisation", max_length=200, required=False
    )
    requester_contact = forms.CharField(
        label="Requester's contact", max_length=300, help_text="Address, e-mail or telephone."
    )
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.ChoiceField(label="Legal basis", choices=LegalBasis.choices)
    legal_citation = forms.CharField(
        label="Citation",
        max_length=300,
        help_text="The subpoena or order number, the statute, or the date of the written consent.",
    )
    period_from = forms.DateField(
        label="Records from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave both dates empty for the whole career.",
    )
    period_to = forms.DateField(
        label="Records to",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: up to the day the request is approved.",
    )
    record_kinds = forms.MultipleChoiceField(
        label="Kinds of record",
        choices=ReleaseKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    release_fields = forms.MultipleChoiceField(
        label="Fields to release",
        choices=grouped_choices(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Names of other officers (such as instructors) are never releasable.",
    )
    format = forms.ChoiceField(
        label="Package format", choices=PackageFormat.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        officers = Officer.objects.visible_to(user).select_related("agency")
        if not user.is_superuser:
            officers = officers.filter(agency_id__in=clerk_agency_ids(user))
        field: Any = self.fields["officer"]
        field.queryset = officers.order_by("last_name", "first_name", "pk")
        field.label_from_instance = _officer_label


class SubmitForm(_OwnIds):
    """Submitting has no fields; it only carries the refusal when there is one."""

    id_prefix = "submit"


class ApproveForm(_OwnIds):
    """General Counsel's or HR's approval, of every requested field or of fewer."""

    id_prefix = "approve"

    release_fields = forms.MultipleChoiceField(
        label="Fields approved for release",
        widget=forms.CheckboxSelectMultiple,
        help_text="Untick a field to leave it out of the package.",
    )
    reason = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, requested: list[str], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"release_fields": requested})
        super().__init__(*args, **kwargs)
        field: Any = self.fields["release_fields"]
        field.choices = grouped_choices(requested)


class DenyForm(_OwnIds):
    """General Counsel's or HR's refusal, with the reason."""

    id_prefix = "deny"

    reason = forms.CharField(
        label="Why the release is denied", widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawForm(_OwnIds):
    """Withdrawing a request before anything is released."""

    id_prefix = "withdraw"

    reason = forms.CharField(label="Reason (optional)", required=False, max_length=500)


class ProduceForm(_OwnIds):
    """Producing the package has no fields; it only carries the refusal when there is one."""

    id_prefix = "produce"
