"""The pandas path against hand-computed figures and the naive reference (no database)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from reports.frames import (
    ExitsSpec,
    LeadTimeSpec,
    closure_frame,
    events_frame,
    rollup_rows,
)
from tests.reports.naive import Event, figures

ROOT, A, B = 1, 2, 3
PARENTS = {ROOT: None, A: ROOT, B: ROOT}
AVSLUT, ETABL, LEAD = 10, 11, 20
EXITS = {AVSLUT: (("work", "studies"), ""), ETABL: (("work", "studies"), "etablering")}
LEADS = {LEAD: ("application_received", "decision")}
D = dt.date


def closure_of(parents):
    pairs = []
    for unit in parents:
        current = unit
        while current is not None:
            pairs.append((unit, current))
            current = parents[current]
    return closure_frame(pairs)


JAN, JUN = D(2018, 1, 1), D(2018, 6, 1)


def run(events, first=JAN, last=JUN, parents=PARENTS):
    frame = events_frame(
        (e.id, e.case_id, e.unit_id, e.event_type, e.occurred_on, e.reason, e.program)
        for e in events
    )
    rows = rollup_rows(
        frame,
        exits=[ExitsSpec(i, r, p) for i, (r, p) in EXITS.items()],
        lead_times=[LeadTimeSpec(i, s, e) for i, (s, e) in LEADS.items()],
        closure=closure_of(parents),
        first=first,
        last=last,
    )
    return {(r.unit_id, r.indicator_id, r.month): r for r in rows.itertuples()}


def lead(rows, unit, month):
    row = rows.get((unit, LEAD, month))
    if row is None:
        return None
    median = None if row.median != row.median else row.median  # NaN -> None
    p90 = None if row.p90 != row.p90 else row.p90
    return (row.count, median, p90, row.open_starts)


class Events:
    """Builds events with increasing ids (or given ones) for readable tests."""

    def __init__(self):
        self.items = []

    def add(self, case, unit, kind, day, *, id=None, reason="", program="forsorjningsstod"):
        event_type = {"s": "application_received", "e": "decision", "x": "exit"}.get(kind, kind)
        self.items.append(
            Event(id or len(self.items) + 1, case, unit, event_type, day, reason, program)
        )
        return self


def test_same_day_pair_is_zero_days_and_never_open():
    ev = Events().add(1, A, "s", D(2018, 1, 10)).add(1, A, "e", D(2018, 1, 10))
    rows = run(ev.items)
    assert lead(rows, A, D(2018, 1, 1)) == (1, 0.0, 0.0, 0)
    assert lead(rows, A, D(2018, 2, 1)) is None


def test_end_before_any_start_pairs_with_nothing_and_the_start_stays_open():
    ev = Events().add(1, A, "e", D(2018, 1, 5)).add(1, A, "s", D(2018, 1, 10))
    rows = run(ev.items)
    for month in [D(2018, m, 1) for m in range(1, 7)]:
        assert lead(rows, A, month) == (0, None, None, 1)


def test_second_end_after_one_start_pairs_with_nothing():
    ev = Events().add(1, A, "s", D(2018, 1, 1)).add(1, A, "e", D(2018, 1, 3))
    ev.add(1, A, "e", D(2018, 2, 20))
    rows = run(ev.items)
    assert lead(rows, A, D(2018, 1, 1)) == (1, 2.0, 2.0, 0)
    assert lead(rows, A, D(2018, 2, 1)) is None


def test_start_with_no_end_is_open_in_every_later_month():
    ev = Events().add(1, A, "s", D(2018, 3, 31))
    rows = run(ev.items)
    assert lead(rows, A, D(2018, 2, 1)) is None
    for month in [D(2018, m, 1) for m in range(3, 7)]:
        assert lead(rows, A, month) == (0, None, None, 1)
    assert lead(rows, ROOT, D(2018, 6, 1)) == (0, None, None, 1)


def test_start_before_the_first_month_is_still_open_in_it():
    ev = Events().add(1, A, "s", D(2017, 11, 2)).add(2, A, "s", D(2017, 11, 3))
    ev.add(2, A, "e", D(2017, 12, 1))
    rows = run(ev.items)
    assert lead(rows, A, D(2018, 1, 1)) == (0, None, None, 1)


def test_case_that_moved_counts_the_lead_time_where_it_ended_and_the_backlog_where_it_began():
    ev = Events().add(1, A, "s", D(2018, 1, 20)).add(1, B, "e", D(2018, 2, 3))
    rows = run(ev.items)
    assert lead(rows, A, D(2018, 1, 1)) == (0, None, None, 1)
    assert lead(rows, B, D(2018, 1, 1)) is None
    assert lead(rows, B, D(2018, 2, 1)) == (1, 14.0, 14.0, 0)
    assert lead(rows, A, D(2018, 2, 1)) is None
    assert lead(rows, ROOT, D(2018, 1, 1)) == (0, None, None, 1)
    assert lead(rows, ROOT, D(2018, 2, 1)) == (1, 14.0, 14.0, 0)


def test_events_arriving_out_of_order_pair_by_date_not_by_id():
    ev = Events()
    ev.add(1, A, "e", D(2018, 1, 12), id=1).add(1, A, "s", D(2018, 1, 10), id=2)
    ev.add(1, A, "e", D(2018, 1, 5), id=3).add(1, A, "s", D(2018, 1, 1), id=4)
    rows = run(ev.items)
    assert lead(rows, A, D(2018, 1, 1)) == (2, 3.0, 3.8, 0)  # durations 4 and 2


def test_end_on_the_day_of_the_next_start_belongs_to_the_next_start():
    ev = Events().add(1, A, "s", D(2018, 1, 1)).add(1, A, "s", D(2018, 1, 5))
    ev.add(1, A, "e", D(2018, 1, 5))
    rows = run(ev.items)
    assert lead(rows, A, D(2018, 1, 1)) == (1, 0.0, 0.0, 1)


def test_two_starts_on_one_day_leave_the_first_open():
    ev = Events().add(1, A, "s", D(2018, 1, 3), id=7).add(1, B, "s", D(2018, 1, 3), id=8)
    ev.add(1, B, "e", D(2018, 1, 9), id=9)
    rows = run(ev.items)
    assert lead(rows, A, D(2018, 1, 1)) == (0, None, None, 1)  # id 7 open, unit A
    assert lead(rows, B, D(2018, 1, 1)) == (1, 6.0, 6.0, 0)


def test_pair_across_a_month_end_is_open_in_the_first_month_and_counted_in_the_second():
    ev = Events().add(1, A, "s", D(2018, 1, 31)).add(1, A, "e", D(2018, 2, 1))
    rows = run(ev.items)
    assert lead(rows, A, D(2018, 1, 1)) == (0, None, None, 1)
    assert lead(rows, A, D(2018, 2, 1)) == (1, 1.0, 1.0, 0)


def test_empty_month_has_no_row_one_value_is_its_own_median_even_counts_interpolate():
    ev = Events().add(1, A, "s", D(2018, 2, 1)).add(1, A, "e", D(2018, 2, 8))
    ev.add(2, A, "s", D(2018, 3, 1)).add(2, A, "e", D(2018, 3, 3))
    ev.add(3, A, "s", D(2018, 3, 1)).add(3, A, "e", D(2018, 3, 5))
    rows = run(ev.items)
    assert lead(rows, A, D(2018, 1, 1)) is None
    assert lead(rows, A, D(2018, 2, 1)) == (1, 7.0, 7.0, 0)
    assert lead(rows, A, D(2018, 3, 1)) == (2, 3.0, pytest.approx(3.8), 0)


def test_parent_median_is_over_pooled_durations_not_a_median_of_medians():
    ev = Events()
    for case, (unit, days) in enumerate([(A, 1), (A, 2), (A, 3), (B, 10), (B, 20)], start=1):
        ev.add(case, unit, "s", D(2018, 4, 1)).add(case, unit, "e", D(2018, 4, 1 + days))
    rows = run(ev.items)
    assert lead(rows, A, D(2018, 4, 1)) == (3, 2.0, pytest.approx(2.8), 0)
    assert lead(rows, B, D(2018, 4, 1)) == (2, 15.0, 19.0, 0)
    # pooled [1, 2, 3, 10, 20]: median 3 (a median of medians would say 8.5), p90 16
    assert lead(rows, ROOT, D(2018, 4, 1)) == (5, 3.0, 16.0, 0)


def test_exits_count_reasons_in_the_set_by_month_of_their_date_and_program():
    ev = Events()
    ev.add(1, A, "x", D(2017, 12, 31), reason="work")
    ev.add(2, A, "x", D(2018, 1, 1), reason="work")
    ev.add(3, A, "x", D(2018, 1, 31), reason="studies", program="etablering")
    ev.add(4, B, "x", D(2018, 1, 15), reason="moved")
    ev.add(5, B, "x", D(2018, 1, 16), reason="work")
    rows = run(ev.items)
    a = rows[(A, AVSLUT, D(2018, 1, 1))]
    assert (a.count, a.exits_work, a.exits_studies, a.exits_moved) == (2, 1, 1, 0)
    assert rows[(A, ETABL, D(2018, 1, 1))].count == 1
    root = rows[(ROOT, AVSLUT, D(2018, 1, 1))]
    assert (root.count, root.exits_work, root.exits_studies) == (3, 2, 1)
    assert (B, ETABL, D(2018, 1, 1)) not in rows
    assert (A, AVSLUT, D(2018, 2, 1)) not in rows


def random_events(rng: random.Random, parents, n_cases=40):
    """Awkward data: moves between units, same-day events, duplicate ends, out-of-order ids."""
    units = list(parents)
    types = ["s", "e", "x", "s", "e", "first_meeting"]
    events = []
    ids = rng.sample(range(1, 10_000), n_cases * 8)
    for case in range(1, n_cases + 1):
        home = rng.choice(units)
        base = D(2017, 10, 1) + dt.timedelta(days=rng.randrange(200))
        for _ in range(rng.randrange(1, 8)):
            unit = home if rng.random() < 0.7 else rng.choice(units)
            day = base + dt.timedelta(days=rng.choice([0, 0, 1, 3, 15, 31, 40, 90]))
            kind = rng.choice(types)
            event_type = {"s": "application_received", "e": "decision", "x": "exit"}.get(kind, kind)
            reason = rng.choice(["work", "studies", "moved", "other"]) if kind == "x" else ""
            program = rng.choice(["forsorjningsstod", "etablering"])
            events.append(Event(ids.pop(), case, unit, event_type, day, reason, program))
    rng.shuffle(events)
    return events


def as_plain(rows):
    out = {}
    for key, r in rows.items():
        if key[1] == LEAD:
            out[key] = {
                "count": r.count,
                "median": None if r.median != r.median else r.median,
                "p90": None if r.p90 != r.p90 else r.p90,
                "open_starts": r.open_starts,
            }
        else:
            out[key] = {
                "count": r.count,
                **{
                    f"exits_{k}": getattr(r, f"exits_{k}")
                    for k in ["work", "studies", "other_benefit", "moved", "other"]
                },
            }
    return out


@pytest.mark.parametrize("seed", range(8))
def test_pandas_path_agrees_with_the_naive_reading_of_the_rules(seed):
    rng = random.Random(seed)
    parents = {1: None, 2: 1, 3: 1, 4: 2, 5: 4}
    events = random_events(rng, parents)
    months = [D(2017, m, 1) for m in (11, 12)] + [D(2018, m, 1) for m in range(1, 9)]
    expected = figures(events, parents=parents, exits=EXITS, lead_times=LEADS, months=months)
    got = as_plain(run(events, first=months[0], last=months[-1], parents=parents))
    assert got == expected
