"""Integrations, activity mappings and receiving xAPI statements; every change audited.

A statement is stored as received. A statement whose verb is completed or passed, whose activity
is mapped to a course and whose actor is an officer of the integration's agency also becomes a
training record, entered by the integration's own service login (never SYSTEM: web requests
act as a user, and audit rows then name the provider that sent the training).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from muster.accounts.models import Membership, Role, User
from muster.agencies.models import Agency
from muster.core.audit import record_audit
from muster.core.services import require
from muster.people.models import Officer
from muster.training.models import Course, RecordSource
from muster.training.services import record_training
from muster.xapi.models import ActivityMapping, Integration, Statement

CREDITED_VERBS = frozenset(
    {"http://adlnet.gov/expapi/verbs/completed", "http://adlnet.gov/expapi/verbs/passed"}
)
# The parts of a statement that decide whether two statements under one id are the same; the
# xAPI spec leaves out what the LRS or the transport adds (stored, authority, version).
_COMPARED = ("actor", "verb", "object", "result", "context")

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_SECONDS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def duration_minutes(value: str) -> int | None:
    """Whole minutes (rounded) of an ISO 8601 duration such as PT1H30M; None if unusable.

    Years and months have no fixed length, so a duration using them is not converted.
    """
    match = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if match is None or match["years"] or match["months"]:
        return None
    seconds = sum(
        (Decimal(match[part]) * factor for part, factor in _SECONDS.items() if match[part]),
        Decimal(0),
    )
    minutes = int((seconds / 60).to_integral_value(rounding=ROUND_HALF_UP))
    return minutes if minutes > 0 else None


@dataclass(frozen=True)
class Parsed:
    """The parts of a statement Muster reads."""

    statement_id: uuid.UUID
    verb: str
    actor_mbox: str
    actor_account: str
    activity_id: str
    timestamp: dt.datetime | None
    minutes: int | None


def parse_statement(
    data: Any, *, statement_id: str | None = None, assign_id: bool = False
) -> Parsed:
    """Check a statement's id, actor, verb and object; a ValidationError names the field.

    With `assign_id` (a POST), a statement without an id is given one, written into `data`.
    """
    if not isinstance(data, dict):
        raise ValidationError({"statement": "A statement must be a JSON object."})
    if assign_id and statement_id is None and data.get("id") is None:
        data["id"] = str(uuid.uuid4())
    raw_id = data.get("id")
    if statement_id is not None:
        if raw_id is not None and str(raw_id).lower() != statement_id.lower():
            raise ValidationError({"id": "The statement's id differs from statementId."})
        raw_id = statement_id
    if raw_id is None:
        raise ValidationError({"id": "The statement has no id."})
    try:
        sid = uuid.UUID(str(raw_id))
    except ValueError:
        raise ValidationError({"id": f"{raw_id!r} is not a UUID."}) from None
    actor = data.get("actor")
    if not isinstance(actor, dict):
        raise ValidationError({"actor": "The statement has no actor object."})
    mbox = actor.get("mbox") or ""
    account = actor.get("account")
    account_name = account.get("name", "") if isinstance(account, dict) else ""
    if not isinstance(mbox, str) or (mbox and not mbox.startswith("mailto:")):
        raise ValidationError({"actor.mbox": "An mbox must be a mailto: address."})
    if not isinstance(account_name, str):
        raise ValidationError({"actor.account.name": "An account name must be a string."})
    if not (mbox or account_name or actor.get("mbox_sha1sum") or actor.get("openid")):
        raise ValidationError({"actor": "The actor has no mbox, account or other identifier."})
    verb = data.get("verb")
    if not isinstance(verb, dict) or not isinstance(verb.get("id"), str) or not verb["id"]:
        raise ValidationError({"verb.id": "The statement's verb has no id."})
    obj = data.get("object")
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not obj["id"]:
        raise ValidationError({"object.id": "The statement's object has no id."})
    activity = obj["id"] if obj.get("objectType", "Activity") == "Activity" else ""
    timestamp = None
    if data.get("timestamp") is not None:
        try:
            timestamp = parse_datetime(str(data["timestamp"]))
        except ValueError:
            timestamp = None
        if timestamp is None:
            raise ValidationError({"timestamp": "The timestamp is not an ISO 8601 date-time."})
        if timezone.is_naive(timestamp):
            timestamp = timezone.make_aware(timestamp, dt.UTC)
    result = data.get("result")
    minutes = None
    if isinstance(result, dict) and result.get("duration") is not None:
        if not isinstance(result["duration"], str) or not _DURATION.match(result["duration"]):
            raise ValidationError({"result.duration": "The duration is not an ISO 8601 duration."})
        minutes = duration_minutes(result["duration"])
    return Parsed(
        statement_id=sid,
        verb=verb["id"],
        actor_mbox=mbox[len("mailto:") :].strip(),
        actor_account=account_name.strip(),
        activity_id=activity,
        timestamp=timestamp,
        minutes=minutes,
    )


def _compared(data: dict[str, Any]) -> str:
    return json.dumps({k: data.get(k) for k in _COMPARED}, sort_keys=True)


def authenticate_integration(key: str, secret: str) -> Integration | None:
    """The active integration these Basic credentials belong to, or None."""
    integration = (
        Integration.objects.select_related("agency", "service_user")
        .filter(key=key, active=True)
        .first()
    )
    if integration is None:
        make_password(secret)  # spend the time a wrong secret would, so keys cannot be probed
        return None
    return integration if check_password(secret, integration.secret_hash) else None


def _officer_for(integration: Integration, parsed: Parsed) -> Officer | None:
    officers = Officer.objects.filter(agency=integration.agency)
    if parsed.actor_account:
        found = officers.filter(serial_number=parsed.actor_account).first()
        if found is not None:
            return found
    if parsed.actor_mbox:
        # Officers carry no e-mail of their own; their login's address identifies them.
        matches = list(officers.filter(user__email__iexact=parsed.actor_mbox)[:2])
        if len(matches) == 1:
            return matches[0]
    return None


def _already_stored(
    integration: Integration, data: dict[str, Any], parsed: Parsed
) -> Statement | None:
    """The statement stored under this id, if any; a conflict if it differs from `data`."""
    existing = Statement.objects.filter(
        integration=integration, statement_id=parsed.statement_id
    ).first()
    if existing is not None and _compared(existing.raw) != _compared(data):
        message = f"Another statement is already stored under {parsed.statement_id}."
        raise ValidationError({"id": ValidationError(message, code="conflict")})
    return existing


def receive_statement(
    *, integration: Integration, data: dict[str, Any], parsed: Parsed
) -> tuple[Statement, bool]:
    """Store one statement (and credit it when it qualifies); (statement, newly stored).

    A statement id seen before is not stored again; a different statement under it raises
    ValidationError with code "conflict".
    """
    acting_user = integration.service_user
    require(acting_user, "xapi.receive", integration)
    with transaction.atomic():
        existing = _already_stored(integration, data, parsed)
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                statement = Statement.objects.create(
                    integration=integration,
                    statement_id=parsed.statement_id,
                    raw=data,
                    verb=parsed.verb,
                    actor_mbox=parsed.actor_mbox,
                    actor_account=parsed.actor_account,
                    activity_id=parsed.activity_id,
                )
        except IntegrityError:
            # Another request stored this id a moment ago: answer as for a repeat.
            existing = _already_stored(integration, data, parsed)
            if existing is None:
                raise
            return existing, False
        statement.reason = _credit(integration, statement, parsed)
        statement.credited = statement.record_id is not None
        statement.save(update_fields=["reason", "credited", "record"])
        record_audit(
            actor=acting_user,
            action="xapi.statement_received",
            obj=statement,
            agency_id=integration.agency_id,
            after={
                "integration": integration.key,
                "statement_id": str(parsed.statement_id),
                "verb": parsed.verb,
                "activity_id": parsed.activity_id,
                "credited": statement.credited,
                "reason": statement.reason,
            },
        )
    return statement, True


def _credit(integration: Integration, statement: Statement, parsed: Parsed) -> str:
    """Enter the training record if the statement earns one; otherwise the reason it does not."""
    if parsed.verb not in CREDITED_VERBS:
        return "The verb is neither completed nor passed."
    mapping = (
        ActivityMapping.objects.select_related("course")
        .filter(integration=integration, activity_id=parsed.activity_id)
        .first()
    )
    if mapping is None:
        return "The activity is not mapped to a course."
    officer = _officer_for(integration, parsed)
    if officer is None:
        return "The actor matches no officer of the agency."
    agency = integration.agency
    when = parsed.timestamp or timezone.now()
    completed_on = min(timezone.localtime(when, agency.zone).date(), agency.today())
    try:
        with transaction.atomic():  # a refused record leaves the statement stored
            statement.record = record_training(
                acting_user=integration.service_user,
                officer=officer,
                completed_on=completed_on,
                source=RecordSource.API,
                course=mapping.course,
                minutes=parsed.minutes,
                provider=integration.name,
            )
    except ValidationError as error:
        return ("Not credited: " + " ".join(error.messages))[:300]
    return ""


def _service_username(key: str) -> str:
    return f"xapi-{key}"


def create_integration(*, acting_user: Any, agency: Agency, name: str) -> tuple[Integration, str]:
    """Set up a provider's login for the agency; returns it and its secret (shown once)."""
    require(acting_user, "xapi.manage", agency)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the provider."})
    key = secrets.token_hex(8)
    secret = secrets.token_urlsafe(24)
    with transaction.atomic():
        service_user = User(username=_service_username(key), first_name=name[:150])
        service_user.set_unusable_password()
        service_user.save()
        # Training staff of the agency, so the training services let it enter records; the
        # unusable password keeps anyone from signing in as it.
        Membership.objects.create(user=service_user, role=Role.TRAINING_STAFF, agency=agency)
        integration = Integration.objects.create(
            agency=agency,
            name=name,
            key=key,
            secret_hash=make_password(secret),
            service_user=service_user,
            created_by=acting_user if getattr(acting_user, "pk", None) else None,
        )
        record_audit(
            actor=acting_user,
            action="xapi.integration_created",
            obj=integration,
            agency_id=agency.pk,
            after={"name": name, "key": key},
        )
    return integration, secret


