"""The `eor_report` figures (DESIGN.md "Report"), read from the rollup and goals tables."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum

from goals.models import GroupDecision, Indicator, IndividualTarget, Unit
from trelleborg.months import format_month, months_of_year

from . import judging
from .compute import recompute
from .models import Rollup, RollupRun

EXITS_CODE = "avslut"


def lead_time_indicators() -> list[Indicator]:
    return list(Indicator.objects.filter(kind=Indicator.Kind.LEAD_TIME, active=True))


def eor_in_force(unit: Unit, months: list[dt.date]) -> dict[dt.date, int]:
    """The unit's own group EOR on `avslut` (exits) per month: the highest version's value."""
    rows = (
        GroupDecision.objects.filter(unit=unit, month__in=months)
        .for_indicator(EXITS_CODE)
        .order_by("month", "version")
        .values_list("month", "target")
    )
    return {month: _whole(target) for month, target in rows}  # by version: the last wins


def _whole(value):
    """An exit EOR is a whole count: shown and serialised as one."""
    return int(value) if value == value.to_integral_value() else float(value)


def targets_sum(unit: Unit, months: list[dt.date]) -> dict[dt.date, int]:
    rows = (
        IndividualTarget.objects.filter(unit=unit, month__in=months)
        .values("month")
        .annotate(total=Sum("target"))
    )
    return {r["month"]: r["total"] for r in rows}


def eor_report(unit: Unit, year: int, *, refresh: bool = True) -> dict:
    """The report of `unit` for `year`. With `refresh`, the unit's subtree is recomputed for
    the year first, so the figures are right even when the rollups are stale."""
    months = months_of_year(year)
    if refresh:
        recompute(
            trigger=RollupRun.Trigger.REPORT,
            subtree=unit,
            first_month=months[0],
            last_month=months[-1],
        )
    leads = lead_time_indicators()
    rows = {
        (r.indicator.code, r.month): r
        for r in Rollup.objects.for_unit(unit)
        .in_year(year)
        .filter(indicator__code__in=["avslut", *[i.code for i in leads]])
        .select_related("indicator")
    }
    eors, targets = eor_in_force(unit, months), targets_sum(unit, months)
    # Every EOR the unit itself decided, judged by the one judge (no parent sums here).
    judged = judging.judge_many([unit], months[0], months[-1], sums=False)
    out_months = []
    for month in months:
        exits = rows.get(("avslut", month))
        work = exits.exits_work if exits else 0
        studies = exits.exits_studies if exits else 0
        lead_times = {}
        for ind in leads:
            row = rows.get((ind.code, month))
            lead_times[ind.code] = {
                "n": row.count if row else 0,
                "median": row.median if row else None,
                "p90": row.p90 if row else None,
                "open": row.open_starts if row else 0,
            }
        out_months.append(
            {
                "month": format_month(month),
                "exits_work": work,
                "exits_studies": studies,
                "exits_total": work + studies,
                "eor": eors.get(month),
                "individual_targets_sum": targets.get(month),
                "eors": [j.as_json() for j in judged.get((unit.pk, month), [])],
                "lead_times": lead_times,
            }
        )
    return {
        "unit": unit.code,
        "year": year,
        "months": out_months,
        "year_to_date": {"exits_total": sum(m["exits_total"] for m in out_months)},
    }


def csv_columns(report: dict) -> list[str]:
    codes = list(report["months"][0]["lead_times"]) if report["months"] else []
    base = ["month", "exits_work", "exits_studies", "exits_total", "eor", "individual_targets_sum"]
    return base + [f"{code}_{key}" for code in codes for key in ("n", "median", "p90", "open")]


def csv_rows(report: dict) -> list[dict]:
    out = []
    for m in report["months"]:
        row = {k: m[k] for k in csv_columns(report)[:6]}
        for code, figures in m["lead_times"].items():
            for key in ("n", "median", "p90", "open"):
                row[f"{code}_{key}"] = figures[key]
        out.append({k: "" if v is None else v for k, v in row.items()})
    return out
