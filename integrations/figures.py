"""Figures the API and the comparison page read, from reports' rollup tables.

Rollup rows are pooled over the unit's subtree and sparse: a month without a row has zero
figures (reports/models.py). Nothing here computes from raw events.
"""

from __future__ import annotations

from goals.models import Indicator, Unit
from reports.models import Rollup
from trelleborg.months import format_month, months_of_year

EXITS_CODE = "avslut"


def unit_year_figures(*, unit: Unit, year: int) -> dict:
    """The eor_report-shaped months of one unit and year (without goals' EOR fields)."""
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
    months = []
    for month in months_of_year(year):
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
            }
        )
    return {"unit": unit.code, "year": year, "months": months}
