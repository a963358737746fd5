"""The rollup computation on the database: both paths, hand-computed and against the naive
reading of the rules on awkward generated data."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection

from cases.models import CaseEvent
from goals.models import Indicator
from reports.compute import recompute
from reports.models import RefreshState, Rollup, RollupRun
from tests.factories import CaseEventFactory, CaseFactory, UnitFactory
from tests.reports.naive import Event, figures

D = dt.date
BACKENDS = [
    "pandas",
    pytest.param("sql", marks=pytest.mark.postgres),
]


@pytest.fixture
def tree(org):
    a1 = UnitFactory(code="unit-a1", parent=org["a"])
    a2 = UnitFactory(code="unit-a2", parent=a1)
    return {**org, "a1": a1, "a2": a2}


def rows_of(unit, code):
    return {
        r.month: r for r in Rollup.objects.filter(unit=unit, indicator__code=code).order_by("month")
    }


def event(case, kind, day, *, unit=None, reason=""):
    return CaseEventFactory(
        case=case, unit=unit or case.unit, event_type=kind, occurred_on=day, reason=reason
    )


@pytest.mark.django_db
@pytest.mark.parametrize("backend", BACKENDS)
def test_recompute_writes_pooled_exits_and_lead_times(tree, backend):
    a, b, a2, root = tree["a"], tree["b"], tree["a2"], tree["root"]
    c1, c2, c3 = CaseFactory(unit=a2), CaseFactory(unit=b), CaseFactory(unit=a)
    event(c1, "exit", D(2018, 1, 5), reason="work")
    event(c2, "exit", D(2018, 1, 6), reason="studies")
    event(c2, "exit", D(2018, 1, 7), reason="moved")
    event(c3, "application_received", D(2018, 1, 1))
    event(c3, "decision", D(2018, 1, 11))
    event(c1, "application_received", D(2018, 1, 2))
    event(c1, "decision", D(2018, 2, 2), unit=b)  # moved: ends in b
    event(c2, "application_received", D(2018, 2, 20))  # never decided

    run = recompute(
        trigger="command", first_month=D(2018, 1, 1), last_month=D(2018, 3, 1), backend=backend
    )

    assert run.status == "done" and run.backend == backend and run.events_read == 8
    jan = D(2018, 1, 1)
    assert rows_of(root, "avslut")[jan].count == 2
    assert rows_of(a, "avslut")[jan].exits_work == 1  # from a2, two levels below
    assert rows_of(a, "avslut")[jan].exits_studies == 0
    assert rows_of(b, "avslut")[jan].exits_moved == 0  # moved is not in avslut's set
    lead_a = rows_of(a, "utredningstid")
    assert (lead_a[jan].count, lead_a[jan].median, lead_a[jan].open_starts) == (1, 10.0, 1)
    assert D(2018, 2, 1) not in lead_a  # c1's start closed in February, in unit b
    lead_b = rows_of(b, "utredningstid")
    assert (lead_b[D(2018, 2, 1)].count, lead_b[D(2018, 2, 1)].median) == (1, 31.0)
    assert lead_b[D(2018, 2, 1)].open_starts == 1
    assert lead_b[D(2018, 3, 1)].open_starts == 1
    lead_root = rows_of(root, "utredningstid")
    assert (lead_root[D(2018, 2, 1)].count, lead_root[D(2018, 2, 1)].open_starts) == (1, 1)
    assert lead_root[jan].median == 10.0 and lead_root[jan].open_starts == 1
    states = RefreshState.objects.filter(month__gte=jan, month__lte=D(2018, 3, 1))
    assert states.count() == 5 * 3
    assert set(states.values_list("status", flat=True)) == {"done"}
    assert {s.run_id for s in states} == {run.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("backend", BACKENDS)
def test_recompute_is_idempotent_and_narrows_to_a_subtree_and_months(tree, backend):
    a, b = tree["a"], tree["b"]
    ca, cb = CaseFactory(unit=a), CaseFactory(unit=b)
    event(ca, "exit", D(2018, 1, 5), reason="work")
    event(cb, "exit", D(2018, 1, 5), reason="work")
    event(ca, "exit", D(2018, 2, 5), reason="work")
    kwargs = {"first_month": D(2018, 1, 1), "last_month": D(2018, 2, 1), "backend": backend}
    recompute(trigger="command", **kwargs)
    before = sorted(Rollup.objects.values_list("unit", "indicator", "month", "count"))
    recompute(trigger="command", **kwargs)
    assert sorted(Rollup.objects.values_list("unit", "indicator", "month", "count")) == before

    CaseEvent.objects.filter(unit=b).update(reason="other")
    CaseEvent.objects.filter(unit=a, occurred_on=D(2018, 2, 5)).update(reason="other")
    recompute(
        trigger="command",
        subtree=a,
        first_month=D(2018, 1, 1),
        last_month=D(2018, 1, 1),
        backend=backend,
    )
    assert rows_of(a, "avslut")[D(2018, 2, 1)].count == 1  # month outside the range kept
    assert rows_of(b, "avslut")[D(2018, 1, 1)].count == 1  # unit outside the subtree kept
    assert rows_of(tree["root"], "avslut")[D(2018, 1, 1)].count == 2
    assert RollupRun.objects.first().subtree == "unit-a"


@pytest.mark.django_db
def test_default_months_run_from_the_first_event_to_now(tree, time_machine):
    time_machine.move_to(dt.datetime(2018, 4, 10, 12, tzinfo=dt.UTC))
    event(CaseFactory(unit=tree["a"]), "application_received", D(2018, 2, 27))
    run = recompute(trigger="command")
    assert (run.first_month, run.last_month) == (D(2018, 2, 1), D(2018, 4, 1))
    assert sorted(rows_of(tree["a"], "utredningstid")) == [D(2018, m, 1) for m in (2, 3, 4)]


def generate(tree, seed, n_cases=60):
    """Awkward events in the database: moves, same-day events, duplicate ends, shuffled
    insertion (ids not in date order), exits of every reason and two programs."""
    rng = random.Random(seed)
    units = [tree[k] for k in ("root", "a", "b", "a1", "a2")]
    cases = [CaseFactory(unit=rng.choice(units)) for _ in range(n_cases)]
    kinds = [
        "application_received",
        "decision",
        "exit",
        "referral",
        "intervention_start",
        "application_received",
        "decision",
        "first_meeting",
    ]
    pending = []
    for case in cases:
        base = D(2017, 11, 1) + dt.timedelta(days=rng.randrange(220))
        for _ in range(rng.randrange(1, 9)):
            kind = rng.choice(kinds)
            pending.append(
                CaseEvent(
                    organisation=case.organisation,
                    case=case,
                    unit=case.unit if rng.random() < 0.7 else rng.choice(units),
                    event_id=f"g{seed}-{len(pending)}",
                    event_type=kind,
                    occurred_on=base + dt.timedelta(days=rng.choice([0, 0, 1, 2, 9, 30, 31, 45])),
                    reason=rng.choice(["work", "studies", "moved", "other"])
                    if kind == "exit"
                    else "",
                    program=rng.choice(["forsorjningsstod", "etablering"]),
                    decision_mode="manual" if kind == "decision" else "",
                    source="import",
                )
            )
    rng.shuffle(pending)
    CaseEvent.objects.bulk_create(pending)
    return units


def naive_expected(units, months):
    exits = {i.pk: (tuple(i.reasons), i.program) for i in Indicator.objects.filter(kind="exits")}
    leads = {
        i.pk: (i.start_event_type, i.end_event_type)
        for i in Indicator.objects.filter(kind="lead_time")
    }
    events = [
        Event(e.pk, e.case_id, e.unit_id, e.event_type, e.occurred_on, e.reason, e.program)
        for e in CaseEvent.objects.all()
    ]
    parents = {u.pk: u.parent_id for u in units}
    return figures(events, parents=parents, exits=exits, lead_times=leads, months=months)


def table_figures():
    kinds = dict(Indicator.objects.values_list("pk", "kind"))
    out = {}
    for r in Rollup.objects.all():
        if kinds[r.indicator_id] == "exits":
            out[(r.unit_id, r.indicator_id, r.month)] = {
                "count": r.count,
                **{
                    f"exits_{k}": getattr(r, f"exits_{k}")
                    for k in ["work", "studies", "other_benefit", "moved", "other"]
                },
            }
        else:
            out[(r.unit_id, r.indicator_id, r.month)] = {
                "count": r.count,
                "median": r.median,
                "p90": r.p90,
                "open_starts": r.open_starts,
            }
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(3))
def test_pandas_path_agrees_with_the_naive_rules_on_generated_data(tree, seed):
    units = generate(tree, seed)
    first, last = D(2017, 12, 1), D(2018, 8, 1)
    recompute(trigger="command", first_month=first, last_month=last, backend="pandas")
    months = [D(2017, 12, 1)] + [D(2018, m, 1) for m in range(1, 9)]
    expected = naive_expected(units, months)
    assert len(expected) > 40
    assert table_figures() == expected


@pytest.mark.django_db
@pytest.mark.postgres
@pytest.mark.parametrize("seed", range(3))
def test_sql_and_pandas_paths_give_identical_rows(tree, seed):
    assert connection.vendor == "postgresql"
    units = generate(tree, seed, n_cases=120)
    first, last = D(2017, 12, 1), D(2018, 8, 1)
    recompute(trigger="command", first_month=first, last_month=last, backend="sql")
    from_sql = table_figures()
    recompute(trigger="command", first_month=first, last_month=last, backend="pandas")
    from_pandas = table_figures()
    assert from_sql == from_pandas  # exact: same floating-point steps as percentile_cont
    months = [D(2017, 12, 1)] + [D(2018, m, 1) for m in range(1, 9)]
    assert from_sql == naive_expected(units, months)
