"""Dashboards: the unit dashboard (exits or lead times), the leadership overview, the
forecast hit rate and the printable monthly report.

Function-based views; each reads rollup and goals tables through `reports.figures` (never
events), shapes with `reports.charts` and renders one template whose named partial htmx
swaps when the unit, year or indicator changes. Without JavaScript the same form submits
as a plain GET and the figures are in the data tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from goals.access import reaches, units_for, visible_units
from goals.models import Indicator, IndividualTarget, MonthFollowUp, Unit
from trelleborg.months import (
    add_months,
    current_month,
    format_month,
    months_of_year,
    parse_month,
    today,
)
from trelleborg.vocabulary import Role

from . import charts, figures, judging, selectors, snapshots
from .judging import json_number

YEAR_MIN, YEAR_MAX = 2000, 2100


class BadParameter(ValueError):
    """A query parameter that is not valid: answered with 400 and the message."""


def _year(raw: str | None, default: int) -> int:
    if raw in (None, ""):
        return default
    try:
        year = int(raw)
    except ValueError:
        raise BadParameter(_("Året måste vara ett årtal, t.ex. 2018.")) from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise BadParameter(
            _("Året måste ligga mellan %(min)s och %(max)s.") % {"min": YEAR_MIN, "max": YEAR_MAX}
        )
    return year


def _pick_unit(units: list[Unit], code: str | None) -> Unit:
    """The unit asked for among those the user may see (404 otherwise), or the top one."""
    if not units:
        raise Http404("No visible unit")
    if not code:
        return min(units, key=lambda u: (u.depth, u.path))
    for unit in units:
        if unit.code == code:
            return unit
    raise Http404("No such unit")


def _pick_indicator(indicators: list[Indicator], code: str | None) -> Indicator:
    if not indicators:
        raise Http404("No indicator")
    if not code:
        return indicators[0]
    for indicator in indicators:
        if indicator.code == code:
            return indicator
    raise BadParameter(_("Okänd indikator: %(code)s.") % {"code": code})


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "reports/dashboard_error.html", {"message": message}, status=400)


def _render_page(request: HttpRequest, template: str, target: str, context: dict) -> HttpResponse:
    """The page, or (for htmx aiming at the element with id `target`) its named partial
    `_<name>_body.html`. The answer varies with those headers, so caches must know."""
    if request.htmx and request.htmx.target == target:
        name = template.rsplit("/", 1)[1].removesuffix(".html")
        template = template.replace(f"{name}.html", f"_{name}_body.html")
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _years_offered(months: list[dt.date], selected: int) -> list[int]:
    years = {m.year for m in months} | {today().year, selected}
    return sorted(years, reverse=True)


# --- Unit dashboard -------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A figure for the template: its JSON (for json_script) and the id tying them."""

    id: str
    figure: dict
    label: str


@login_required
@require_GET
def unit_dashboard(request: HttpRequest) -> HttpResponse:
    units = list(visible_units(request.user))
    unit = _pick_unit(units, request.GET.get("unit"))
    indicators = figures.dashboard_indicators()
    try:
        indicator = _pick_indicator(indicators, request.GET.get("indicator"))
        if indicator.kind == Indicator.Kind.MANUAL:
            rows = figures.manual_values(unit, indicator)
        else:
            rows = figures.rollups_by_month(unit, indicator)
        latest_year = max(rows).year if rows else today().year
        year = _year(request.GET.get("year"), min(latest_year, today().year))
    except BadParameter as exc:
        return _bad_request(request, str(exc))
    context = {
        "units": units,
        "unit": unit,
        "indicators": indicators,
        "indicator": indicator,
        "year": year,
        "years": _years_offered(list(rows), year),
        "position": charts.year_position(year, today()),
        "full": figures.sees_in_full(request.user, unit),
        "min_n": settings.EOR_MIN_DURATIONS_FOR_PERCENTILES,
        "freshness": figures.freshness([unit], *figures.year_bounds(year)),
    }
    if indicator.kind == Indicator.Kind.LEAD_TIME:
        context.update(_lead_time_context(unit, indicator, year, rows, context))
    elif indicator.kind == Indicator.Kind.MANUAL:
        context.update(_manual_context(unit, indicator, year, rows, context["position"]))
    else:
        context.update(_exits_context(unit, indicator, year, rows, context["position"]))
    return _render_page(request, "reports/dashboard.html", "dashboard", context)


