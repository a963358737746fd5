"""A deliberately naive, literal implementation of DESIGN.md "Indicators", for the tests.

No sorting tricks, no closure tables, no running sums: for every start it looks for the
first end the rule allows, and for every (unit, month) it walks every pair and event. Slow
and obvious, so that the SQL and pandas paths can be compared with something that reads
like the rule text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trelleborg.months import month_end
from trelleborg.stats import percentile


@dataclass(frozen=True)
class Event:
    id: int
    case_id: int
    unit_id: int
    event_type: str
    occurred_on: dt.date
    reason: str = ""
    program: str = "forsorjningsstod"


def pairs_of(
    events: list[Event], start_type: str, end_type: str
) -> list[tuple[Event, Event | None]]:
    """(start, its end or None) for every start event."""
    out = []
    for start in events:
        if start.event_type != start_type:
            continue
        later_starts = [
            e
            for e in events
            if e.case_id == start.case_id
            and e.event_type == start_type
            and (e.occurred_on, e.id) > (start.occurred_on, start.id)
        ]
        next_start = min(later_starts, key=lambda e: (e.occurred_on, e.id), default=None)
        candidates = [
            e
            for e in events
            if e.case_id == start.case_id
            and e.event_type == end_type
            and e.occurred_on >= start.occurred_on
            and (next_start is None or e.occurred_on < next_start.occurred_on)
        ]
        end = min(candidates, key=lambda e: (e.occurred_on, e.id), default=None)
        out.append((start, end))
    return out


def in_subtree(unit_id: int, ancestor_id: int, parents: dict[int, int | None]) -> bool:
    current: int | None = unit_id
    while current is not None:
        if current == ancestor_id:
            return True
        current = parents[current]
    return False


def figures(
    events: list[Event],
    *,
    parents: dict[int, int | None],
    exits: dict[int, tuple[tuple[str, ...], str]],  # indicator id -> (reasons, program)
    lead_times: dict[int, tuple[str, str]],  # indicator id -> (start type, end type)
    months: list[dt.date],
) -> dict[tuple[int, int, dt.date], dict]:
    """Non-zero figures keyed by (unit id, indicator id, month)."""
    out: dict[tuple[int, int, dt.date], dict] = {}
    reason_keys = ["work", "studies", "other_benefit", "moved", "other"]
    pairs_by_indicator = {ind: pairs_of(events, s, e) for ind, (s, e) in lead_times.items()}
    for unit in parents:
        for month in months:
            for ind, (reasons, program) in exits.items():
                counted = [
                    e
                    for e in events
                    if e.event_type == "exit"
                    and e.reason in reasons
                    and (not program or e.program == program)
                    and e.occurred_on.replace(day=1) == month
                    and in_subtree(e.unit_id, unit, parents)
                ]
                if counted:
                    row = {"count": len(counted)}
                    for key in reason_keys:
                        row[f"exits_{key}"] = sum(1 for e in counted if e.reason == key)
                    out[(unit, ind, month)] = row
            for ind, pairs in pairs_by_indicator.items():
                last_day = month_end(month)
                durations = [
                    (end.occurred_on - start.occurred_on).days
                    for start, end in pairs
                    if end is not None
                    and end.occurred_on.replace(day=1) == month
                    and in_subtree(end.unit_id, unit, parents)
                ]
                open_starts = sum(
                    1
                    for start, end in pairs
                    if start.occurred_on <= last_day
                    and (end is None or end.occurred_on > last_day)
                    and in_subtree(start.unit_id, unit, parents)
                )
                if durations or open_starts:
                    out[(unit, ind, month)] = {
                        "count": len(durations),
                        "median": percentile(durations, 0.5),
                        "p90": percentile(durations, 0.9),
                        "open_starts": open_starts,
                    }
    return out
