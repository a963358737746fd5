"""Read figures for the dashboards and exports: rollup and goals tables only, never events.

Every function here answers in a fixed, small number of queries whatever the size of the
year or the tree (the dashboards have query budgets), and returns plain mappings that the
pure functions of `reports.charts` shape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from goals.access import CLIENT_ROLES, _memberships, is_admin
from goals.models import (
    Indicator,
    IndividualTarget,
    ManualValue,
    Unit,
    YearGoal,
)
from trelleborg.months import add_months, current_month, months_between

from .charts import LeadMonth, goal_target
from .models import RefreshState, Rollup

EXITS = Indicator.Kind.EXITS
LEAD_TIME = Indicator.Kind.LEAD_TIME
MANUAL = Indicator.Kind.MANUAL


def sees_in_full(user, unit: Unit) -> bool:
    """Unit members (caseworkers and managers whose membership reaches the unit) and
    administrators see the unit's figures in full; others get the small-number rules.
    Uses the memberships cached on the user by goals.access: no query."""
    if is_admin(user):
        return True
    return any(
        m.role in CLIENT_ROLES and unit.path.startswith(m.unit.path) for m in _memberships(user)
    )


def dashboard_indicators() -> list[Indicator]:
    return list(
        Indicator.objects.filter(active=True, kind__in=[EXITS, LEAD_TIME, MANUAL]).order_by(
            "sort_order", "code"
        )
    )


# --- Rollups --------------------------------------------------------------------------------


def rollups_by_month(unit: Unit, indicator: Indicator) -> dict[dt.date, Rollup]:
    """Every rollup row of the unit and indicator, all time (sparse: a month without a row
    had zero figures). At most one row a month, so a few hundred rows for decades."""
    rows = (
        Rollup.objects.for_unit(unit)
        .for_indicator(indicator)
        .only("month", "count", "exits_work", "exits_studies", "median", "p90", "open_starts")
    )
    return {row.month: row for row in rows}


def manual_values(unit: Unit, indicator: Indicator) -> dict[dt.date, float]:
    """The values entered for the unit itself, all time. Manual values are not pooled: a
    parent unit has the value entered for it, or none."""
    rows = ManualValue.objects.filter(unit=unit, indicator=indicator).values_list("month", "value")
    return {month: float(value) for month, value in rows}


def lead_months(rows: dict[dt.date, Rollup]) -> dict[dt.date, LeadMonth]:
    return {
        month: LeadMonth(n=row.count, median=row.median, p90=row.p90, open=row.open_starts)
        for month, row in rows.items()
    }


@dataclass(frozen=True, slots=True)
class RollupFigures:
    """The figures of one rollup row, without a model instance (an overview of a large
    organisation reads thousands of rows per request: building models was most of it)."""

    unit_id: int
    indicator_id: int
    month: dt.date
    count: int
    exits_work: int
    exits_studies: int
    median: float | None
    p90: float | None
    open_starts: int


def rollups_for_units(
    units: Sequence[Unit], indicators: Iterable[Indicator], first: dt.date, last: dt.date
) -> dict[tuple[int, int, dt.date], RollupFigures]:
    """Rows keyed by (unit id, indicator id, month) for many units in one query."""
    rows = (
        Rollup.objects.filter(unit__in=[u.pk for u in units], indicator__in=list(indicators))
        .in_months(first, last)
        .values_list(*RollupFigures.__slots__)
    )
    return {(r[0], r[1], r[2]): RollupFigures(*r) for r in rows}


def year_totals(
    units: Sequence[Unit], indicator: Indicator, years: Iterable[int]
) -> dict[tuple[int, int], int]:
    """Exit totals per (unit id, year) for baseline years, in one query."""
    wanted = sorted(set(years))
    if not wanted or not units:
        return {}
    condition = Q()
    for year in wanted:
        condition |= Q(month__gte=dt.date(year, 1, 1), month__lte=dt.date(year, 12, 1))
    rows = (
        Rollup.objects.filter(unit__in=[u.pk for u in units], indicator=indicator)
        .filter(condition)
        .values("unit_id", "month__year")
        .annotate(total=Sum("count"))
    )
    return {(r["unit_id"], r["month__year"]): r["total"] for r in rows}


# --- Goals tables ---------------------------------------------------------------------------


def pool_over_subtrees(
    units: Sequence[Unit], own: dict[tuple[int, dt.date], int], months: Sequence[dt.date]
) -> dict[tuple[int, dt.date], int | None]:
    """Per unit and month, the sum over the unit's subtree among `units` (None when nothing
    was set anywhere in it)."""
    out: dict[tuple[int, dt.date], int | None] = {}
    for unit in units:
        below = [u.pk for u in units if u.path.startswith(unit.path)]
        for month in months:
            values = [own[(pk, month)] for pk in below if (pk, month) in own]
            out[(unit.pk, month)] = sum(values) if values else None
    return out


# The EOR in force and its verdict (a unit's own, or a parent's labelled sum of the exit
# EORs below it) are reports.judging's: one place for that rule.


def subtree_targets(unit: Unit, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """The sum of individual targets per month over the unit's subtree."""
    rows = (
        IndividualTarget.objects.filter(
            unit__path__startswith=unit.path, month__range=(first, last)
        )
        .values("month")
        .annotate(total=Sum("target"))
    )
    return {r["month"]: r["total"] for r in rows}


