"""Named reads for the goals pages' partials (and anyone else): figures of ONE unit.

Exits and lead times come from the rollup tables (pooled over the unit's subtree); EOR and
individual targets are the unit's own (goals tables). Only `baseline_lead_time` and the
follow-up/hit-rate functions read events: a year's pooled median is not derivable from
monthly rollups, and the follow-up is client-level by nature.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from cases.models import CaseEvent
from goals.models import Indicator, ManualValue, NamedClient, Unit, YearGoal
from trelleborg.months import add_months, months_between
from trelleborg.stats import percentile
from trelleborg.vocabulary import COUNTING_EXIT_REASONS

from . import frames, judging
from .models import Rollup
from .report import eor_in_force, targets_sum

EXITS_CODE = "avslut"


def monthly_exits(unit: Unit, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """Counted exits (indicator `avslut`) per month, 0 for months without a row."""
    rows = dict(
        Rollup.objects.for_unit(unit)
        .for_indicator(EXITS_CODE)
        .in_months(first, last)
        .values_list("month", "count")
    )
    return {m: rows.get(m, 0) for m in months_between(first, last)}


@dataclass(frozen=True)
class OutcomeMonth:
    month: dt.date
    exits: int
    eor: int | None
    targets_sum: int | None
    met_eor: bool | None = None  # judged by reports.judging; None without an exit EOR


def recent_outcomes(unit: Unit, month: dt.date, n: int = 6) -> list[OutcomeMonth]:
    """The `n` months before `month`, oldest first: exits vs EOR vs sum of targets."""
    first, last = add_months(month, -n), add_months(month, -1)
    months = months_between(first, last)
    exits = monthly_exits(unit, first, last)
    eors, targets = eor_in_force(unit, months), targets_sum(unit, months)
    judged = judging.judge_many([unit], first, last, sums=False)
    met = {
        m: j.reached for (_u, m), js in judged.items() for j in js if j.indicator.code == EXITS_CODE
    }
    return [OutcomeMonth(m, exits[m], eors.get(m), targets.get(m), met.get(m)) for m in months]


def record_month(unit: Unit) -> tuple[dt.date, int] | None:
    """The all-time month with the most counted exits (the earliest, on a tie)."""
    row = (
        Rollup.objects.for_unit(unit)
        .for_indicator(EXITS_CODE)
        .filter(count__gt=0)
        .order_by("-count", "month")
        .values_list("month", "count")
        .first()
    )
    return row


def year_exits(unit: Unit, year: int) -> int:
    total = (
        Rollup.objects.for_unit(unit)
        .for_indicator(EXITS_CODE)
        .in_year(year)
        .aggregate(total=Sum("count"))["total"]
    )
    return total or 0


def goal_target(goal: YearGoal, baseline_value: float | None) -> float | None:
    """Absolute target, or baseline value × factor (None without a baseline value)."""
    if goal.target is not None:
        return float(goal.target)
    if goal.baseline_value is not None:  # entered by hand, with its source
        baseline_value = float(goal.baseline_value)
    if baseline_value is None or goal.factor is None:
        return None
    return baseline_value * float(goal.factor)


@dataclass(frozen=True)
class Pace:
    goal: float | None
    year_to_date: int
    months_done: int
    remaining_months: int
    needed_per_month: float | None  # None without a goal
    projected: float | None  # None before any month is done


def pace(unit: Unit, month: dt.date) -> Pace:
    """For the meeting on `month`: exits in the year's months before it, against the year
    goal of `avslut`; what each remaining month (this one included) needs; and the year end
    if the pace so far held."""
    done = months_between(dt.date(month.year, 1, 1), month)[:-1]
    ytd = sum(monthly_exits(unit, done[0], done[-1]).values()) if done else 0
    goal = YearGoal.objects.filter(unit=unit, indicator__code=EXITS_CODE, year=month.year).first()
    target = None
    if goal is not None:
        baseline = year_exits(unit, goal.baseline_year) if goal.baseline_year else None
        target = goal_target(goal, baseline)
    remaining = 12 - len(done)
    needed = None if target is None else max(target - ytd, 0) / remaining
    projected = ytd * 12 / len(done) if done else None
    return Pace(target, ytd, len(done), remaining, needed, projected)


def baseline_lead_time(
    unit: Unit, indicator: Indicator, year: int, *, subtree_ids: set[int] | None = None
) -> tuple[int, float | None]:
    """(n, pooled median) of the lead times ending in `year` in the unit's subtree.

    Read from events through the same pairing as the rollups (pandas path): a year's
    pooled median cannot be assembled from monthly medians. Callers that already hold the
    subtree's unit ids pass them (`subtree_ids`) and the answer takes one query."""
    spec = frames.LeadTimeSpec(indicator.pk, indicator.start_event_type, indicator.end_event_type)
    # Events after the year cannot change a pair that ends in it (a pair ends at the first
    # end on or after its start), so the read stops at the year's last day.
    rows = CaseEvent.objects.filter(
        organisation__code=unit.root_code,
        event_type__in=[spec.start_type, spec.end_type],
        occurred_on__lte=dt.date(year, 12, 31),
    ).values_list("id", "case_id", "unit_id", "event_type", "occurred_on", "reason", "program")
    pairs = frames.pair_starts(frames.events_frame(rows), spec)
    subtree = subtree_ids
    if subtree is None:
        subtree = set(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    lo = frames.day_number(dt.date(year, 1, 1))
    hi = frames.day_number(dt.date(year, 12, 31))
    ended = pairs[
        (pairs["end_day"] >= lo) & (pairs["end_day"] <= hi) & pairs["end_unit"].isin(subtree)
    ]
    days = (ended["end_day"] - ended["start_day"]).tolist()
    return len(days), percentile(days, 0.5)


def baseline_value(unit: Unit, indicator: Indicator, year: int) -> float | None:
    """The baseline year's value DESIGN.md relative goals use: exits → the year's total;
    lead time → the year's pooled median."""
    if indicator.kind == Indicator.Kind.EXITS:
        if indicator.code == EXITS_CODE:
            return float(year_exits(unit, year))
        total = (
            Rollup.objects.for_unit(unit)
            .for_indicator(indicator)
            .in_year(year)
            .aggregate(total=Sum("count"))["total"]
        )
        return float(total or 0)
    if indicator.kind == Indicator.Kind.LEAD_TIME:
        return baseline_lead_time(unit, indicator, year)[1]
    return None


# --- Client level: follow-up and forecast hit rate (client roles only) ----------------------


def counted_exit_refs(unit: Unit, first: dt.date, last: dt.date) -> dict[dt.date, set[str]]:
    """Client refs with an exit to work or studies in the unit's subtree, per month."""
    rows = CaseEvent.objects.filter(
        unit__path__startswith=unit.path,
        event_type="exit",
        reason__in=COUNTING_EXIT_REASONS,
        occurred_on__gte=first,
        occurred_on__lt=add_months(last, 1),
    ).values_list("occurred_on", "case__client__ref")
    out: dict[dt.date, set[str]] = defaultdict(set)
    for day, ref in rows:
        out[day.replace(day=1)].add(ref)
    return out


def named_exits(root_code: str, refs, first: dt.date, last: dt.date) -> set[tuple[dt.date, str]]:
    """(month, ref) of the clients among `refs` (a list or a values() subquery) with an
    exit to work or studies in the months, in any unit of the organisation: a named client
    who left counts as a hit whichever unit logged the exit (as cases answers goals, see
    cases/goals_hooks.py `exited_refs`)."""
    rows = CaseEvent.objects.filter(
        organisation__code=root_code,
        event_type="exit",
        reason__in=COUNTING_EXIT_REASONS,
        occurred_on__gte=first,
        occurred_on__lt=add_months(last, 1),
        case__client__ref__in=refs,
    ).values_list("occurred_on", "case__client__ref")
    return {(day.replace(day=1), ref) for day, ref in rows}


@dataclass(frozen=True)
class CaseworkerHits:
    caseworker: object
    named: int
    hits: int

    @property
    def rate(self) -> float | None:
        return self.hits / self.named if self.named else None


@dataclass(frozen=True)
class FollowUp:
    month: dt.date
    exits: int
    eor: int | None
    targets_sum: int | None
    named_exited: list[tuple[str, object]]  # (client ref, caseworker)
    named_not_exited: list[tuple[str, object]]
    unforeseen: list[str]  # exited, nobody named them
    per_caseworker: list[CaseworkerHits]


def named_by_caseworker(unit: Unit, first: dt.date, last: dt.date):
    """(month, caseworker, client ref) of every named client of the unit in the months."""
    return list(
        NamedClient.objects.filter(
            target__unit=unit, target__month__gte=first, target__month__lte=last
        )
        .select_related("target__caseworker")
        .values_list("target__month", "target__caseworker", "client_ref")
    )


def followup(unit: Unit, month: dt.date) -> FollowUp:
    exits = monthly_exits(unit, month, month)[month]
    exited = counted_exit_refs(unit, month, month).get(month, set())
    named = named_by_caseworker(unit, month, month)
    users = _users({cw for _, cw, _ in named})
    named_refs = {ref for _, _, ref in named}
    left = {ref for _, ref in named_exits(unit.root_code, sorted(named_refs), month, month)}
    per: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    hit, miss = [], []
    for _, cw, ref in named:
        per[cw][0] += 1
        if ref in left:
            per[cw][1] += 1
            hit.append((ref, users[cw]))
        else:
            miss.append((ref, users[cw]))
    return FollowUp(
        month=month,
        exits=exits,
        eor=eor_in_force(unit, [month]).get(month),
        targets_sum=targets_sum(unit, [month]).get(month),
        named_exited=sorted(hit, key=lambda x: x[0]),
        named_not_exited=sorted(miss, key=lambda x: x[0]),
        unforeseen=sorted(exited - named_refs),
        per_caseworker=_hits(per, users),
    )


def hit_rate(
    unit: Unit, month: dt.date, n: int = 12
) -> tuple[list[CaseworkerHits], CaseworkerHits]:
    """Forecast hit rate over the `n` months before `month`: per caseworker and the group
    (named clients who exited in the month they were named for / named clients)."""
    first, last = add_months(month, -n), add_months(month, -1)
    named = named_by_caseworker(unit, first, last)
    left = named_exits(unit.root_code, sorted({ref for _, _, ref in named}), first, last)
    users = _users({cw for _, cw, _ in named})
    per: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for m, cw, ref in named:
        per[cw][0] += 1
        per[cw][1] += (m, ref) in left
    rows = _hits(per, users)
    group = CaseworkerHits(None, sum(r.named for r in rows), sum(r.hits for r in rows))
    return rows, group


def _users(ids: set[int]) -> dict[int, object]:
    from django.contrib.auth import get_user_model

    return {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}


def _hits(per: dict[int, list[int]], users: dict[int, object]) -> list[CaseworkerHits]:
    rows = [CaseworkerHits(users[cw], named, hits) for cw, (named, hits) in per.items()]
    return sorted(rows, key=lambda r: r.caseworker.get_full_name() or r.caseworker.username)


# --- Forecast hit rate over time per group (aggregates only: the hit-rate dashboard) --------


@dataclass(frozen=True)
class GroupMonthHits:
    named: int
    hits: int

    @property
    def rate(self) -> float | None:
        return self.hits / self.named if self.named else None


def hit_rate_by_group(
    units: list[Unit], first: dt.date, last: dt.date
) -> dict[int, dict[dt.date, GroupMonthHits]]:
    """Per unit (group) id and month: clients named in the unit's plans for the month, and
    how many of them exited to work or studies in that month (in any unit of the
    organisation, see `named_exits`). Two queries whatever the size; only counts leave."""
    if not units:
        return {}
    ids = [u.pk for u in units]
    named_qs = NamedClient.objects.filter(
        target__unit__in=ids, target__month__gte=first, target__month__lte=last
    )
    named = list(named_qs.values_list("target__unit_id", "target__month", "client_ref"))
    left = named_exits(units[0].root_code, named_qs.values("client_ref"), first, last)
    counts: dict[int, dict[dt.date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for unit_id, month, ref in named:
        cell = counts[unit_id][month]
        cell[0] += 1
        cell[1] += (month, ref) in left
    return {
        unit_id: {m: GroupMonthHits(n, h) for m, (n, h) in months.items()}
        for unit_id, months in counts.items()
    }


# --- The meeting's material for a lead-time or manual EOR -------------------------------------


@dataclass(frozen=True)
class Backlog:
    open: int  # open starts of the unit's subtree on `as_of`
    oldest_waits: list[int]  # days waited so far by the oldest open starts, longest first


def lead_time_backlog(
    unit: Unit, indicator: Indicator, as_of: dt.date, *, oldest: int = 5
) -> Backlog:
    """The unit's backlog of a lead-time indicator on `as_of`: starts dated on or before it
    whose pair does not end by then (DESIGN.md "Open starts"), counted for the unit named on
    the start, pooled over the subtree; read through the rollups' own pairing."""
    spec = frames.LeadTimeSpec(indicator.pk, indicator.start_event_type, indicator.end_event_type)
    rows = CaseEvent.objects.filter(
        organisation__code=unit.root_code,
        event_type__in=[spec.start_type, spec.end_type],
        occurred_on__lte=as_of,
    ).values_list("id", "case_id", "unit_id", "event_type", "occurred_on", "reason", "program")
    pairs = frames.pair_starts(frames.events_frame(rows), spec)
    subtree = set(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    day = frames.day_number(as_of)
    # Events after `as_of` were not read: an open start here has end_day -1.
    waiting = pairs[(pairs["end_day"] < 0) & pairs["start_unit"].isin(subtree)]
    waits = sorted((day - waiting["start_day"]).tolist(), reverse=True)
    return Backlog(open=len(waits), oldest_waits=[int(w) for w in waits[:oldest]])


@dataclass(frozen=True)
class LeadMaterial:
    recent: list[tuple[dt.date, int, float | None, float | None]]  # month, n, median, p90
    best: tuple[dt.date, float] | None  # the month with the lowest median, all time
    goal: float | None  # the year goal's median, days
    year_to_date: tuple[int, float | None]  # (n, pooled median) of the year so far


def lead_time_material(
    unit: Unit, indicator: Indicator, month: dt.date, n: int = 6, *, min_n: int = 1
):
    """For the meeting on a lead-time EOR for `month`: the `n` months before it (n, median,
    p90, from the rollups), the best month (lowest median), the year goal and the year so
    far (pooled median)."""
    first, last = add_months(month, -n), add_months(month, -1)
    rows = {
        r.month: r
        for r in Rollup.objects.for_unit(unit).for_indicator(indicator).in_months(first, last)
    }
    recent = [
        (
            m,
            rows[m].count if m in rows else 0,
            getattr(rows.get(m), "median", None),
            getattr(rows.get(m), "p90", None),
        )
        for m in months_between(first, last)
    ]
    best = (
        Rollup.objects.for_unit(unit)
        .for_indicator(indicator)
        .filter(count__gte=max(min_n, 1), median__isnull=False, month__lt=month)
        .order_by("median", "month")
        .values_list("month", "median")
        .first()
    )
    goal_row = YearGoal.objects.filter(unit=unit, indicator=indicator, year=month.year).first()
    goal = None
    if goal_row is not None:
        baseline = (
            baseline_lead_time(unit, indicator, goal_row.baseline_year)[1]
            if goal_row.baseline_year
            else None
        )
        goal = goal_target(goal_row, baseline)
    ytd = baseline_lead_time(unit, indicator, month.year)
    if ytd[0] < min_n:
        ytd = (ytd[0], None)
    return LeadMaterial(recent=recent, best=best, goal=goal, year_to_date=ytd)


def manual_recent(unit: Unit, indicator: Indicator, month: dt.date, n: int = 6):
    """The values entered for the unit in the `n` months before `month` (None: missing)."""
    first, last = add_months(month, -n), add_months(month, -1)
    values = dict(
        ManualValue.objects.filter(
            unit=unit, indicator=indicator, month__range=(first, last)
        ).values_list("month", "value")
    )
    return [(m, values.get(m)) for m in months_between(first, last)]
