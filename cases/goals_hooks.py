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


def exited_refs(unit: Unit, refs: Iterable[str], month: dt.date) -> set[str]:
    """The refs among `refs` (clients of the unit's organisation) with an exit to work or
    studies dated in `month`, whichever unit the exit names: the client left either way."""
    # Only refs that could be stored: a refused form hands back whatever was typed, and
    # PostgreSQL refuses a NUL byte even as a parameter.
    refs = [ref for ref in refs if ref and identifier_problem(ref) == (ref, None)]
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
    # Only refs that could be stored: a refused form hands back whatever was typed, and
    # PostgreSQL refuses a NUL byte even as a parameter.
    refs = [ref for ref in refs if ref and identifier_problem(ref) == (ref, None)]
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
