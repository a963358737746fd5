"""The one announcement every write path of `cases` makes after it commits.

Bulk writes send no post_save, so model signals are not enough: page, import, API and admin
each send `events_changed` once, after commit, with the units and months they touched.
`reports` listens and schedules refreshes; `cases` never imports `reports`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

# kwargs: unit_ids: frozenset[int], months: frozenset[datetime.date] (first of month),
# organisation_ids: frozenset[int] of the units' organisations (roots) when the sender knows
# them without a query (a single event's write does), else None.
events_changed = Signal()

# Sent by the bulk import inside its transaction, after its rows are written and while its
# staging table (cases_import_stage) still exists, so a higher app can record the import
# row by row without `cases` importing it (audit does). In it, a new event's row has the
# event's id in `new_id` (and `existing_id` NULL); a changed one has `existing_id` and
# `changed`. kwargs: cursor, result
# (cases.importing.ImportResult), source, user. A receiver that raises rolls the import back.
import_written = Signal()


def announce_events_changed(
    *,
    unit_ids: Iterable[int],
    months: Iterable[dt.date],
    organisation_ids: Iterable[int] | None = None,
    sender: object = None,
) -> None:
    """Send `events_changed` once the current transaction commits (at once outside one)."""
    units = frozenset(unit_ids)
    month_set = frozenset(m.replace(day=1) for m in months)
    organisations = None if organisation_ids is None else frozenset(organisation_ids)
    if not units or not month_set:
        return
    transaction.on_commit(
        lambda: events_changed.send(
            sender=sender, unit_ids=units, months=month_set, organisation_ids=organisations
        )
    )
