from __future__ import annotations

from celery import shared_task

from . import idempotency


@shared_task(name="cases.sweep_form_keys")
def sweep_form_keys() -> int:
    """Daily: forget form submission keys older than idempotency.KEEP (a form is posted
    within minutes of being shown; a week covers any retry)."""
    return idempotency.sweep()
