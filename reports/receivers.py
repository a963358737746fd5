"""Receivers of other apps' signals (connected in ReportsConfig.ready)."""

from __future__ import annotations

from . import services


def on_events_changed(sender, *, unit_ids, months, **kwargs) -> None:
    """cases announced committed changes: record them and schedule one refresh."""
    services.refresh_request(unit_ids=unit_ids, months=months)