def _exits_context(unit, indicator, year, rows, position) -> dict:
    first, last = figures.year_bounds(year)
    counts = {month: row.count for month, row in rows.items()}
    eor, verdicts, judged = _indicator_eors(unit, indicator, first, last, rows)
    goal_row = figures.year_goals([unit], indicator, year).get(unit.pk)
    baseline_total = None
    if goal_row is not None and goal_row.baseline_year:
        baseline_total = sum(
            c for m, c in counts.items() if m.year == goal_row.baseline_year
        )  # the all-time rows are already here: no query
    goal = figures.exits_goal(goal_row, baseline_total)
    frame = charts.exits_year_frame(
        year=year,
        position=position,
        exits={m: c for m, c in counts.items() if m.year == year},
        eor=eor,
        targets=figures.subtree_targets(unit, first, last),
        verdicts=verdicts,
    )
    progress = charts.year_progress(frame, goal=goal.target if goal else None, position=position)
    record = charts.record_month(counts)
    return {
        "kind": "exits",
        # A parent without its own exit EOR is compared with its groups' sum: say so.
        "eor_summed": any(j.summed for j in judged.values()),
        "frame": frame.reset_index().to_dict("records"),
        "goal": goal,
        "baseline_total": baseline_total,
        "progress": progress,
        "record": record,
        "charts": [
            Chart(
                "fig-exits",
                charts.figure_json(charts.exits_figure(frame, record=record)),
                _("Diagram: avslut per månad mot EOR och summan av individuella mål"),
            ),
            Chart(
                "fig-cumulative",
                charts.figure_json(charts.cumulative_figure(frame, progress=progress)),
                _("Diagram: avslut hittills i år mot årsmålet, takt som behövs och prognos"),
            ),
        ],
    }


def _indicator_eors(unit, indicator, first, last, rows=None):
    """The unit's EOR on `indicator` per month of first..last, judged (its own, or for an
    exit indicator the labelled sum of those below): (targets, verdicts, judgements) by
    month. `rows` are the unit's rollup rows of the indicator by month, when read already."""
    rollups = (
        {(unit.pk, indicator.pk, m): r for m, r in rows.items()}
        if rows is not None and indicator.kind != Indicator.Kind.MANUAL
        else None
    )
    judged = judging.judge_many([unit], first, last, only=indicator, rollups=rollups)
    by_month = {m: js[0] for (_u, m), js in judged.items() if js}
    targets = {m: json_number(j.target) for m, j in by_month.items()}
    return targets, {m: j.reached for m, j in by_month.items()}, by_month


def _lead_time_context(unit, indicator, year, rows, context) -> dict:
    goal_row = figures.year_goals([unit], indicator, year).get(unit.pk)
    baseline_n, baseline_median = 0, None
    if goal_row is not None and goal_row.target is None and goal_row.baseline_year:
        # A relative goal needs the baseline year's pooled median: read from events (one
        # query; the visible units already hold the subtree, closed under "below").
        subtree = {u.pk for u in context["units"] if u.path.startswith(unit.path)}
        baseline_n, baseline_median = selectors.baseline_lead_time(
            unit, indicator, goal_row.baseline_year, subtree_ids=subtree
        )
        if not charts.percentiles_shown(baseline_n, min_n=context["min_n"], full=context["full"]):
            baseline_median = None  # the small-number rule covers the baseline too
    goal = figures.lead_goal(goal_row, baseline_median)
    months = figures.lead_months(rows)
    frame = charts.lead_time_frame(
        year=year,
        position=context["position"],
        rows={m: v for m, v in months.items() if m.year == year},
        min_n=context["min_n"],
        full=context["full"],
    )
    baseline_year = goal.baseline_year if goal else None
    baseline = None
    if baseline_year:
        baseline = charts.lead_time_frame(
            year=baseline_year,
            position=charts.year_position(baseline_year, today()),
            rows={m: v for m, v in months.items() if m.year == baseline_year},
            min_n=context["min_n"],
            full=context["full"],
        )
    records = frame.reset_index().to_dict("records")
    if baseline is not None:
        for record, base in zip(records, baseline["median"], strict=True):
            record["baseline_median"] = base
    closed = [r for r in records if r["n"] is not None][: context["position"].closed or 12]
    latest = closed[-1] if closed else None
    _targets, _verdicts, judged = _indicator_eors(unit, indicator, *figures.year_bounds(year), rows)
    return {
        "kind": "lead_time",
        "eor_months": [
            judging.for_audience(j, full=context["full"]) for _m, j in sorted(judged.items())
        ],
        "frame": records,
        "goal": goal,
        "baseline_year": baseline_year,
        "baseline_n": baseline_n,
        "baseline_median": baseline_median,
        "latest": latest,
        "any_masked": any(r["masked"] for r in records),
        "charts": [
            Chart(
                "fig-lead",
                charts.figure_json(
                    charts.lead_time_figure(
                        frame,
                        baseline=list(baseline["median"]) if baseline is not None else None,
                        goal=goal.target if goal else None,
                        baseline_year=baseline_year,
                    )
                ),
                _("Diagram: median och 90:e percentil per månad mot basår och årsmål"),
            )
        ],
    }


