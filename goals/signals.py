"""Signals `goals` sends for higher apps (goals imports neither `cases` nor `reports`).

month_closed: sent by goals.services.followup_close inside its transaction, right after a
month's follow-up is closed. kwargs: follow_up (goals.models.MonthFollowUp). `reports`
receives it and stores the unit's figures as they stand in `follow_up.snapshot`; a receiver
that raises rolls the closing back.
"""

from __future__ import annotations

from django.dispatch import Signal

month_closed = Signal()
