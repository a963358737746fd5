from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import CaseEventFactory, CaseFactory
from trelleborg.months import today


def opened_on() -> dt.date:
    """When the persona cases were opened: 40 days ago."""
    return today() - dt.timedelta(days=40)


@pytest.fixture
def case_a(org, alice):
    """A case in unit A (caseworker alice) with its application 40 days ago."""
    case = CaseFactory(unit=org["a"], caseworker=alice, case_number="A-1")
    CaseEventFactory(case=case, event_type="application_received", occurred_on=opened_on())
    return case


@pytest.fixture
def case_b(org, carl):
    case = CaseFactory(unit=org["b"], caseworker=carl, case_number="B-1")
    CaseEventFactory(case=case, event_type="application_received", occurred_on=opened_on())
    return case


@pytest.fixture
def changes():
    """Every events_changed announcement; run writes inside
    django_capture_on_commit_callbacks(execute=True) to see them."""
    from cases.signals import events_changed

    seen: list[dict] = []

    def receiver(sender, **kwargs):
        seen.append(kwargs)

    events_changed.connect(receiver, weak=False)
    yield seen
    events_changed.disconnect(receiver)