def _manual_context(unit, indicator, year, values, position) -> dict:
    goal = figures.lead_goal(figures.year_goals([unit], indicator, year).get(unit.pk))
    _targets, _verdicts, judged = _indicator_eors(unit, indicator, *figures.year_bounds(year))
    frame = charts.manual_frame(
        year=year, position=position, values={m: v for m, v in values.items() if m.year == year}
    )
    return {
        "kind": "manual",
        "eor_months": [j for _m, j in sorted(judged.items())],
        "frame": frame.reset_index().to_dict("records"),
        "goal": goal,
        "charts": [
            Chart(
                "fig-manual",
                charts.figure_json(
                    charts.manual_figure(
                        frame,
                        title=indicator.display_name,
                        unit_label=indicator.unit_label,
                        goal=goal.target if goal else None,
                    )
                ),
                _("Diagram: %(name)s per månad mot årsmålet") % {"name": indicator.display_name},
            )
        ],
    }


# --- Leadership overview ----------------------------------------------------------------------


_DECIDERS = (Role.LEADERSHIP, Role.MANAGER)


def overview_units(user, restated_in: dt.date | None = None) -> list[Unit]:
    """Units the overview covers: those reached as manager or leadership (admins: all).
    With `restated_in`, each unit carries `restated`: whether that month of it is closed and
    restated, in the same query (restated months are the exception; the page stays within
    its query budget when there are none)."""
    units = units_for(user, (Role.MANAGER, Role.LEADERSHIP))
    if restated_in is not None:
        units = units.annotate(
            restated=Exists(
                MonthFollowUp.objects.filter(
                    unit=OuterRef("pk"),
                    month=restated_in,
                    restated=True,
                    closed_at__isnull=False,
                )
            )
        )
    return list(units)


