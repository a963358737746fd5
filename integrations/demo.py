"""The integrations demo step (order 95): a comparison group, recorded Kolada values, and
some clients coming back after an exit.

The Kolada values come from `fixtures/kolada_demo.json`, demo data in Kolada's recorded
response format (see fixtures/README.md), imported by the same code path as
`import_kolada`. So that the return rate has something to show, about one in seven clients
who exited to work or studies applies again within a year (a new case, through the event
import like the rest of the demo).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from cases.importing import import_rows
from cases.models import CaseEvent
from goals.demo import DEMO_ROOT_CODE, SEED, DemoContext
from trelleborg.vocabulary import COUNTING_EXIT_REASONS, EventType, Source

from .kolada import load_saved_response
from .models import ComparisonGroup, ComparisonMember
from .services import comparison_municipalities, kolada_values_import

DEMO_FILE = Path(__file__).parent / "fixtures" / "kolada_demo.json"
DEMO_KPIS = ("N31807", "N31814", "U31402")
DEMO_YEARS = tuple(range(2017, 2025))
# Kolada's codes: comparable Skåne municipalities, and the whole country.
COMPARISON_GROUP = [
    ("1282", "Landskrona"),
    ("1285", "Eslöv"),
    ("1286", "Ystad"),
    ("1293", "Hässleholm"),
    ("0000", "Riket"),
]


RETURN_SHARE = 0.15


def _returns(ctx: DemoContext, organisation) -> int:
    """New applications from some clients who exited; deterministic, so loading twice
    changes nothing (same event ids, same values)."""
    rng = random.Random(f"{SEED}-returns")
    exits = (
        CaseEvent.objects.filter(
            organisation=organisation,
            event_type=EventType.EXIT,
            reason__in=COUNTING_EXIT_REASONS,
        )
        .order_by("occurred_on", "id")
        .values_list("case__client__ref", "unit__code", "occurred_on", "case__caseworker__username")
    )
    rows = []
    for n, (ref, unit, day, caseworker) in enumerate(exits):
        back = day + dt.timedelta(days=rng.randint(20, 330))
        if rng.random() >= RETURN_SHARE or back > ctx.today:
            continue
        rows.append(
            {
                "event_id": f"demo-return-{n}",
                "case_id": f"RET-{n:06d}",
                "client_ref": ref,
                "unit": unit,
                "caseworker": caseworker or "",  # back to the caseworker they had
                "event_type": EventType.APPLICATION_RECEIVED,
                "occurred_on": back.isoformat(),
            }
        )
    if not rows:
        return 0
    result = import_rows(rows, source=Source.DEMO, user=None)
    if not result.ok:
        raise RuntimeError("; ".join(result.error_lines()[:5]))
    return result.new


def load(ctx: DemoContext) -> None:
    organisation = ctx.units[DEMO_ROOT_CODE]
    group, _created = ComparisonGroup.objects.get_or_create(
        organisation=organisation, defaults={"municipality_name": "Trelleborg"}
    )
    for order, (code, name) in enumerate(COMPARISON_GROUP):
        ComparisonMember.objects.get_or_create(
            group=group, code=code, defaults={"name": name, "sort_order": order}
        )
    codes = [code for code, _name in comparison_municipalities(organisation)]
    result = kolada_values_import(
        values=load_saved_response(DEMO_FILE.read_text(encoding="utf-8")),
        kpis=DEMO_KPIS,
        years=DEMO_YEARS,
        municipalities=codes,
    )
    ctx.log(f"    Kolada (inspelat demoformat): {result.created + result.updated} värden")
    ctx.log(f"    {_returns(ctx, organisation)} klienter söker igen efter avslut")
