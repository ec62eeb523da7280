"""The upload form of the import pages."""

from __future__ import annotations

from typing import Any

from django import forms

from muster.agencies.models import Agency
from muster.imports.models import ImportKind


class UploadForm(forms.Form):
    """Which agency, what the file holds, and the file."""

    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), empty_label=None)
    kind = forms.ChoiceField(
        label="The file holds",
        choices=ImportKind.choices,
        widget=forms.RadioSelect,
        initial=ImportKind.RECORDS,
    )
    # An empty file is refused by the upload service, with the file's name in the message.
    file = forms.FileField(
        allow_empty_file=True,
        label="CSV or XLSX file",
        help_text="The columns of docs/formats.md; the first row names them. "
        "Nothing is written until you have seen the check and chosen Import.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.xlsm"}),
    )

    def __init__(self, *args: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = agencies
        if agencies.count() == 1:
            field.initial = agencies.first()
