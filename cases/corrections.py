"""Changes to events dated in closed months are corrections (DESIGN.md "The monthly cycle" 4).

Every write path of `cases` (page, import, API, admin) calls in here inside its transaction;
the records themselves are goals' (`goals.services.corrections_record`, MonthCorrection):
`cases` may import `goals`, never the other way. Descriptions name no client or case (leadership
reads them).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from goals import services as goals_services
from trelleborg.vocabulary import EventType, ExitReason, Source


def source_label(source: str, context: Mapping[str, Any] | None = None) -> str:
    """How a correction names its source: "Sida", "Import: fil.csv", "API-token #3"."""
    context = context or {}
    if context.get("api_token"):
        return _("API-token #%(id)s") % {"id": context["api_token"]}
    label = str(Source(source).label) if source in Source.values else source
    if context.get("file_name"):
        return f"{label}: {context['file_name']}"
    return label


def describe_event(event_type: str, reason: str, occurred_on: dt.date) -> str:
    """ "Avslut (Arbete) 2018-03-14": what an event is, without naming its client."""
    kind = str(EventType(event_type).label) if event_type in EventType.values else event_type
    if reason:
        why = str(ExitReason(reason).label) if reason in ExitReason.values else reason
        kind = f"{kind} ({why})"
    return f"{kind} {occurred_on.isoformat()}"


def needs_reason(*, unit_id: int, occurred_on: dt.date) -> list:
    """The closed follow-ups a change to an event of the unit dated `occurred_on` corrects
    (empty: no correction). One query."""
    return goals_services.closed_followups_of(unit_id=unit_id, month=occurred_on)


def record(
    changes: list[tuple[int, dt.date, str]], *, by, source: str, reason: str = "", context=None
) -> list:
    """Record (unit id, date, description) changes as corrections of the closed months
    they reach; nothing for months that are open."""
    return goals_services.corrections_record(
        changes=changes, by=by, source=source_label(source, context), reason=reason
    )


def record_import(
    new_rows: list[tuple[int, dt.date, int]],
    changed_rows: list[tuple[int, dt.date, int, dt.date, int]],
    *,
    by,
    source: str,
    context=None,
) -> list:
    """An import's corrections, one per (unit, month) it touched: `new_rows` (unit, date,
    count) of new events, `changed_rows` (old unit, old date, new unit, new date, count) of
    changed ones (a changed event corrects both the month it left and the one it entered)."""
    per: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    for unit_id, day, count in new_rows:
        per[(unit_id, day.replace(day=1))][0] += count
    for old_unit, old_day, new_unit, new_day, count in changed_rows:
        for place in {(old_unit, old_day.replace(day=1)), (new_unit, new_day.replace(day=1))}:
            per[place][1] += count
    reached = goals_services.closed_followups(pairs=per.keys())
    if not reached:
        return []
    changes = []
    for (unit_id, month), (new, changed) in sorted(per.items()):
        if (unit_id, month) not in reached:
            continue
        parts = []
        if new:
            parts.append(_("%(n)d nya händelser") % {"n": new})
        if changed:
            parts.append(_("%(n)d ändrade händelser") % {"n": changed})
        changes.append((unit_id, month, ", ".join(parts)))
    return goals_services.corrections_record(
        changes=changes, by=by, source=source_label(source, context), reached=reached
    )
