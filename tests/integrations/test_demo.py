from __future__ import annotations

import datetime as dt
import random

from cases.models import CaseEvent
from goals.demo import DemoContext
from integrations import demo
from integrations.models import ComparisonGroup, KoladaValue
from tests.factories import CaseEventFactory, CaseFactory, UnitFactory


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


def test_demo_step_brings_some_exited_clients_back_deterministically(db):
    root = UnitFactory(code="amf", municipality_code="1287")
    unit = UnitFactory(code="grupp", parent=root)
    for n in range(60):
        case = CaseFactory(unit=unit, case_number=f"D-{n}")
        CaseEventFactory(
            case=case, event_type="exit", reason="work", occurred_on=dt.date(2024, 1, 10)
        )
    ctx = DemoContext(rng=random.Random(1), today=dt.date(2025, 3, 1), units={"amf": root})
    ctx.log = lambda _line: None
    demo.load(ctx)
    back = set(
        CaseEvent.objects.filter(event_id__startswith="demo-return-").values_list(
            "event_id", flat=True
        )
    )
    assert 0 < len(back) < 30
    demo.load(ctx)  # same rows again: nothing new
    assert CaseEvent.objects.filter(event_id__startswith="demo-return-").count() == len(back)
    # each comes back as a new case of the same client
    for event in CaseEvent.objects.filter(event_id__startswith="demo-return-"):
        assert event.case.client.cases.count() == 2
        assert event.occurred_on > dt.date(2024, 1, 10)
