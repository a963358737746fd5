"""The integrations demo step (order 95): a comparison group and recorded Kolada values.

The values come from `fixtures/kolada_demo.json`, demo data in Kolada's recorded response
format (see fixtures/README.md), imported by the same code path as `import_kolada`.
"""

from __future__ import annotations

from pathlib import Path

from goals.demo import DEMO_ROOT_CODE, DemoContext

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
