"""Errors as JSON: a service's ValidationError becomes 400 naming the fields, never a 500."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


def validation_detail(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as {field: [messages]}; errors of no field under
    DRF's non_field_errors key."""
    if hasattr(error, "error_dict"):
        out: dict[str, list[str]] = {}
        for field, messages in error.message_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
            out.setdefault(key, []).extend(messages)
        return out
    return {api_settings.NON_FIELD_ERRORS_KEY: list(error.messages)}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django's ValidationError (raised by the service functions)."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    return drf_exception_handler(exc, context)
