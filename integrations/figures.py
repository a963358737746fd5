"""Figures the API and the comparison page read, from reports' rollup tables.

Rollup rows are pooled over the unit's subtree and sparse: a month without a row has zero
figures (reports/models.py). Nothing here computes from raw events.
"""

from __future__ import annotations

from goals.models import Unit
from reports.report import eor_report
from trelleborg.months import months_of_year, today
from trelleborg.vocabulary import DecisionMode

from .compute import return_rate_final
from .selectors import mode_figures, return_figures


def unit_year_figures(*, unit: Unit, year: int) -> dict:
    """`eor_report`'s months of one unit and year (the same figures, EORs judged by the same
    judge, `exits_total` counted the same way), plus decisions by mode and the return rate
    (its `rate` is null until the month is final). Read from the rollups as they stand: the
    API does not recompute (the rollup jobs keep them fresh)."""
    report = eor_report(unit, year, refresh=False)
    year_months = months_of_year(year)
    modes = mode_figures(unit, year_months[0], year_months[-1])
    returns = return_figures(unit, year_months[0], year_months[-1])
    now = today()
    for month, row in zip(year_months, report["months"], strict=True):
        row["decisions"] = {
            mode: getattr(modes.get(month, {}).get(mode), "decisions", 0)
            for mode in DecisionMode.values
        }
        row["return_rate"] = _return_rate(returns.get(month), final=return_rate_final(month, now))
    return {"unit": unit.code, "year": year, "months": report["months"]}


def _return_rate(row, *, final: bool) -> dict:
    clients = row.clients if row else 0
    returned = row.returned if row else 0
    return {
        "clients": clients,
        "returned": returned,
        "final": final,
        "rate": round((clients - returned) / clients, 4) if (final and clients) else None,
    }