@dataclass(frozen=True)
class Goal:
    target: float | None  # None: relative to a baseline year without figures
    baseline_year: int | None
    factor: float | None
    absolute: bool


def year_goals(units: Sequence[Unit], indicator: Indicator, year: int) -> dict[int, YearGoal]:
    return {
        g.unit_id: g
        for g in YearGoal.objects.filter(
            unit__in=[u.pk for u in units], indicator=indicator, year=year
        )
    }


def year_goals_with_baselines(
    units: Sequence[Unit], indicator: Indicator, year: int
) -> dict[int, YearGoal]:
    """`year_goals`, each goal carrying `baseline_total`: its unit's `indicator` total over
    its baseline year (0 without rollup rows; None without a baseline year), as `year_totals`
    gives it, in the goals' own query (the overview stays within its query budget)."""
    totals = (
        Rollup.objects.filter(
            unit=OuterRef("unit"),
            indicator=OuterRef("indicator"),
            month__year=OuterRef("baseline_year"),
        )
        .order_by()
        .values("unit")
        .annotate(total=Sum("count"))
        .values("total")
    )
    goals = YearGoal.objects.filter(
        unit__in=[u.pk for u in units], indicator=indicator, year=year
    ).annotate(baseline_total=Coalesce(Subquery(totals), 0))
    out = {}
    for goal in goals:
        if goal.baseline_year is None:
            goal.baseline_total = None
        out[goal.unit_id] = goal
    return out


def entered_baseline(goal: YearGoal, computed: float | None) -> float | None:
    """The baseline value a relative goal uses: the one entered by hand (with its source,
    for a baseline year without data in EOR) when there is one, else the computed one."""
    if goal.baseline_value is not None:
        return float(goal.baseline_value)
    return computed


def exits_goal(goal: YearGoal | None, baseline_total: int | None) -> Goal | None:
    if goal is None:
        return None
    return Goal(
        target=goal_target(
            target=goal.target,
            baseline_value=entered_baseline(goal, baseline_total),
            factor=goal.factor,
        ),
        baseline_year=goal.baseline_year,
        factor=float(goal.factor) if goal.factor is not None else None,
        absolute=goal.target is not None,
    )


def lead_goal(goal: YearGoal | None, baseline_median: float | None = None) -> Goal | None:
    """A lead-time (or manual) year goal. A relative one is the baseline year's POOLED
    median × factor: monthly rollups cannot give that median (a median of monthly medians is
    not it), so the caller reads it (`selectors.baseline_lead_time`) and passes it; without
    it the target stays None and the page says the goal is relative."""
    if goal is None:
        return None
    return Goal(
        target=goal_target(
            target=goal.target,
            baseline_value=entered_baseline(goal, baseline_median),
            factor=goal.factor,
        ),
        baseline_year=goal.baseline_year,
        factor=float(goal.factor) if goal.factor is not None else None,
        absolute=goal.target is not None,
    )


# --- Freshness ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    as_of: dt.datetime | None  # the latest refresh of the rollups behind the figures shown
    pending: bool
    failed: bool
    error: str = ""
    incomplete: bool = False  # some unit and month shown was never computed


def freshness(units: Sequence[Unit], first: dt.date, last: dt.date) -> Freshness:
    """Figures as of when, and whether a refresh is outstanding, for units and months.

    "As of" is the latest refresh of the rows shown: a refresh recomputes every month from
    the earliest changed one, and months before it were left alone because nothing in them
    changed, so they are as true then as at that refresh. (The oldest computation was shown
    before: "Siffror per" then kept the time of the first rollup after new exits counted.)
    What is still to be counted shows as `pending`.

    Rollup rows are sparse (zeros have no row), so a month counts as zero only once it was
    computed; months up to the current one that never were make the figures incomplete."""
    last = min(last, current_month())
    rows = (
        RefreshState.objects.filter(unit__in=[u.pk for u in units])
        .in_months(first, last)
        .values("status")
        .annotate(
            latest=Max("computed_at"),
            error=Max("error"),
            computed=Count("pk", filter=Q(computed_at__isnull=False)),
        )
    )
    as_of = None
    pending = failed = False
    error = ""
    computed = 0
    for row in rows:
        computed += row["computed"]
        if row["latest"] and (as_of is None or row["latest"] > as_of):
            as_of = row["latest"]
        if row["status"] in (RefreshState.Status.PENDING, RefreshState.Status.RUNNING):
            pending = True
        elif row["status"] == RefreshState.Status.FAILED:
            failed = True
            error = row["error"] or error
    expected = len(units) * len(months_between(first, last)) if first <= last else 0
    return Freshness(
        as_of=as_of,
        pending=pending,
        failed=failed,
        error=error,
        incomplete=bool(as_of) and computed < expected,
    )


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, 1, 1)
    return first, add_months(first, 11)
