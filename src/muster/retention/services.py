"""Retention schedules, legal holds, and the disposition of records.

Nothing is ever deleted except here, and only in three steps: someone proposes a batch of
records the disposition report shows as due, a records custodian approves it, and a records
custodian executes it. Execution checks each record again (still due under the schedule as
it is now, no legal hold placed since, nothing pointing at it kept), deletes exactly those,
removes their stored files once the deletion is committed, and writes one tombstone row per
record in the audit log in the same transaction: which record, which series, schedule and
batch, and who approved it; never the record's content.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from muster.accounts.models import Role
from muster.agencies.models import Agency
from muster.compliance.services import recompute_stored_snapshots, refresh_compliance
from muster.core.audit import change_audited, create_audited, record_audit, snapshot
from muster.core.services import require
from muster.core.uploads import private_storage
from muster.people.models import Officer
from muster.retention.defaults import DEFAULTS, citation_for
from muster.retention.models import (
    MAX_YEARS,
    OPEN_BATCH_STATUSES,
    PER_OFFICER_SERIES,
    BatchStatus,
    DispositionBatch,
    DispositionItem,
    ItemOutcome,
    LegalHold,
    RetentionSchedule,
    Series,
    Trigger,
)
from muster.retention.report import disposition_report, past_their_period, settle
from muster.retention.series import SERIES, chunks

logger = logging.getLogger(__name__)


def _user_or_none(user: Any) -> Any:
    """The user row to store as who did it (the system actor has none)."""
    return user if getattr(user, "pk", None) is not None else None


def _require_custodian(user: Any, agency_id: int, what: str) -> None:
    """Only a records custodian of the agency approves or executes a disposition; a site
    administrator holds no agency role, so is refused too."""
    scope = getattr(user, "scope", None)
    if scope is None or Role.RECORDS_CUSTODIAN not in scope.roles_in(agency_id):
        raise PermissionDenied(f"Only a records custodian of the agency {what}.")


def _lock_agency(agency_id: int) -> None:
    """Serialise proposals and executions of one agency (PostgreSQL row lock; SQLite
    already runs one writer at a time)."""
    Agency.objects.select_for_update().filter(pk=agency_id).values_list("pk").first()


# --- Schedules ------------------------------------------------------------------------------


def install_default_schedules(*, acting_user: Any, agency: Agency) -> list[RetentionSchedule]:
    """Give the agency a starting schedule for every series it has none for; audited.

    The defaults say in their citation that they are to be confirmed against the state's
    schedule; until a series has a schedule, none of its records is ever due.
    """
    require(acting_user, "retention.manage_schedules", agency)
    made: list[RetentionSchedule] = []
    with transaction.atomic():
        existing = set(
            RetentionSchedule.objects.filter(agency=agency).values_list("series", flat=True)
        )
        for default in DEFAULTS:
            if default.series in existing:
                continue
            schedule = RetentionSchedule(
                agency=agency,
                series=default.series,
                years=default.years,
                trigger=default.trigger,
                citation=citation_for(agency.state),
                updated_by=_user_or_none(acting_user),
            )
            create_audited(schedule, actor=acting_user, action="retention.schedule_create")
            made.append(schedule)
    return made


def update_schedule(
    *,
    acting_user: Any,
    schedule: RetentionSchedule,
    years: int | None,
    trigger: str,
    citation: str,
) -> RetentionSchedule:
    """Change how long a series is kept, from which date, and on what authority; audited
    with the values before and after."""
    require(acting_user, "retention.manage_schedules", schedule)
    errors: dict[str, str] = {}
    if years is not None and not 1 <= years <= MAX_YEARS:
        errors["years"] = (
            f"Keep a series between 1 and {MAX_YEARS} years, or leave it empty to keep it "
            "permanently."
        )
    if trigger not in Trigger.values:
        errors["trigger"] = f"Unknown trigger '{trigger}'."
    elif trigger == Trigger.SEPARATION and schedule.series not in PER_OFFICER_SERIES:
        errors["trigger"] = (
            f"{schedule.get_series_display()} concern several officers at once; count "
            "their period from the record's date or the end of the period."
        )
    citation = citation.strip()
    if not citation:
        errors["citation"] = "Say where the period comes from (the state schedule, a statute)."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        change_audited(
            schedule,
            {
                "years": years,
                "trigger": trigger,
                "citation": citation,
                "updated_by": _user_or_none(acting_user),
            },
            actor=acting_user,
            action="retention.schedule_update",
            agency_id=schedule.agency_id,
        )
    return schedule


# --- Legal holds ----------------------------------------------------------------------------


def place_hold(
    *, acting_user: Any, agency: Agency, reason: str, officer: Officer | None = None
) -> LegalHold:
    """Keep every record of an officer (or, without one, of the whole agency) until the hold
    is released, whatever the schedules say; audited."""
    require(acting_user, "retention.manage_holds", agency)
    reason = reason.strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "Name the matter the records are held for."
    if officer is not None and officer.agency_id != agency.pk:
        errors["officer"] = f"{officer.full_name} is not an officer of {agency}."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # After a disposition under way has committed, or before it reads the holds.
        _lock_agency(agency.pk)
        hold = LegalHold(
            agency=agency,
            officer=officer,
            reason=reason,
            placed_by=_user_or_none(acting_user),
            placed_at=timezone.now(),
        )
        create_audited(hold, actor=acting_user, action="retention.hold_place")
    return hold


def release_hold(*, acting_user: Any, hold: LegalHold, reason: str) -> LegalHold:
    """Release a legal hold, with the reason; its records follow their schedules again.
    Audited."""
    require(acting_user, "retention.manage_holds", hold)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the hold ends (matter closed, order lifted)."})
    with transaction.atomic():
        before = snapshot(hold)
        # Compare-and-set: a hold is released once, however often the form is sent.
        changed = LegalHold.objects.filter(pk=hold.pk, released_at__isnull=True).update(
            released_at=timezone.now(),
            released_by=_user_or_none(acting_user),
            release_reason=reason,
        )
        if not changed:
            raise ValidationError({"reason": "This hold has already been released."})
        hold.refresh_from_db()
        record_audit(
            actor=acting_user,
            action="retention.hold_release",
            obj=hold,
            agency_id=hold.agency_id,
            before=before,
            after=snapshot(hold),
            reason=reason,
        )
    return hold


# --- Disposition ----------------------------------------------------------------------------


def propose_batch(
    *, acting_user: Any, agency: Agency, series: str = "", note: str = ""
) -> DispositionBatch:
    """Propose for disposition every record the report shows as due (of one series, or of
    all) and not already in an open batch; audited. Nothing is deleted until a records
    custodian approves the batch and executes it."""
    require(acting_user, "retention.propose", agency)
    if series and series not in SERIES:
        raise ValidationError({"series": f"Unknown record series '{series}'."})
    with transaction.atomic():
        _lock_agency(agency.pk)
        report = disposition_report(agency)
        chosen, _ = settle(report.proposable(series))
        if not chosen:
            what = Series(series).label.lower() if series else "records"
            raise ValidationError(
                {"series": f"No {what} are due that are not already in an open batch."}
            )
        batch = DispositionBatch.objects.create(
            agency=agency,
            note=note.strip(),
            proposed_by=_user_or_none(acting_user),
            proposed_at=timezone.now(),
        )
        DispositionItem.objects.bulk_create(
            [
                DispositionItem(
                    batch=batch,
                    series=r.series,
                    object_id=r.object_id,
                    officer_id=r.officer_id,
                    schedule=r.schedule,
                    record_date=r.record_date,
                    due_on=r.due_on,
                )
                for r in sorted(chosen, key=lambda r: r.key)
            ],
            batch_size=500,
        )
        record_audit(
            actor=acting_user,
            action="retention.batch_propose",
            obj=batch,
            agency_id=agency.pk,
            after=snapshot(batch) | {"records": dict(Counter(r.series for r in chosen))},
        )
    return batch


def approve_batch(*, acting_user: Any, batch: DispositionBatch) -> DispositionBatch:
    """A records custodian approves a proposed batch for disposition; audited."""
    require(acting_user, "retention.approve", batch)
    _require_custodian(acting_user, batch.agency_id, "approves a disposition")
    with transaction.atomic():
        before = snapshot(batch)
        changed = DispositionBatch.objects.filter(pk=batch.pk, status=BatchStatus.PROPOSED).update(
            status=BatchStatus.APPROVED,
            approved_by=_user_or_none(acting_user),
            approved_at=timezone.now(),
        )
        if not changed:
            raise ValidationError({"status": "Only a proposed batch can be approved."})
        batch.refresh_from_db()
        record_audit(
            actor=acting_user,
            action="retention.batch_approve",
            obj=batch,
            agency_id=batch.agency_id,
            before=before,
            after=snapshot(batch),
        )
    return batch


def cancel_batch(*, acting_user: Any, batch: DispositionBatch, reason: str) -> DispositionBatch:
    """Withdraw a batch that has not been executed; its records stay. Audited."""
    require(acting_user, "retention.cancel", batch)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the batch is cancelled."})
    with transaction.atomic():
        before = snapshot(batch)
        changed = DispositionBatch.objects.filter(
            pk=batch.pk, status__in=sorted(OPEN_BATCH_STATUSES)
        ).update(
            status=BatchStatus.CANCELLED,
            cancelled_by=_user_or_none(acting_user),
            cancelled_at=timezone.now(),
            cancel_reason=reason,
        )
        if not changed:
            raise ValidationError({"status": "This batch was already executed or cancelled."})
        batch.refresh_from_db()
        record_audit(
            actor=acting_user,
            action="retention.batch_cancel",
            obj=batch,
            agency_id=batch.agency_id,
            before=before,
            after=snapshot(batch),
            reason=reason,
        )
    return batch


def _unshared(names: list[str]) -> list[str]:
    """The files no remaining row points at.

    One file can back several rows: an approved outside submission's certificate becomes its
    training record's evidence, and a correction keeps the certificate of the record it
    corrects. A file still named by a row that stays is kept, or that row would lose it.
    """
    left = set(names)
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not left or not isinstance(field, models.FileField):
                continue
            for chunk in chunks(left):
                used = model._base_manager.filter(**{f"{field.attname}__in": chunk})
                left -= set(used.values_list(field.attname, flat=True))
    return [name for name in names if name in left]


def _delete_files(names: list[str]) -> None:
    """Remove disposed records' files from private storage (after the deletion committed:
    a rolled-back disposition must not lose a file)."""
    storage = private_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            # The rows are gone and their tombstones written; a file that cannot be removed
            # now is named in the log for the administrator, never left silently.
            logger.exception("Could not remove the disposed file %s", name)


def execute_batch(*, acting_user: Any, batch: DispositionBatch) -> DispositionBatch:
    """Dispose of the approved batch's records that are still due and not held; audited,
    with a tombstone per record.

    A record whose schedule was lengthened, whose officer came under a legal hold, or that
    something kept still points at, is kept and its line of the batch says why. All of it
    happens, or none of it.
    """
    require(acting_user, "retention.execute", batch)
    _require_custodian(acting_user, batch.agency_id, "executes a disposition")
    agency = batch.agency
    with transaction.atomic():
        _lock_agency(agency.pk)
        before = snapshot(batch)
        changed = DispositionBatch.objects.filter(pk=batch.pk, status=BatchStatus.APPROVED).update(
            status=BatchStatus.EXECUTED,
            executed_by=_user_or_none(acting_user),
            executed_at=timezone.now(),
        )
        if not changed:
            raise ValidationError(
                {"status": "Only an approved batch is executed; this one is not (any more)."}
            )
        batch.refresh_from_db()
        items = {(i.series, i.object_id): i for i in batch.items.all()}
        free, held = past_their_period(agency, agency.today())
        held_keys = {r.key for r in held}
        going, blocked = settle(r for r in free if r.key in items)
        going_by_series: dict[str, list[Any]] = defaultdict(list)
        for record in going:
            going_by_series[record.series].append(record)

        approval = {
            "batch": batch.pk,
            "proposed_by": batch.proposed_by.get_username() if batch.proposed_by else "system",
            "approved_by": batch.approved_by.get_username() if batch.approved_by else "",
            "approved_at": batch.approved_at.isoformat() if batch.approved_at else None,
        }
        files: list[str] = []
        officers: set[int] = set()
        disposed_items: list[int] = []
        for code, kind in SERIES.items():  # in the order that respects what points at what
            records = going_by_series.get(code, [])
            if not records:
                continue
            result = kind.dispose([r.object_id for r in records])
            files.extend(result.file_names)
            officers |= result.officer_ids
            for record in records:
                record_audit(
                    actor=acting_user,
                    action="record.disposed",
                    object_type=kind.object_type,
                    object_id=str(record.object_id),
                    object_label=f"{kind.noun} #{record.object_id}",
                    agency_id=agency.pk,
                    after={
                        "series": code,
                        "schedule": record.schedule.pk,
                        "rule": record.schedule.rule_label,
                        "officer": record.officer_id,
                        "trigger_date": record.trigger_date,
                        "due_on": record.due_on,
                    }
                    | approval,
                )
                disposed_items.append(items[record.key].pk)

        kept_notes: dict[str, list[int]] = defaultdict(list)
        going_keys = {r.key for r in going}
        for key, item in items.items():
            if key in going_keys:
                continue
            if key in held_keys:
                note = "Kept: under a legal hold."
            elif key in blocked:
                note = f"Kept: {blocked[key]}."
            else:
                note = "Kept: no longer due under the current schedule."
            kept_notes[note].append(item.pk)
        for chunk in chunks(disposed_items):
            DispositionItem.objects.filter(pk__in=chunk).update(outcome=ItemOutcome.DISPOSED)
        for note, pks in kept_notes.items():
            for chunk in chunks(pks):
                DispositionItem.objects.filter(pk__in=chunk).update(
                    outcome=ItemOutcome.KEPT, outcome_note=note[:255]
                )

        if officers:
            # Verdicts read records: the current ones, and the stored ones of older periods,
            # must no longer count (or describe) what is gone.
            affected = list(
                Officer.objects.filter(pk__in=officers).select_related("agency", "unit")
            )
            refresh_compliance(affected)
            recompute_stored_snapshots(affected)

        record_audit(
            actor=acting_user,
            action="retention.batch_execute",
            obj=batch,
            agency_id=agency.pk,
            before=before,
            after=snapshot(batch)
            | {
                "disposed": dict(Counter(r.series for r in going)),
                "kept": len(items) - len(going),
            },
        )
        # Asked after the rows are gone, inside the transaction, so it sees what stays.
        unshared = _unshared(files)
        transaction.on_commit(lambda: _delete_files(unshared))
    return batch


def batch_counts(batch: DispositionBatch) -> dict[str, int]:
    """How many records of the batch are waiting, disposed and kept."""
    counts = Counter(batch.items.values_list("outcome", flat=True))
    return {outcome: counts.get(outcome, 0) for outcome in ItemOutcome.values}
