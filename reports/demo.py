"""The demo's reports step (order 90): a full rollup, so the demo opens with figures."""

from __future__ import annotations

from .compute import recompute
from .models import RollupRun


def rollup_step(ctx) -> None:
    run = recompute(trigger=RollupRun.Trigger.DEMO)
    ctx.log(f"Rollups: {run.rows_written} rows, {run.first_month:%Y-%m}..{run.last_month:%Y-%m}")
