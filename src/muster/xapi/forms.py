"""Forms of the xAPI integration pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from muster.agencies.models import Agency
from muster.training.models import Course


class IntegrationForm(forms.Form):
    """A new provider login."""

    agency = forms.ModelChoiceField(queryset=Agency.objects.none())
    name = forms.CharField(max_length=120, label="Provider name")

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]
        if agencies.count() == 1:
            self.fields["agency"].initial = agencies.first()


class MappingForm(forms.Form):
    """An activity id and the course it credits."""

    activity_id = forms.CharField(max_length=500, label="Activity id (IRI)")
    course = forms.ModelChoiceField(queryset=Course.objects.none())

    def __init__(self, *args: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(  # type: ignore[attr-defined]
            agency_id=agency_id
        ).order_by("course_id")