@dataclass
class OverviewRow:
    unit: Unit
    level: int
    has_children: bool
    exits: int | None
    eor: int | None
    met_eor: bool | None
    ytd: int
    goal: float | None
    projected: float | None
    on_track: bool | None
    lead_n: int
    lead_median: float | None
    lead_p90: float | None
    lead_masked: bool
    restatement: object = None  # reports.snapshots.Restatement of a restated month
    # The unit's EORs of the month, each judged on its own indicator (reports.judging),
    # lead-time outcomes under the small-number rule for the viewer.
    eors: list = field(default_factory=list)


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    default_month = add_months(current_month(), -1)
    raw_month = request.GET.get("month")
    try:
        month, bad_month = (parse_month(raw_month) if raw_month else default_month), False
    except ValueError:
        month, bad_month = default_month, True
    reach = overview_units(request.user, restated_in=month)
    if not reach:
        raise Http404("Overview is for managers and leadership")
    code = request.GET.get("unit")
    top = _pick_unit(reach, code) if code else None
    indicators = figures.dashboard_indicators()
    exit_indicators = [i for i in indicators if i.kind == Indicator.Kind.EXITS]
    lead_indicators = [i for i in indicators if i.kind == Indicator.Kind.LEAD_TIME]
    if not exit_indicators:
        raise Http404("No exits indicator")
    try:
        if bad_month:
            raise BadParameter(_("Månaden måste skrivas ÅÅÅÅ-MM, t.ex. 2018-03."))
        lead = (
            _pick_indicator(lead_indicators, request.GET.get("lead")) if lead_indicators else None
        )
    except BadParameter as exc:
        return _bad_request(request, str(exc))
    exits_indicator = exit_indicators[0]
    units = _overview_scope(reach, top)
    rows = _overview_rows(request.user, units, top, exits_indicator, lead, month)
    # Restated months carry what changed since closing (reports/snapshots.py).
    restated = snapshots.restated_units(
        [u for u in units if getattr(u, "restated", False)], month, request.user
    )
    for row in rows:
        row.restatement = restated.get(row.unit.pk)
    first = month.replace(month=1)
    context = {
        "rows": rows,
        "top": top,
        "breadcrumbs": [u for u in reach if top and u.code in top.ancestor_codes()],
        "month": month,
        "month_value": format_month(month),
        "year": month.year,
        "exits_indicator": exits_indicator,
        "lead": lead,
        "lead_indicators": lead_indicators,
        "min_n": settings.EOR_MIN_DURATIONS_FOR_PERCENTILES,
        "freshness": figures.freshness(units, first, month),
        # The administrations whose own EOR the viewer records (leadership, goals 0005).
        "own_eor_units": [
            u for u in reach if u.parent_id is None and reaches(request.user, u, _DECIDERS)
        ],
        "next_month_value": format_month(add_months(current_month(), 1)),
    }
    return _render_page(request, "reports/overview.html", "overview", context)


def _overview_scope(reach: list[Unit], top: Unit | None) -> list[Unit]:
    """The units shown: the subtree of `top`, or all the user's units, in tree order."""
    if top is not None:
        return [u for u in reach if u.path.startswith(top.path)]
    return sorted(reach, key=lambda u: u.path)


def _overview_rows(user, units, top, exits_indicator, lead, month) -> list[OverviewRow]:
    year = month.year
    first = dt.date(year, 1, 1)
    position = charts.year_position(year, today())
    # Months of `year` that are over at `month`'s end, for the projection.
    closed = min(position.closed, month.month)
    # The EORs first: their indicators' rollup rows come with the table's, in one query.
    decisions = judging.decisions_in_force(units, month, month, below=True)
    rolled = {i.pk: i for i in (exits_indicator, lead) if i is not None}
    rolled.update(
        (d.indicator_id, d.indicator)
        for d in decisions
        if d.indicator.kind in (Indicator.Kind.EXITS, Indicator.Kind.LEAD_TIME)
    )
    rollups = figures.rollups_for_units(units, rolled.values(), first, month)
    goals = figures.year_goals_with_baselines(units, exits_indicator, year)
    judged = judging.judge_many(units, month, month, decisions=decisions, rollups=rollups)
    min_n = settings.EOR_MIN_DURATIONS_FOR_PERCENTILES
    top_depth = min((u.depth for u in units), default=0)
    # The scope is closed under "below" (a subtree, or the user's reach): a unit has
    # children shown exactly when it is some shown unit's parent. O(n), not O(n²).
    parents = {u.parent_id for u in units}
    rows = []
    for unit in units:
        exits_by_month = {
            m: rollups[(unit.pk, exits_indicator.pk, m)].count
            for m in (add_months(first, i) for i in range(month.month))
            if (unit.pk, exits_indicator.pk, m) in rollups
        }
        ytd = sum(exits_by_month.values())
        ytd_closed = sum(c for m, c in exits_by_month.items() if m.month <= closed)
        goal_row = goals.get(unit.pk)
        goal = figures.exits_goal(goal_row, goal_row.baseline_total if goal_row else None)
        target = goal.target if goal else None
        projected = ytd_closed / closed * 12 if closed else None
        exits = exits_by_month.get(month, 0) if month <= current_month() else None
        full = figures.sees_in_full(user, unit)
        eors = [judging.for_audience(j, full=full) for j in judged.get((unit.pk, month), [])]
        exit_eor = next((j for j in eors if j.indicator.pk == exits_indicator.pk), None)
        lead_row = rollups.get((unit.pk, lead.pk, month)) if lead else None
        n = lead_row.count if lead_row else 0
        shown = charts.percentiles_shown(n, min_n=min_n, full=full)
        rows.append(
            OverviewRow(
                unit=unit,
                level=unit.depth - top_depth + 1,
                has_children=unit.pk in parents,
                exits=exits,
                eor=json_number(exit_eor.target) if exit_eor else None,
                met_eor=exit_eor.reached if exit_eor else None,
                ytd=ytd,
                goal=target,
                projected=projected,
                on_track=(projected >= target) if (projected is not None and target) else None,
                lead_n=n,
                lead_median=lead_row.median if (lead_row and shown) else None,
                lead_p90=lead_row.p90 if (lead_row and shown) else None,
                lead_masked=bool(n and not shown),
                eors=eors,
            )
        )
    return rows


