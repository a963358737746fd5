"""Keeping rollups fresh: recording what changed, draining it, the nightly catch-up.

The flow (DESIGN.md "Architecture"): every write path of `cases` sends `events_changed`
once after commit → `refresh_request` records the units (and their ancestors, whose figures
pool them) and months as pending in `RefreshState` — a table, so it works across
processes — and schedules ONE `reports.refresh_pending` task, coalesced through a cache key
→ the task calls `refresh_drain`, which recomputes each affected organisation from the
earliest pending month on and marks done only the rows whose generation it saw.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from contextlib import nullcontext

import kombu.exceptions
import redis.exceptions
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.models import CaseEvent
from goals.models import Indicator, Unit
from trelleborg.months import add_months, current_month

from .compute import recompute
from .models import RefreshState, RollupRun

log = logging.getLogger(__name__)

# Present while a refresh task is queued and not yet started: later changes in that window
# ride on it instead of queueing another. The TTL only matters if the task is lost.
SCHEDULED_KEY = "reports:refresh-scheduled"
# What an unreachable Redis raises, as cache or as Celery broker.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)
SCHEDULED_TTL = 120
# The two passes of a refresh (see refresh_drain).
REFRESH_FIRST = (Indicator.Kind.EXITS,)
REFRESH_THEN = (Indicator.Kind.LEAD_TIME,)

# One statement: the units and every unit above them (a unit's path starts with each of its
# ancestors' paths) × the months, recorded as pending; answers the units it marked.
_UPSERT_SQL = """
INSERT INTO reports_refreshstate (unit_id, month, status, generation, requested_at, error)
SELECT DISTINCT a.id, m.month, 'pending', 1, %s, ''
FROM goals_unit u
JOIN goals_unit a ON substr(u.path, 1, length(a.path)) = a.path
CROSS JOIN ({months}) m
WHERE u.id IN ({units})
ON CONFLICT (unit_id, month) DO UPDATE
    SET status = 'pending',
        generation = reports_refreshstate.generation + 1,
        requested_at = excluded.requested_at,
        error = ''
