"""The demo's reports step (order 90): a full rollup, so the demo opens with figures."""

from __future__ import annotations

from .compute import recompute
from .models import RollupRun


def rollup_step(ctx) -> None:
    run = recompute(trigger=RollupRun.Trigger.DEMO)
    ctx.log(f"Rollups: {run.rows_written} rows, {run.first_month:%Y-%m}..{run.last_month:%Y-%m}")
    # Months the demo closed in bulk keep their figures as they stood (the snapshot).
    from .snapshots import take_missing

    ctx.log(f"Ögonblicksbilder av stängda månader: {take_missing()}")
