from __future__ import annotations

import datetime as dt
import random

from goals.demo import DemoContext
from integrations import demo
from integrations.models import ComparisonGroup, KoladaValue
from tests.factories import UnitFactory


def test_demo_step_sets_a_comparison_group_and_imports_the_recorded_values(db):
    root = UnitFactory(code="amf", municipality_code="1287")
    ctx = DemoContext(rng=random.Random(1), today=dt.date(2025, 3, 1), units={"amf": root})
    ctx.log = lambda _line: None
    demo.load(ctx)
    demo.load(ctx)  # twice: idempotent
    group = ComparisonGroup.objects.get(organisation=root)
    assert [m.code for m in group.members.all()] == ["1282", "1285", "1286", "1293", "0000"]
    trelleborg = KoladaValue.objects.for_comparison(
        kpis=["U31402"], municipalities=["1287"], years=range(2017, 2025)
    )
    assert trelleborg.count() == 8
    assert not KoladaValue.objects.filter(year=2016).exists()  # withdrawn in the file
