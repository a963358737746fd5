"""Receivers of other apps' signals (connected in ReportsConfig.ready)."""

from __future__ import annotations

from . import services


def on_events_changed(sender, *, unit_ids, months, **kwargs) -> None:
    """cases announced committed changes: record them and schedule one refresh."""
    services.refresh_request(unit_ids=unit_ids, months=months)


def baseline_has_data(unit, indicator, year: int) -> bool | None:
    """goals.hooks' baseline lookup: whether EOR holds data for `indicator` in `year` for
    the unit (its subtree): exits counted or lead times ended; manual indicators: a value
    entered. A relative year goal on a year without data is refused (DESIGN.md)."""
    from goals.models import Indicator, ManualValue

    from . import selectors

    if indicator.kind == Indicator.Kind.MANUAL:
        return ManualValue.objects.filter(unit=unit, indicator=indicator, month__year=year).exists()
    if indicator.kind not in (Indicator.Kind.EXITS, Indicator.Kind.LEAD_TIME):
        return None
    value = selectors.baseline_value(unit, indicator, year)
    return bool(value)
