"""What `cases` answers for `goals` through goals.hooks (registered in CasesConfig.ready()).

goals may not import cases, yet a plan is pre-filled with last month's named clients who did
not exit, and the demo names real clients of a unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, Max, OuterRef, Q

from goals.models import Unit

from .models import Case, CaseEvent
from .rules import identifier_problem


def _storable(refs: Iterable[str]) -> list[str]:
    """The refs (client refs or case numbers) that could be stored: a refused form hands
    back whatever was typed, and PostgreSQL refuses a NUL byte even as a parameter."""
    return [ref for ref in refs if ref and identifier_problem(ref) == (ref, None)]


def exited_refs(unit: Unit, refs: Iterable[str], month: dt.date) -> set[str]:
    """The refs among `refs` (clients of the unit's organisation) with an exit to work or
    studies dated in `month`, whichever unit the exit names: the client left either way."""
    refs = _storable(refs)
    if not refs:
        return set()
    return set(
        CaseEvent.objects.counting_exits()
        .in_month(month)
        .filter(organisation__code=unit.root_code, case__client__ref__in=refs)
        .values_list("case__client__ref", flat=True)
        .distinct()
    )


def client_refs_in_unit(unit: Unit, limit: int) -> list[str]:
    """Refs of clients with a case in `unit` or below: cases without an exit first (the
    candidates a caseworker names), then the rest; newest cases first within each."""
    has_exit = CaseEvent.objects.filter(case=OuterRef("pk"), event_type="exit")
    rows = (
        Case.objects.filter(organisation__code=unit.root_code, unit__path__startswith=unit.path)
        .annotate(exited=Exists(has_exit))
        .order_by("exited", "-pk")
        .values_list("client__ref", flat=True)
    )
    out: list[str] = []
    seen: set[str] = set()
    for ref in rows.iterator(chunk_size=2000):
        if ref not in seen:
            seen.add(ref)
            out.append(ref)
            if len(out) >= limit:
                break
    return out


def ended_refs(unit: Unit, refs: Iterable[str], before: dt.date) -> dict[str, dt.date]:
    """{ref: date of the exit} for the refs among `refs` (clients of the unit's organisation)
    who already reached their end before `before`: their latest event dated before it is an
    exit (any reason). A client who came back (a new application after the exit) is not
    ended. One query."""
    refs = _storable(refs)
    if not refs:
        return {}
    rows = (
        CaseEvent.objects.filter(
            organisation__code=unit.root_code,
            case__client__ref__in=refs,
            occurred_on__lt=before,
        )
        .values("case__client__ref")
        .annotate(
            last_exit=Max("occurred_on", filter=Q(event_type="exit")),
            last_other=Max("occurred_on", filter=~Q(event_type="exit")),
        )
        .filter(last_exit__isnull=False)
        .values_list("case__client__ref", "last_exit", "last_other")
    )
    return {ref: done for ref, done, other in rows if other is None or other <= done}


# --- Planned cases of a lead-time EOR -----------------------------------------------------------


def _pairs(rows, start_type: str, end_type: str):
    """DESIGN.md "Pairing" over the events of one case, (type, date, unit_id) in date order:
    each start with the first end dated on or after it and before the next start (None: open).
    Yields (start_date, start_unit_id, end_date | None)."""
    starts = [(day, unit_id) for kind, day, unit_id in rows if kind == start_type]
    ends = [day for kind, day, _unit in rows if kind == end_type]
    for index, (day, unit_id) in enumerate(starts):
        following = starts[index + 1][0] if index + 1 < len(starts) else None
        end = next(
            (e for e in ends if e >= day and (following is None or e < following)),
            None,
        )
        yield day, unit_id, end


def _events_by_case(events):
    """({case id: [(type, date, unit id)] in date order}, {case id: (number, client ref)})."""
    by_case: dict[int, list] = {}
    numbers: dict[int, tuple[str, str]] = {}
    rows = events.order_by("case_id", "occurred_on", "id").values_list(
        "case_id", "case__case_number", "case__client__ref", "event_type", "occurred_on", "unit_id"
    )
    for case_id, number, ref, kind, day, unit_id in rows:
        by_case.setdefault(case_id, []).append((kind, day, unit_id))
        numbers[case_id] = (number, ref)
    return by_case, numbers


def open_cases(user, unit: Unit, indicator, as_of: dt.date, limit: int, refs=None):
    """goals.hooks lister: the open starts of `indicator` on `as_of` (no paired end dated by
    then) whose start event names a unit in `unit`'s subtree that `user` may see clients of
    (the backlog's attribution: a start counts for the unit named on it), oldest first."""
    from goals.access import client_units
    from goals.hooks import OpenCase

    start, end = indicator.start_event_type, indicator.end_event_type
    if not start or not end:
        return []
    scope = set(client_units(user).filter(path__startswith=unit.path).values_list("pk", flat=True))
    if not scope:
        return []
    starts = CaseEvent.objects.filter(
        organisation__code=unit.root_code,
        event_type=start,
        occurred_on__lte=as_of,
        unit_id__in=scope,
    )
    if refs is not None:
        starts = starts.filter(case__case_number__in=_storable(r.strip() for r in refs))
    events = CaseEvent.objects.filter(
        case_id__in=starts.values("case_id"),
        event_type__in=[start, end],
        occurred_on__lte=as_of,
    )
    by_case, numbers = _events_by_case(events)
    found = [
        OpenCase(numbers[case_id][0], day, (as_of - day).days, numbers[case_id][1])
        for case_id, rows in by_case.items()
        for day, unit_id, ended in _pairs(rows, start, end)
        if ended is None and unit_id in scope
    ]
    found.sort(key=lambda o: (o.started_on, o.ref))
    # A case open twice (a second start without an end) is planned once, by its oldest start.
    out, seen = [], set()
    for item in found:
        if item.ref not in seen:
            seen.add(item.ref)
            out.append(item)
    return out[:limit]


def case_ends(unit: Unit, indicator, items) -> dict[str, dt.date]:
    """goals.hooks end lister: for (case number, start date) items, the date of the end event
    paired with that start, where it has one (any unit, any date)."""
    start, end = indicator.start_event_type, indicator.end_event_type
    wanted = dict(items)
    events = CaseEvent.objects.filter(
        organisation__code=unit.root_code,
        case__case_number__in=list(wanted),
        event_type__in=[start, end],
    )
    by_case, numbers = _events_by_case(events)
    out: dict[str, dt.date] = {}
    for case_id, rows in by_case.items():
        ref = numbers[case_id][0]
        for day, _unit, ended in _pairs(rows, start, end):
            if day == wanted.get(ref) and ended is not None:
                out[ref] = ended
    return out
