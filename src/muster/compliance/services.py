"""Keeping each officer's compliance snapshot current, overlays, waivers and recomputation.

`refresh_compliance(officers)` is called by every service that changes what a verdict reads
(records, qualifications, leave, waivers, roster facts), inside that service's transaction,
so a snapshot is never older than the data it describes. Bulk work (the demo, imports)
wraps itself in `deferred_refresh()` and refreshes each officer once at the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from muster.agencies.models import Agency
from muster.compliance.app_facts import officer_facts, record_facts
from muster.compliance.evaluator import Evaluator, OfficerResult, check_overlay, hours
from muster.compliance.models import AgencyOverlay, ComplianceSnapshot, Waiver
from muster.compliance.periods import Period
from muster.compliance.rulepack import PackError, load_pack, parse_overlay
from muster.core.audit import record_audit, snapshot
from muster.core.services import require
from muster.people.models import Officer

_deferred: ContextVar[set[int] | None] = ContextVar("deferred_compliance", default=None)
BATCH = 500


@dataclass(frozen=True)
class StatusChange:
    """An officer whose status for a period changed in a recomputation."""

    officer_id: int
    officer: str
    period: str
    before: str
    after: str


def _pack_text(pack_id: str) -> str:
    return (resources.files("muster") / "rulepacks" / f"{pack_id}.yaml").read_text("utf-8")


@lru_cache(maxsize=64)
def _evaluator(pack_id: str, overlay_text: str) -> tuple[Evaluator, str]:
    overlay = parse_overlay(overlay_text, "agency overlay") if overlay_text else None
    digest = hashlib.sha256((_pack_text(pack_id) + "\0" + overlay_text).encode()).hexdigest()
    return Evaluator(load_pack(pack_id), overlay), digest


def evaluator_for(agency: Agency) -> tuple[Evaluator, str]:
    """The agency's evaluator (state pack plus its overlay) and a digest of those rules."""
    text = AgencyOverlay.objects.filter(agency=agency).values_list("text", flat=True).first()
    return _evaluator(agency.rule_pack, text or "")


def periods_to_keep(evaluator: Evaluator, facts: Any, today: dt.date) -> tuple[Period, Period]:
    """The previous and the current period on `today` (the ones kept as snapshots)."""
    current = evaluator.period_for(facts, as_of=today)
    previous = evaluator.period_for(facts, as_of=current.start - dt.timedelta(days=1))
    return previous, current


@contextmanager
def deferred_refresh() -> Iterator[None]:
    """Collect officers to refresh and refresh each once, when the block ends."""
    if _deferred.get() is not None:  # already deferring: the outer block refreshes
        yield
        return
    pending: set[int] = set()
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    if pending:
        for start in range(0, len(pending), BATCH):
            chunk = sorted(pending)[start : start + BATCH]
            refresh_compliance(Officer.objects.filter(pk__in=chunk))


def refresh_compliance(
    officers: Iterable[Officer], *, today: dt.date | None = None
) -> list[StatusChange]:
    """Recompute and store the snapshots of the current and previous period; report changes."""
    pending = _deferred.get()
    officer_list = list(officers)
    if pending is not None:
        pending.update(o.pk for o in officer_list)
        return []
    changes: list[StatusChange] = []
    by_agency: dict[int, list[Officer]] = {}
    for officer in officer_list:
        by_agency.setdefault(officer.agency_id, []).append(officer)
    for officer_group in by_agency.values():
        agency = officer_group[0].agency
        evaluator, digest = evaluator_for(agency)
        local_today = today or agency.today()
        changes.extend(_refresh_agency_batch(evaluator, digest, officer_group, local_today))
    return changes


