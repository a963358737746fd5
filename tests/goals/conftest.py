"""Fixtures of the monthly-cycle tests: a fixed 'today' and a client register.

`goals` asks `cases` (through goals.hooks) whether a reference is a client of the unit and
whether named clients exited. These tests pin those answers with a small fake register, so
they test goals' rules whatever cases registers.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from goals import hooks

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TODAY = dt.datetime(2026, 3, 10, 12, 0, tzinfo=STOCKHOLM)
MARCH, APRIL, FEBRUARY, JANUARY = (
    dt.date(2026, 3, 1),
    dt.date(2026, 4, 1),
    dt.date(2026, 2, 1),
    dt.date(2026, 1, 1),
)


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


class FakeRegister:
    def __init__(self):
        self.clients = {
            "unit-a": {"K-00001", "K-00002", "K-00003", "K-00004"},
            "unit-b": {"K-00900"},
        }
        self.exits: dict[tuple[str, dt.date], set[str]] = {}

    def check(self, user, unit, ref):
        if ref in self.clients.get(unit.code, set()):
            return None
        return "Klienten finns inte i enheten."

    def exited(self, unit, refs, month):
        return set(refs) & self.exits.get((unit.code, month), set())

    def lister(self, unit, limit):
        return sorted(self.clients.get(unit.code, set()))[:limit]


@pytest.fixture
def register(monkeypatch):
    fake = FakeRegister()
    monkeypatch.setattr(hooks, "_client_ref_checker", fake.check)
    monkeypatch.setattr(hooks, "_exited_checker", fake.exited)
    monkeypatch.setattr(hooks, "_client_ref_lister", fake.lister)
    return fake


def plan_post(target, rows, **extra):
    """POST data of the plan form: target and (ref, action) rows."""
    data = {
        "target": str(target),
        "clients-TOTAL_FORMS": str(len(rows)),
        "clients-INITIAL_FORMS": "0",
        "clients-MIN_NUM_FORMS": "0",
        "clients-MAX_NUM_FORMS": "50",
    }
    for i, (ref, action) in enumerate(rows):
        data[f"clients-{i}-client_ref"] = ref
        data[f"clients-{i}-planned_action"] = action
    data.update(extra)
    return data
