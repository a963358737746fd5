"""Figures the API and the comparison page read, from reports' rollup tables.

Rollup rows are pooled over the unit's subtree and sparse: a month without a row has zero
figures (reports/models.py). Nothing here computes from raw events.
"""

from __future__ import annotations

from goals.models import Indicator, Unit
from reports.models import Rollup
from trelleborg.months import format_month, months_of_year, today
from trelleborg.vocabulary import DecisionMode

from .compute import return_rate_final
from .selectors import mode_figures, return_figures

EXITS_CODE = "avslut"


def unit_year_figures(*, unit: Unit, year: int) -> dict:
    """The eor_report-shaped months of one unit and year (without goals' EOR fields), with
    decisions by mode and the return rate (its `rate` is null until the month is final)."""
    lead_time_codes = list(
        Indicator.objects.filter(kind=Indicator.Kind.LEAD_TIME, active=True)
        .order_by("sort_order", "code")
        .values_list("code", flat=True)
    )
    rows = {
        (row.indicator.code, row.month): row
        for row in Rollup.objects.for_unit(unit)
        .in_year(year)
        .filter(indicator__code__in=[EXITS_CODE, *lead_time_codes])
        .select_related("indicator")
    }
    year_months = months_of_year(year)
    modes = mode_figures(unit, year_months[0], year_months[-1])
    returns = return_figures(unit, year_months[0], year_months[-1])
    now = today()
    months = []
    for month in year_months:
        exits = rows.get((EXITS_CODE, month))
        lead_times = {}
        for code in lead_time_codes:
            row = rows.get((code, month))
            lead_times[code] = {
                "n": row.count if row else 0,
                "median": row.median if row else None,
                "p90": row.p90 if row else None,
                "open": row.open_starts if row else 0,
            }
        months.append(
            {
                "month": format_month(month),
                "exits_work": exits.exits_work if exits else 0,
                "exits_studies": exits.exits_studies if exits else 0,
                "exits_total": exits.count if exits else 0,
                "lead_times": lead_times,
                "decisions": {
                    mode: getattr(modes.get(month, {}).get(mode), "decisions", 0)
                    for mode in DecisionMode.values
                },
                "return_rate": _return_rate(
                    returns.get(month), final=return_rate_final(month, now)
                ),
            }
        )
    return {"unit": unit.code, "year": year, "months": months}


def _return_rate(row, *, final: bool) -> dict:
    clients = row.clients if row else 0
    returned = row.returned if row else 0
    return {
        "clients": clients,
        "returned": returned,
        "final": final,
        "rate": round((clients - returned) / clients, 4) if (final and clients) else None,
    }