def _refresh_agency_batch(
    evaluator: Evaluator, digest: str, officers: list[Officer], today: dt.date
) -> list[StatusChange]:
    facts = {o.pk: officer_facts(o) for o in officers}
    wanted: dict[int, tuple[Period, Period]] = {
        pk: periods_to_keep(evaluator, f, today) for pk, f in facts.items()
    }
    start = min(p[0].start for p in wanted.values())
    end = max(p[1].end for p in wanted.values())
    labels = {p.label for pair in wanted.values() for p in pair}
    records = record_facts(facts.keys(), start, end, labels)
    existing = {
        (s.officer_id, s.period_label): s
        for s in ComplianceSnapshot.objects.filter(
            officer_id__in=facts.keys(), pack_id=evaluator.pack.id, period_label__in=labels
        ).only("pk", "officer_id", "period_label", "status")
    }
    now = timezone.now()
    changes: list[StatusChange] = []
    to_create: list[ComplianceSnapshot] = []
    to_update: list[ComplianceSnapshot] = []
    for officer in officers:
        history = records.get(officer.pk, [])
        for period in wanted[officer.pk]:
            # Only what can bear on this period: its own dates, and make-up for or from it.
            relevant = [r for r in history if r.date in period or r.attributed_to == period.label]
            result = evaluator.evaluate(facts[officer.pk], relevant, period, as_of=today)
            row = existing.get((officer.pk, period.label))
            if row is None:
                row = ComplianceSnapshot(
                    officer=officer, pack_id=evaluator.pack.id, period_label=period.label
                )
                to_create.append(row)
            else:
                if row.status != result.status:
                    changes.append(
                        StatusChange(
                            officer.pk, str(officer), period.label, row.status, result.status
                        )
                    )
                to_update.append(row)
            _fill(row, result, digest, now)
    ComplianceSnapshot.objects.bulk_create(to_create)
    # One plain UPDATE a row: bulk_update's CASE expressions cost more for the usual one or two.
    for row in to_update:
        ComplianceSnapshot.objects.filter(pk=row.pk).update(
            **{name: getattr(row, name) for name in _SNAPSHOT_FIELDS}
        )
    return changes


_SNAPSHOT_FIELDS = [
    "pack_version", "rules_digest", "period_start", "period_end", "status", "reason",
    "deadline", "grace_until", "credited_hours", "required_hours", "result", "computed_at",
]  # fmt: skip


def _fill(row: ComplianceSnapshot, result: OfficerResult, digest: str, now: dt.datetime) -> None:
    total = next((r for r in result.requirements if r.id == "total"), None)
    row.pack_version = result.version
    row.rules_digest = digest
    row.period_start = result.period.start
    row.period_end = result.period.end
    row.status = result.status
    row.reason = result.reason[:255]
    row.deadline = result.deadline
    row.grace_until = result.grace_until
    row.credited_hours = total.credited if total else hours(0)
    row.required_hours = total.required if total else hours(0)
    row.result = result.plain()
    row.computed_at = now


def recompute_stored_snapshots(
    officers: Iterable[Officer], *, today: dt.date | None = None
) -> None:
    """Recompute every stored snapshot of these officers, older periods included, from the
    records as they are now.

    Records disposed of under a retention schedule leave periods long closed; their stored
    verdicts and explanations must not go on describing records that are gone. Runs in the
    caller's transaction.
    """
    for officer in officers:
        evaluator, digest = evaluator_for(officer.agency)
        facts = officer_facts(officer)
        local_today = today or officer.agency.today()
        now = timezone.now()
        for row in ComplianceSnapshot.objects.filter(officer=officer, pack_id=evaluator.pack.id):
            period = Period(row.period_label, row.period_start, row.period_end)
            history = record_facts([officer.pk], period.start, period.end, [period.label])
            relevant = [
                r
                for r in history.get(officer.pk, [])
                if r.date in period or r.attributed_to == period.label
            ]
            _fill(row, evaluator.evaluate(facts, relevant, period, as_of=local_today), digest, now)
            ComplianceSnapshot.objects.filter(pk=row.pk).update(
                **{name: getattr(row, name) for name in _SNAPSHOT_FIELDS}
            )


