"""The demo's reports step (order 90): a full rollup, so the demo opens with figures."""

from __future__ import annotations

from .compute import recompute
from .models import RollupRun


def rollup_step(ctx) -> None:
    run = recompute(trigger=RollupRun.Trigger.DEMO)
    ctx.log(f"Rollups: {run.rows_written} rows, {run.first_month:%Y-%m}..{run.last_month:%Y-%m}")


def snapshot_step(ctx) -> None:
    """Demo step 97, once every step has written its events: figures recomputed, and the
    months the demo closed in bulk keep them as they stand (the snapshot at closing)."""
    from .snapshots import take_missing

    recompute(trigger=RollupRun.Trigger.DEMO)
    ctx.log(f"    ögonblicksbilder av stängda månader: {take_missing()}")
