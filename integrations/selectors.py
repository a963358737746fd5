"""Reads for the integrations pages and the API: derived tables only, never events.

Each function answers in one query whatever the length of the period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Sum

from goals.models import Unit
from reports.models import Rollup

from .models import DecisionModeFigure, KoladaValue, ReturnRateFigure, YearLeadTime

EXITS_CODE = "avslut"
UTREDNINGSTID_CODE = "utredningstid"


def mode_figures(unit: Unit, first: dt.date, last: dt.date) -> dict[dt.date, dict[str, object]]:
    """{month: {mode: DecisionModeFigure}} for the unit's subtree (sparse)."""
    out: dict[dt.date, dict[str, object]] = defaultdict(dict)
    for row in DecisionModeFigure.objects.filter(unit=unit, month__range=(first, last)):
        out[row.month][row.mode] = row
    return dict(out)


def return_figures(unit: Unit, first: dt.date, last: dt.date) -> dict[dt.date, ReturnRateFigure]:
    rows = ReturnRateFigure.objects.filter(unit=unit, month__range=(first, last))
    return {row.month: row for row in rows}


def year_lead_times(unit: Unit, code: str = UTREDNINGSTID_CODE) -> dict[int, YearLeadTime]:
    rows = YearLeadTime.objects.filter(unit=unit, indicator__code=code)
    return {row.year: row for row in rows}


def yearly_exits(unit: Unit) -> dict[int, int]:
    """Exits to work or studies per year, pooled over the subtree (monthly counts add up)."""
    rows = (
        Rollup.objects.for_unit(unit)
        .for_indicator(EXITS_CODE)
        .values("month__year")
        .annotate(total=Sum("count"))
    )
    return {row["month__year"]: int(row["total"]) for row in rows}


def yearly_returns(unit: Unit) -> dict[int, list[ReturnRateFigure]]:
    out: dict[int, list[ReturnRateFigure]] = defaultdict(list)
    for row in ReturnRateFigure.objects.filter(unit=unit).order_by("month"):
        out[row.month.year].append(row)
    return dict(out)


def kolada_series(
    *, kpis: Iterable[str], municipalities: Iterable[str], years: Iterable[int]
) -> dict[tuple[str, str], dict[int, Decimal | None]]:
    """{(kpi, municipality): {year: value}} of the totals (gender T)."""
    out: dict[tuple[str, str], dict[int, Decimal | None]] = defaultdict(dict)
    for row in KoladaValue.objects.for_comparison(
        kpis=kpis, municipalities=municipalities, years=years
    ):
        out[(row.kpi, row.municipality)][row.year] = row.value
    return dict(out)