def recompute_all(*, agency: Agency | None = None) -> list[StatusChange]:
    """Recompute every serving officer's snapshots (after a pack changes); report who changed."""
    agencies = [agency] if agency is not None else list(Agency.objects.order_by("pk"))
    changes: list[StatusChange] = []
    for item in agencies:
        ids = list(Officer.objects.filter(agency=item).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            with transaction.atomic():
                batch = (
                    Officer.objects.filter(pk__in=ids[start : start + BATCH])
                    .select_related("agency", "unit")
                    .prefetch_related("leave_periods")
                )
                changes.extend(refresh_compliance(list(batch)))
    return changes


# --- Overlays and waivers -------------------------------------------------------------------


def set_agency_overlay(*, acting_user: Any, agency: Agency, text: str) -> AgencyOverlay | None:
    """Replace the agency's overlay (empty text removes it); audited; recomputes the agency.

    Only unconfirmed state values may be overridden; local requirements only add to the state's.
    """
    require(acting_user, "compliance.manage_overlay", agency)
    text = text.strip()
    if text:
        try:
            overlay = parse_overlay(text, "overlay")
            check_overlay(load_pack(agency.rule_pack), overlay)
        except PackError as exc:
            raise ValidationError({"text": str(exc)}) from None
    with transaction.atomic():
        current = AgencyOverlay.objects.filter(agency=agency).first()
        before = {"text": current.text} if current else None
        if not text:
            if current is not None:
                current.delete()
            row = None
        else:
            row, _ = AgencyOverlay.objects.update_or_create(
                agency=agency,
                defaults={
                    "text": text,
                    "updated_by": acting_user if getattr(acting_user, "pk", None) else None,
                },
            )
        record_audit(
            actor=acting_user,
            action="overlay.set",
            object_type="compliance.agencyoverlay",
            object_id=str(agency.pk),
            object_label=f"Overlay of {agency}",
            agency_id=agency.pk,
            before=before,
            after={"text": text} if text else None,
        )
        recompute_all(agency=agency)
    return row


def grant_waiver(
    *,
    acting_user: Any,
    officer: Officer,
    period_label: str,
    reason: str,
    requirement_ids: Iterable[str] = (),
    extended_until: dt.date | None = None,
    note: str = "",
) -> Waiver:
    """Waive (or extend) a period for an officer, for a reason the pack allows; audited."""
    require(acting_user, "compliance.grant_waiver", officer)
    pack = load_pack(officer.agency.rule_pack)
    try:
        period = pack.versions[-1].period.rule().by_label(period_label, officer.first_licensed_on)
    except ValueError as exc:
        raise ValidationError({"period_label": str(exc)}) from None
    # The version in force for that period decides which reasons and requirements exist.
    version = pack.version_for(period.start)
    if reason not in version.waivers.reasons:
        allowed = ", ".join(version.waivers.reasons)
        raise ValidationError(
            {"reason": f"'{reason}' is not a waiver reason of {pack.id}; use {allowed}"}
        )
    if reason in version.waivers.extension_only and extended_until is None:
        raise ValidationError({"extended_until": f"'{reason}' only extends: give the new date."})
    ids = sorted(set(requirement_ids))
    unknown = sorted(set(ids) - {r.id for r in version.requirements})
    if unknown:
        raise ValidationError({"requirement_ids": f"unknown requirements: {', '.join(unknown)}"})
    with transaction.atomic():
        waiver = Waiver.objects.create(
            officer=officer,
            period_label=period_label,
            reason=reason,
            requirement_ids=ids,
            extended_until=extended_until,
            note=note,
            granted_by=acting_user if getattr(acting_user, "pk", None) else None,
        )
        record_audit(
            actor=acting_user,
            action="waiver.grant",
            obj=waiver,
            agency_id=officer.agency_id,
            after=snapshot(waiver),
        )
        refresh_compliance([officer])
    return waiver


def what_if(officer: Officer, *, today: dt.date | None = None) -> OfficerResult | None:
    """The officer's verdict for the current period if they attend the sessions they are
    enrolled in; None when they are enrolled in none."""
    from muster.compliance.app_facts import planned_facts

    planned = planned_facts(officer)
    if not planned:
        return None
    evaluator, _ = evaluator_for(officer.agency)
    facts = officer_facts(officer)
    today = today or officer.agency.today()
    period = evaluator.period_for(facts, as_of=today)
    history = record_facts([officer.pk], period.start, period.end, [period.label]).get(
        officer.pk, []
    )
    upcoming = [p for p in planned if p.date in period]
    return evaluator.evaluate(facts, [*history, *upcoming], period, as_of=today)


def current_snapshots(
    user: Any, officer_ids: Iterable[int], today: dt.date
) -> dict[int, ComplianceSnapshot]:
    """Each officer's snapshot under their agency's pack for the period containing `today`,
    among those `user` may read (one query)."""
    rows = (
        ComplianceSnapshot.objects.visible_to(user)
        .filter(
            officer_id__in=list(officer_ids),
            pack_id=F("officer__agency__rule_pack"),
            period_start__lte=today,
            period_end__gte=today,
        )
        .defer("result")
    )
    return {row.officer_id: row for row in rows}
