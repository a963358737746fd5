"""Celery tasks of `reports`: thin, idempotent, safe to run twice or two at once.

Each takes only ids and ISO strings, calls a service, and relies on the services' upserts
(rollups are rewritten per organisation under a lock; RefreshState rows are marked done only
for the generation seen). `acks_late` + `reject_on_worker_lost` re-queue a task whose worker
dies; its transaction rolled back, so nothing was half-written. Retries back off
exponentially, capped far below the broker's visibility timeout (3600 s), so a waiting retry
is never redelivered as a duplicate.
"""

from __future__ import annotations

import contextlib
import logging

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.signals import worker_ready
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError

from goals.models import Unit
from trelleborg.months import parse_month

from . import services
from .compute import recompute
from .models import RollupRun

log = logging.getLogger(__name__)

TASK_OPTIONS = {
    "autoretry_for": (OperationalError, InterfaceError, DatabaseError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


class BestEffortEnqueue(DjangoTask):
    """A task whose enqueueing may fail without failing the caller.

    The refresh is scheduled after a change commits; if the broker is down then, the change
    is already recorded as pending (reports.services.refresh_request) and the sweep catches
    up, so the request that logged an exit must not answer 500. Only broker errors are
    swallowed, and never in eager mode, where apply_async runs the task itself.
    """

    def apply_async(self, *args, **kwargs):
        if self.app.conf.task_always_eager:
            return super().apply_async(*args, **kwargs)
        try:
            return super().apply_async(*args, **kwargs)
        except services.BROKER_ERRORS:
            log.warning("%s not enqueued (broker unreachable); left pending", self.name)
            with contextlib.suppress(*services.BROKER_ERRORS):
                cache.delete(services.SCHEDULED_KEY)  # let the next change try again
            return None


@shared_task(
    name="reports.refresh_pending",
    base=BestEffortEnqueue,
    soft_time_limit=600,
    time_limit=660,
    **TASK_OPTIONS,
)
def refresh_pending() -> int:
    """Drain the pending refresh work (see reports.services)."""
    # From here on a new change must queue another run: this one may already have read.
    cache.delete(services.SCHEDULED_KEY)
    return services.refresh_drain()


@shared_task(name="reports.rollup_nightly", soft_time_limit=1800, time_limit=1900, **TASK_OPTIONS)
def rollup_nightly() -> int:
    return services.rollup_nightly()


@shared_task(name="reports.recompute", soft_time_limit=1800, time_limit=1900, **TASK_OPTIONS)
def recompute_task(
    organisation_codes: list[str] | None = None,
    first_month: str | None = None,
    last_month: str | None = None,
) -> int:
    """Recompute organisations (all when None) for months "YYYY-MM".."YYYY-MM"."""
    orgs = (
        None
        if organisation_codes is None
        else list(Unit.objects.filter(code__in=organisation_codes))
    )
    run = recompute(
        trigger=RollupRun.Trigger.COMMAND,
        organisations=orgs,
        first_month=parse_month(first_month) if first_month else None,
        last_month=parse_month(last_month) if last_month else None,
    )
    return run.pk


@worker_ready.connect
def _drain_on_worker_start(sender=None, **kwargs) -> None:
    """A worker killed mid-refresh leaves its rows `running` and its message unacknowledged
    until the visibility timeout; a worker that starts picks that work up at once, itself
    (on a queue it consumes from, not whichever worker is idle)."""
    try:
        queues = list(sender.app.amqp.queues.consume_from) if sender is not None else []
        refresh_pending.apply_async(queue=queues[0] if queues else None)
    except Exception:  # a broker hiccup must not stop the worker from starting
        log.exception("could not queue reports.refresh_pending at worker start")