def deactivate_integration(*, acting_user: Any, integration: Integration) -> Integration:
    """Refuse the provider's statements from now on; what it sent stays."""
    require(acting_user, "xapi.manage", integration)
    with transaction.atomic():
        integration.active = False
        integration.save(update_fields=["active"])
        service_user = integration.service_user
        service_user.is_active = False
        service_user.save(update_fields=["is_active"])
        Membership.objects.filter(user=service_user, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
        record_audit(
            actor=acting_user,
            action="xapi.integration_deactivated",
            obj=integration,
            agency_id=integration.agency_id,
            before={"active": True},
            after={"active": False},
        )
    return integration


def add_mapping(
    *, acting_user: Any, integration: Integration, activity_id: str, course: Course
) -> ActivityMapping:
    """Map one of the provider's activity ids to a course of the agency's catalog."""
    require(acting_user, "xapi.manage", integration)
    activity_id = activity_id.strip()
    if not activity_id:
        raise ValidationError({"activity_id": "Give the activity id (an IRI)."})
    if course.agency_id != integration.agency_id:
        raise ValidationError({"course": "The course belongs to another agency's catalog."})
    with transaction.atomic():
        if ActivityMapping.objects.filter(
            integration=integration, activity_id=activity_id
        ).exists():
            raise ValidationError({"activity_id": "This activity is already mapped."})
        mapping = ActivityMapping.objects.create(
            integration=integration, activity_id=activity_id, course=course
        )
        record_audit(
            actor=acting_user,
            action="xapi.mapping_added",
            obj=mapping,
            agency_id=integration.agency_id,
            after={"activity_id": activity_id, "course": course.course_id},
        )
    return mapping
