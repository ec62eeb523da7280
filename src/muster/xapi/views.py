"""The xAPI statements endpoint and the Training Unit's integration pages."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from muster.accounts.models import TRAINING_WRITE_ROLES
from muster.agencies.models import Agency
from muster.core.forms import show_service_errors
from muster.core.services import error_text
from muster.xapi.forms import IntegrationForm, MappingForm
from muster.xapi.models import Integration, Statement
from muster.xapi.services import (
    add_mapping,
    authenticate_integration,
    create_integration,
    deactivate_integration,
    parse_statement,
    receive_statement,
)

VERSION = "1.0.3"


def _xapi(response: HttpResponse) -> HttpResponse:
    response["X-Experience-API-Version"] = VERSION
    return response


def _error(status: int, message: str) -> HttpResponse:
    return _xapi(JsonResponse({"error": message}, status=status))


def _version_problem(request: HttpRequest) -> str | None:
    version = request.headers.get("X-Experience-API-Version", "").strip()
    if not version:
        return "The X-Experience-API-Version header is missing (send 1.0.3 or 2.0.0)."
    if not (version == "1.0" or version.startswith(("1.0.", "2.0"))):
        return f"xAPI version {version!r} is not supported (send 1.0.x or 2.0.x)."
    return None


def _integration(request: HttpRequest) -> Integration | None:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        key, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return authenticate_integration(key, secret) if sep else None


@csrf_exempt
def statements(request: HttpRequest) -> HttpResponse:
    """xAPI statements resource: PUT/POST store statements, GET returns one by statementId."""
    if request.method not in ("GET", "PUT", "POST"):
        return _xapi(HttpResponse(status=405, headers={"Allow": "GET, PUT, POST"}))
    problem = _version_problem(request)
    if problem:
        return _error(400, problem)
    integration = _integration(request)
    if integration is None:
        response = _error(401, "Basic credentials of an active integration are required.")
        response["WWW-Authenticate"] = 'Basic realm="Muster xAPI"'
        return response
    if request.method == "GET":
        return _get(request, integration)
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _error(400, "statement: the body is not JSON.")
    statement_id = request.GET.get("statementId")
    if request.method == "PUT":
        if not statement_id:
            return _error(400, "statementId: a PUT needs the statementId parameter.")
        items = [body]
    else:
        items = body if isinstance(body, list) else [body]
    if not items:
        return _error(400, "statement: the list is empty.")
    try:
        parsed = [
            parse_statement(
                item,
                statement_id=statement_id if request.method == "PUT" else None,
                assign_id=request.method == "POST",
            )
            for item in items
        ]
    except ValidationError as error:
        return _error(400, error_text(error))
    seen = [p.statement_id for p in parsed]
    if len(set(seen)) != len(seen):
        return _error(400, "id: the batch holds two statements with the same id.")
    try:
        # xAPI treats a batch as one: all stored or none.
        with transaction.atomic():
            for item, one in zip(items, parsed, strict=True):
                receive_statement(integration=integration, data=item, parsed=one)
    except ValidationError as error:
        status = 409 if _is_conflict(error) else 400
        return _error(status, error_text(error))
    except PermissionDenied:
        return _error(403, "This integration may not store statements.")
    if request.method == "PUT":
        return _xapi(HttpResponse(status=204))
    return _xapi(JsonResponse([str(s) for s in seen], safe=False))


def _is_conflict(error: ValidationError) -> bool:
    return (
        any(e.code == "conflict" for e in error.error_dict.get("id", []))
        if hasattr(error, "error_dict")
        else False
    )


def _get(request: HttpRequest, integration: Integration) -> HttpResponse:
    statement_id = request.GET.get("statementId", "")
    if not statement_id:
        return _error(400, "statementId: only single statements can be read here.")
    try:
        statement = Statement.objects.get(integration=integration, statement_id=statement_id)
    except (Statement.DoesNotExist, ValidationError, ValueError):
        return _error(404, "No such statement.")
    raw = dict(statement.raw)
    raw.setdefault("id", str(statement.statement_id))
    raw.setdefault("stored", statement.received_at.isoformat())
    return _xapi(JsonResponse(raw))


# --- Training Unit pages -------------------------------------------------------------------


def _writable_agencies(user: Any) -> QuerySet[Agency]:
    return Agency.objects.where_user_holds(user, TRAINING_WRITE_ROLES)


def _integration_for(request: HttpRequest, pk: int) -> Integration:
    """The integration, if the user is training staff of its agency; else 404."""
    integration = get_object_or_404(
        Integration.objects.select_related("agency"),
        pk=pk,
        agency__in=_writable_agencies(request.user),
    )
    return integration


@login_required
def integration_list(request: HttpRequest) -> HttpResponse:
    """The e-learning integrations of the agencies the user trains for."""
    agencies = _writable_agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied("Only the Training Unit manages xAPI integrations.")
    integrations = Integration.objects.filter(agency__in=agencies).select_related("agency")
    return render(request, "xapi/list.html", {"integrations": integrations})


@login_required
def integration_new(request: HttpRequest) -> HttpResponse:
    """Set up a provider's login; the secret is shown once, on the page that follows."""
    agencies = _writable_agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied("Only the Training Unit manages xAPI integrations.")
    form = IntegrationForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        try:
            integration, secret = create_integration(
                acting_user=request.user,
                agency=form.cleaned_data["agency"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            endpoint = request.build_absolute_uri("/xapi/statements")
            return render(
                request,
                "xapi/created.html",
                {"integration": integration, "secret": secret, "endpoint": endpoint},
            )
    return render(request, "xapi/form.html", {"form": form})


@login_required
def integration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An integration: its activity mappings, a form to add one, and its statement log."""
    integration = _integration_for(request, pk)
    form = MappingForm(agency_id=integration.agency_id)
    return _detail(request, integration, form)


def _detail(request: HttpRequest, integration: Integration, form: MappingForm) -> HttpResponse:
    return render(
        request,
        "xapi/detail.html",
        {
            "integration": integration,
            "mappings": integration.mappings.select_related("course"),
            "statements": integration.statements.select_related("record")[:200],
            "form": form,
        },
    )


@login_required
@require_POST
def mapping_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Map an activity id of the integration to a course."""
    integration = _integration_for(request, pk)
    form = MappingForm(request.POST, agency_id=integration.agency_id)
    if form.is_valid():
        try:
            add_mapping(
                acting_user=request.user,
                integration=integration,
                activity_id=form.cleaned_data["activity_id"],
                course=form.cleaned_data["course"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "Activity mapped.")
            return redirect("xapi-detail", pk=integration.pk)
    return _detail(request, integration, form)


@login_required
@require_POST
def integration_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Refuse the integration's statements from now on."""
    integration = _integration_for(request, pk)
    if not integration.active:
        raise Http404("Already inactive.")
    deactivate_integration(acting_user=request.user, integration=integration)
    messages.success(request, f"{integration.name} can no longer send statements.")
    return redirect("xapi-detail", pk=integration.pk)
