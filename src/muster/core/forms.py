"""What every form page shares: showing a service's refusal on the form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def show_service_errors(
    form: forms.Form, error: ValidationError, rename: dict[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the form: next to the field it names when the form
    has that field (after `rename` maps service names to form names), above the form
    otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        name = (rename or {}).get(field, field)
        form.add_error(name if name in form.fields else None, messages)