RETURNING unit_id
"""
# Units per statement (well under SQLite's limit on parameters).
_UNITS_PER_STATEMENT = 500


def refresh_request(*, unit_ids: Iterable[int], months: Iterable[dt.date]) -> int:
    """Record (unit and ancestors) × months as pending and schedule one refresh task.

    Returns how many (unit, month) rows were marked. (A change in a closed month is
    recorded as a correction by the write path of `cases` itself, with who, source and
    reason: a refresh is no correction and marks nothing restated.)
    """
    from .tasks import refresh_pending  # tasks import this module

    unit_ids, months = sorted(set(unit_ids)), sorted({m.replace(day=1) for m in months})
    if not unit_ids or not months:
        return 0
    now = timezone.now()
    month_rows = " UNION ALL ".join(["SELECT %s AS month"] * len(months))
    chunks = [
        unit_ids[start : start + _UNITS_PER_STATEMENT]
        for start in range(0, len(unit_ids), _UNITS_PER_STATEMENT)
    ]
    marked: list[int] = []
    # A single statement is atomic by itself: no transaction (two round trips) around it.
    with transaction.atomic() if len(chunks) > 1 else nullcontext(), connection.cursor() as cursor:
        for chunk in chunks:
            sql = _UPSERT_SQL.format(months=month_rows, units=", ".join(["%s"] * len(chunk)))
            cursor.execute(sql, [now, *months, *chunk])
            marked.extend(row[0] for row in cursor.fetchall())
    if not marked:
        return 0
    try:
        first = cache.add(SCHEDULED_KEY, now.isoformat(), timeout=SCHEDULED_TTL)
    except BROKER_ERRORS:
        # Redis is down: the rows above are the record of the work, and the sweep (every
        # five minutes) or the nightly run drains them once it is back. A logged exit must
        # not fail because the scheduler is away.
        log.warning("refresh not scheduled (cache unreachable); left pending", exc_info=True)
        return len(marked)
    if first:
        refresh_pending.delay_on_commit()
    return len(marked)


def _mark(claimed: list[dict], **values) -> None:
    """Update claimed rows whose generation is unchanged (a newer request stays pending)."""
    by_generation: dict[int, list[int]] = defaultdict(list)
    for row in claimed:
        by_generation[row["generation"]].append(row["pk"])
    for generation, pks in by_generation.items():
        RefreshState.objects.filter(pk__in=pks, generation=generation).update(**values)


def refresh_drain(*, max_rounds: int = 10) -> int:
    """Recompute every organisation with outstanding work; returns the runs made.

    Outstanding includes rows left `running` by a worker that died (its transaction rolled
    back, so its figures were never half-written) and `failed` ones. Each organisation is
    recomputed from its earliest pending month to now: open starts carry into every later
    month. A failure is recorded on its rows and raised after the other organisations are
    done, so the task retries it.
    """
    runs, failures = 0, []
    for _ in range(max_rounds):
        claimed = list(
            RefreshState.objects.outstanding().values(
                "pk", "unit_id", "month", "generation", "unit__path"
            )
        )
        if not claimed:
            break
        by_org: dict[str, list[dict]] = defaultdict(list)
        for row in claimed:
            by_org[row["unit__path"].strip("/").split("/")[0]].append(row)
        failures = []
        for code in sorted(by_org):
            rows = by_org[code]
            _mark(rows, status=RefreshState.Status.RUNNING)
            try:
                org = Unit.objects.get(code=code)
                # Exit counts first, in a transaction of their own: they are the figures a
                # logged exit changes and they take a fraction of a second, while lead times
                # re-pair the organisation's whole history. Both finish before rows are done.
                for kinds in (REFRESH_FIRST, REFRESH_THEN):
                    recompute(
                        trigger=RollupRun.Trigger.REFRESH,
                        organisations=[org],
                        first_month=min(r["month"] for r in rows),
                        kinds=kinds,
                    )
            except Exception as exc:
                log.exception("refresh of %s failed", code)
                _mark(rows, status=RefreshState.Status.FAILED, error=repr(exc)[:2000])
                failures.append(exc)
                continue
            _mark(rows, status=RefreshState.Status.DONE, error="")
            runs += 1
        if failures:
            raise failures[0]
    return runs


def stale_organisations() -> dict[str, dt.date]:
    """Organisations (root code) whose events changed after their rollup was computed, with
    the earliest such month: the month of an event with updated_at later than the root's
    RefreshState.computed_at for that month (or never computed)."""
    latest = (
        CaseEvent.objects.annotate(month=TruncMonth("occurred_on"))
        .values("organisation_id", "organisation__code", "month")
        .annotate(latest=Max("updated_at"))
    )
    computed = {
        (s.unit_id, s.month): s.computed_at
        for s in RefreshState.objects.filter(unit__parent__isnull=True).only(
            "unit_id", "month", "computed_at"
        )
    }
    stale: dict[str, dt.date] = {}
    for row in latest:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        done = computed.get((row["organisation_id"], month))
        if done is None or row["latest"] > done:
            code = row["organisation__code"]
            stale[code] = min(stale.get(code, month), month)
    return stale


def rollup_nightly(*, today_month: dt.date | None = None) -> int:
    """Recompute the current and previous month everywhere, and from the earliest stale
    month on for organisations whose data is newer than their rollup. Returns runs made."""
    month = today_month or current_month()
    previous = add_months(month, -1)
    firsts: dict[dt.date, list[str]] = defaultdict(list)
    stale = stale_organisations()
    for root in Unit.objects.roots():
        firsts[min(previous, stale.get(root.code, previous))].append(root.code)
    runs = 0
    for first, codes in sorted(firsts.items()):
        orgs = list(Unit.objects.filter(code__in=codes))
        everyone = len(firsts) == 1
        recompute(
            trigger=RollupRun.Trigger.NIGHTLY,
            organisations=None if everyone else orgs,
            first_month=first,
        )
        runs += 1
    return runs