# --- Forecast hit rate over time per group ---------------------------------------------------


@dataclass(frozen=True)
class HitCell:
    named: int
    hits: int | None  # None when hidden by the small-number rule
    rate: float | None  # 0..1; None without named clients or when hidden
    masked: bool


@login_required
@require_GET
def hit_rate(request: HttpRequest) -> HttpResponse:
    """Per group (unit) and month of a year: named clients who exited to work or studies in
    the month they were named for / named clients. Counts and rates only, never a client, so
    leadership may read it; outside the unit a rate over fewer named clients than the
    small-number threshold is not shown."""
    units = sorted(visible_units(request.user), key=lambda u: u.path)
    unit = _pick_unit(units, request.GET.get("unit"))
    try:
        year = _year(request.GET.get("year"), today().year)
    except BadParameter as exc:
        return _bad_request(request, str(exc))
    subtree = [u for u in units if u.path.startswith(unit.path)]
    position = charts.year_position(year, today())
    months = months_of_year(year)[: position.months_with_data]
    hits = selectors.hit_rate_by_group(subtree, months[0], months[-1]) if months else {}
    groups = [u for u in subtree if u.pk in hits]
    min_n = settings.EOR_MIN_DURATIONS_FOR_PERCENTILES
    cells: dict[tuple[int, dt.date], HitCell] = {}
    for group in groups:
        full = figures.sees_in_full(request.user, group)
        for month, h in hits[group.pk].items():
            masked = h.named < min_n and not full
            cells[(group.pk, month)] = HitCell(
                h.named, None if masked else h.hits, None if masked else h.rate, masked
            )
    table = [{"month": m, "cells": [cells.get((g.pk, m)) for g in groups]} for m in months]
    frame = charts.hit_rate_frame(
        {g.code: {m: c.rate for (pk, m), c in cells.items() if pk == g.pk} for g in groups},
        months,
    )
    years = IndividualTarget.objects.filter(unit__in=[u.pk for u in subtree]).dates("month", "year")
    context = {
        "units": units,
        "unit": unit,
        "year": year,
        "years": _years_offered(list(years), year),
        "groups": groups,
        "table": table,
        "min_n": min_n,
        "any_masked": any(c.masked for c in cells.values()),
        "charts": [
            Chart(
                "fig-hit-rate",
                charts.figure_json(
                    charts.hit_rate_figure(frame, names={g.code: g.name for g in groups})
                ),
                _("Diagram: träffsäkerhet i prognosen per grupp och månad"),
            )
        ]
        if groups
        else [],
    }
    return _render_page(request, "reports/hit_rate.html", "hit-rate-page", context)


# --- Printable monthly report -----------------------------------------------------------------


