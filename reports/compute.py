"""Recompute rollups for organisations (or one unit's subtree) over a range of months.

`recompute(...)` is the one entry point (tasks, the `rollup` and `eor_report` commands and
the demo call it). It runs on PostgreSQL in SQL (`reports/sql.py`) and elsewhere through
pandas (`reports/frames.py`); both give identical rows.

Why whole organisations: pairing follows a case across units (a case that moved has its
start in one unit and its end in another), and every case stays within one organisation
(root unit). So the events read are always those of whole organisations; a narrower
`subtree` only narrows which units' rows are rewritten. Months before `first` are still
read: open starts carry over from every earlier month.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from cases.models import CaseEvent
from goals.models import Indicator, Unit
from trelleborg.months import current_month, month_end, month_of, months_between

from . import frames, sql
from .models import RefreshState, Rollup, RollupRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scope:
    organisations: list[Unit]  # roots whose events are read
    all_organisations: bool
    units: list[Unit]  # every unit of those organisations
    write_units: list[Unit]  # units whose rows are rewritten (the subtree, or all)

    @property
    def organisation_ids(self) -> list[int]:
        return [u.pk for u in self.organisations]

    def closure(self) -> list[tuple[int, int]]:
        """(descendant id, ancestor id) for every unit of the scope and each of its
        ancestors (itself included) whose rows are rewritten."""
        by_code = {u.code: u.pk for u in self.units}
        wanted = {u.pk for u in self.write_units}
        pairs = []
        for unit in self.units:
            for code in unit.path.strip("/").split("/"):
                ancestor = by_code.get(code)
                if ancestor in wanted:
                    pairs.append((unit.pk, ancestor))
        return pairs


def scope_for(*, organisations: Iterable[Unit] | None = None, subtree: Unit | None = None) -> Scope:
    if subtree is not None:
        roots = [subtree.root()]
    elif organisations is not None:
        roots = sorted({u.root() for u in organisations}, key=lambda u: u.pk)
    else:
        roots = list(Unit.objects.roots().order_by("pk"))
    all_orgs = organisations is None and subtree is None
    units = list(Unit.objects.all() if all_orgs else Unit.objects.subtree_of(roots))
    write = units if subtree is None else [u for u in units if u.path.startswith(subtree.path)]
    return Scope(roots, all_orgs, units, write)


def indicator_specs() -> tuple[list[frames.ExitsSpec], list[frames.LeadTimeSpec]]:
    exits, leads = [], []
    for ind in Indicator.objects.filter(
        kind__in=[Indicator.Kind.EXITS, Indicator.Kind.LEAD_TIME]
    ).order_by("pk"):
        if ind.kind == Indicator.Kind.EXITS:
            exits.append(frames.ExitsSpec(ind.pk, tuple(ind.reasons or ()), ind.program or ""))
        else:
            leads.append(frames.LeadTimeSpec(ind.pk, ind.start_event_type, ind.end_event_type))
    return exits, leads


def _events(scope: Scope):
    qs = CaseEvent.objects.all()
    if not scope.all_organisations:
        qs = qs.filter(organisation__in=scope.organisation_ids)
    return qs


def default_backend() -> str:
    return "sql" if connection.vendor == "postgresql" else "pandas"


def recompute(
    *,
    trigger: str,
    organisations: Iterable[Unit] | None = None,
    subtree: Unit | None = None,
    first_month: dt.date | None = None,
    last_month: dt.date | None = None,
    backend: str | None = None,
    kinds: Sequence[str] | None = None,
) -> RollupRun:
    """Rewrite the rollup rows (and freshness) of the scope for months first..last.

    Defaults: every organisation; from the month of the earliest event to the later of the
    current month and the month of the latest event. Idempotent: running it twice, or two
    at once, leaves the same rows (per-organisation lock, then delete + insert in one
    transaction). `kinds` (Indicator.Kind values) limits the run to those indicators'
    rows; None: every exits and lead-time indicator.
    """
    backend = backend or default_backend()
    scope = scope_for(organisations=organisations, subtree=subtree)
    read = _events(scope).aggregate(
        n=Count("pk"), updated=Max("updated_at"), lo=Min("occurred_on"), hi=Max("occurred_on")
    )
    horizon = current_month()
    first = first_month or (month_of(read["lo"]) if read["lo"] else horizon)
    last = last_month or max(horizon, month_of(read["hi"]) if read["hi"] else horizon)
    first = min(first, last)
    run = RollupRun.objects.create(
        trigger=trigger,
        backend=backend,
        organisations=[u.code for u in scope.organisations],
        subtree=subtree.code if subtree else "",
        first_month=first,
        last_month=last,
        events_read=read["n"],
        events_max_updated_at=read["updated"],
    )
    try:
        with transaction.atomic():
            written = _rewrite(scope, run, first, last, backend, kinds)
    except Exception as exc:
        RollupRun.objects.filter(pk=run.pk).update(
            status=RollupRun.Status.FAILED, error=repr(exc)[:2000], finished_at=timezone.now()
        )
        raise
    run.status, run.rows_written, run.finished_at = "done", written, timezone.now()
    run.save(update_fields=["status", "rows_written", "finished_at"])
    log.info(
        "rollup run %s (%s, %s): %s rows, %s events, %s..%s in %.2fs",
        run.pk,
        trigger,
        backend,
        written,
        read["n"],
        first,
        last,
        (run.finished_at - run.started_at).total_seconds(),
    )
    return run


def _rewrite(
    scope: Scope,
    run: RollupRun,
    first: dt.date,
    last: dt.date,
    backend: str,
    kinds: Sequence[str] | None = None,
) -> int:
    if connection.vendor == "postgresql":
        sql.lock_organisations(scope.organisation_ids)
    stale = Rollup.objects.filter(month__gte=first, month__lte=last)
    if not (scope.all_organisations and len(scope.write_units) == len(scope.units)):
        stale = stale.filter(unit__in=[u.pk for u in scope.write_units])
    exits, leads = indicator_specs()
    if kinds is not None:
        stale = stale.filter(indicator__kind__in=list(kinds))
        exits = exits if Indicator.Kind.EXITS in kinds else []
        leads = leads if Indicator.Kind.LEAD_TIME in kinds else []
    stale.delete()
    closure = scope.closure()
    now = run.started_at
    if backend == "sql":
        values = sql.params(
            closure=closure,
            organisation_ids=scope.organisation_ids,
            exits=exits,
            lead_times=leads,
            first=first,
            last=last,
            last_day=month_end(last),
            now=now,
            run_id=run.pk,
        )
        written = sql.write_rollups(
            values,
            all_organisations=scope.all_organisations,
            has_exits=bool(exits),
            has_lead_times=bool(leads),
        )
        sql.write_coverage(unit_ids=[u.pk for u in scope.write_units], values=values)
        return written
    rows = compute_frame(scope, exits, leads, closure, first, last)
    written = _bulk_insert(rows, now=now, run=run)
    _bulk_coverage(scope.write_units, months_between(first, last), now=now, run=run)
    return written


def compute_frame(
    scope: Scope,
    exits: Sequence[frames.ExitsSpec],
    leads: Sequence[frames.LeadTimeSpec],
    closure: Sequence[tuple[int, int]],
    first: dt.date,
    last: dt.date,
):
    types = {"exit"} | {t for s in leads for t in (s.start_type, s.end_type)}
    rows = (
        _events(scope)
        .filter(event_type__in=types)
        .values_list("id", "case_id", "unit_id", "event_type", "occurred_on", "reason", "program")
    )
    return frames.rollup_rows(
        frames.events_frame(rows.iterator(chunk_size=20_000)),
        exits=exits,
        lead_times=leads,
        closure=frames.closure_frame(closure),
        first=first,
        last=last,
    )


def _bulk_insert(rows, *, now: dt.datetime, run: RollupRun) -> int:
    objects = [
        Rollup(
            unit_id=int(r.unit_id),
            indicator_id=int(r.indicator_id),
            month=r.month,
            count=int(r.count),
            exits_work=int(r.exits_work),
            exits_studies=int(r.exits_studies),
            exits_other_benefit=int(r.exits_other_benefit),
            exits_moved=int(r.exits_moved),
            exits_other=int(r.exits_other),
            median=None if r.median != r.median else float(r.median),  # NaN -> NULL
            p90=None if r.p90 != r.p90 else float(r.p90),
            open_starts=int(r.open_starts),
            computed_at=now,
            run=run,
        )
        for r in rows.itertuples(index=False)
    ]
    Rollup.objects.bulk_create(objects, batch_size=2000)
    return len(objects)


def _bulk_coverage(units: Sequence[Unit], months: Sequence[dt.date], *, now, run) -> None:
    RefreshState.objects.bulk_create(
        [
            RefreshState(unit=u, month=m, status=RefreshState.Status.DONE, computed_at=now, run=run)
            for u in units
            for m in months
        ],
        update_conflicts=True,
        unique_fields=["unit", "month"],
        update_fields=["computed_at", "run"],
        batch_size=2000,
    )
