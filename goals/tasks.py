from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="goals.send_reminders")
def send_reminders() -> int:
    """Daily: e-mail reminders for next month's missing plans and EORs (once each)."""
    return services.reminders_send()