@login_required
@require_GET
def monthly_report(request: HttpRequest) -> HttpResponse:
    units = list(visible_units(request.user))
    unit = _pick_unit(units, request.GET.get("unit"))
    raw_month = request.GET.get("month")
    try:
        month = parse_month(raw_month) if raw_month else add_months(current_month(), -1)
    except ValueError:
        return _bad_request(request, _("Månaden måste skrivas ÅÅÅÅ-MM, t.ex. 2018-03."))
    indicators = figures.dashboard_indicators()
    exit_indicators = [i for i in indicators if i.kind == Indicator.Kind.EXITS]
    lead_indicators = [i for i in indicators if i.kind == Indicator.Kind.LEAD_TIME]
    year = month.year
    first, last = figures.year_bounds(year)
    position = charts.year_position(year, today())
    if month < current_month():
        # The report of a month that is over reads the year up to and including it.
        position = charts.YearPosition(year, month.month, None)
    rollups = figures.rollups_for_units([unit], indicators, dt.date(year - 30, 1, 1), last)
    full = figures.sees_in_full(request.user, unit)
    min_n = settings.EOR_MIN_DURATIONS_FOR_PERCENTILES
    exits_context: dict = {}
    if exit_indicators:
        indicator = exit_indicators[0]
        counts = {
            m: r.count for (u, i, m), r in rollups.items() if i == indicator.pk and u == unit.pk
        }
        eor, verdicts, judged = _indicator_eors(
            unit,
            indicator,
            first,
            last,
            {m: r for (u, i, m), r in rollups.items() if i == indicator.pk and u == unit.pk},
        )
        frame = charts.exits_year_frame(
            year=year,
            position=position,
            exits={m: c for m, c in counts.items() if m.year == year},
            eor=eor,
            targets=figures.subtree_targets(unit, first, last),
            verdicts=verdicts,
        )
        goal_row = figures.year_goals([unit], indicator, year).get(unit.pk)
        baseline_total = (
            sum(c for m, c in counts.items() if m.year == goal_row.baseline_year)
            if goal_row and goal_row.baseline_year
            else None
        )
        goal = figures.exits_goal(goal_row, baseline_total)
        progress = charts.year_progress(
            frame, goal=goal.target if goal else None, position=position
        )
        record = charts.record_month(counts)
        this = frame.loc[month] if month in frame.index else None
        row = rollups.get((unit.pk, indicator.pk, month))
        exits_context = {
            "exit_indicator": indicator,
            "eor_summed": any(j.summed for j in judged.values()),
            "month_exits": None if this is None else this["exits"],
            "month_work": row.exits_work if row else 0,
            "month_studies": row.exits_studies if row else 0,
            "month_eor": None if this is None else this["eor"],
            "month_targets": None if this is None else this["targets_sum"],
            "met_eor": None if this is None else this["met_eor"],
            "goal": goal,
            "progress": progress,
            "record": record,
            "frame": frame.reset_index().to_dict("records"),
            "chart": Chart(
                "fig-exits",
                charts.figure_json(charts.exits_figure(frame, record=record)),
                _("Diagram: avslut per månad mot EOR och summan av individuella mål"),
            ),
        }
    leads = []
    for indicator in lead_indicators:
        row = rollups.get((unit.pk, indicator.pk, month))
        n = row.count if row else 0
        shown = charts.percentiles_shown(n, min_n=min_n, full=full)
        leads.append(
            {
                "indicator": indicator,
                "n": n,
                "median": row.median if row and shown else None,
                "p90": row.p90 if row and shown else None,
                "open": row.open_starts if row else 0,
                "masked": bool(n and not shown),
            }
        )
    follow_up = MonthFollowUp.objects.filter(unit=unit, month=month).first()
    # Every EOR of the month, each on its own indicator (the rollups read above cover them).
    month_eors = [
        judging.for_audience(j, full=full)
        for j in judging.judge_many([unit], month, month, rollups=rollups).get((unit.pk, month), [])
    ]
    context = {
        "unit": unit,
        "units": units,
        "month": month,
        "month_eors": month_eors,
        "month_value": format_month(month),
        "leads": leads,
        "follow_up": follow_up,
        # A restated month: the figure at closing, now, and the corrections.
        "restatement": snapshots.restatement(unit, month, follow_up, full=full)
        if follow_up is not None and follow_up.restated and follow_up.is_closed
        else None,
        "min_n": min_n,
        "freshness": figures.freshness([unit], first, month),
        **exits_context,
    }
    return render(request, "reports/print_monthly.html", context)
