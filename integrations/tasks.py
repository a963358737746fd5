"""Keep integrations' figures fresh: after every change to events, recompute the
organisations touched (thin task: takes ids, loads, calls the service; safe to run twice)."""

from __future__ import annotations

import logging

import kombu.exceptions
import redis.exceptions
from celery import shared_task
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Exists, OuterRef

from goals.models import Unit

from .compute import extras_recompute

# A burst of changes (a robot posting batch after batch) becomes one recomputation: the
# first change schedules it a moment later, the rest find it already scheduled.
COALESCE_SECONDS = 2

log = logging.getLogger(__name__)
_BROKER_ERRORS = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)


def _pending_key(organisation_id: int) -> str:
    return f"integrations:figures-pending:{organisation_id}"


@shared_task(
    name="integrations.refresh_figures",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
    soft_time_limit=600,
    time_limit=660,
)
def refresh_figures(organisation_id: int) -> dict[str, int]:
    cache.delete(_pending_key(organisation_id))
    organisation = Unit.objects.filter(pk=organisation_id, parent__isnull=True).first()
    if organisation is None:
        return {}
    return extras_recompute(organisation=organisation)


def schedule_refresh(*, unit_ids, organisation_ids=None) -> None:
    """Schedule a recomputation of every organisation the units belong to (`organisation_ids`
    when the caller knows them: a logged exit does, and then no query is needed)."""
    if organisation_ids is None:
        # One query: the organisations (root units) whose subtree holds one of the units.
        touched = Unit.objects.filter(pk__in=list(unit_ids), path__startswith=OuterRef("path"))
        organisations = Unit.objects.filter(parent__isnull=True).filter(Exists(touched))
        organisation_ids = organisations.values_list("pk", flat=True)
    for organisation_id in organisation_ids:
        try:
            if cache.add(_pending_key(organisation_id), 1, timeout=60):
                refresh_figures.apply_async((organisation_id,), countdown=COALESCE_SECONDS)
        except _BROKER_ERRORS:
            # Redis (cache and broker) is down: the change itself is committed and must not
            # fail; the figures are recomputed with the next change once Redis is back.
            log.warning("integrations refresh not scheduled (Redis unreachable)", exc_info=True)


def on_events_changed(sender, *, unit_ids, months, organisation_ids=None, **kwargs) -> None:
    schedule_refresh(unit_ids=unit_ids, organisation_ids=organisation_ids)
