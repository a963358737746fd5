from __future__ import annotations

import datetime as dt

import pytest

from integrations.compute import extras_recompute
from integrations.services import token_create
from tests.factories import CaseEventFactory, CaseFactory, ClientFactory
from trelleborg.months import today


class Bearer:
    """A token with its secret, and the header a client sends it in."""

    def __init__(self, token, secret: str):
        self.token, self.secret = token, secret

    @property
    def headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.secret}"}


@pytest.fixture
def make_token(org):
    def _make(*units, scope: str = "read_write", name: str = "Robot") -> Bearer:
        return Bearer(*token_create(name=name, scope=scope, units=units or [org["root"]]))

    return _make


@pytest.fixture
def robot(make_token, org):
    """A read-and-write token for the whole organisation."""
    return make_token(org["root"])


@pytest.fixture
def robot_a(make_token, org):
    """A read-and-write token for unit A only."""
    return make_token(org["a"], name="Robot A")


def event(n: int, **overrides) -> dict:
    """A valid API event in unit A, dated a few days ago."""
    row = {
        "event_id": f"api-{n}",
        "case_id": f"C-{n}",
        "client_ref": f"K-{n:05d}",
        "unit": "unit-a",
        "event_type": "application_received",
        "occurred_on": (today() - dt.timedelta(days=3)).isoformat(),
    }
    row.update(overrides)
    return row


# --- small organisations with hand-computed figures (test_figures, test_pages) -------------

D = dt.date


def case_in(unit, client=None, **kwargs):
    if client is None:
        return CaseFactory(unit=unit, **kwargs)
    return CaseFactory(unit=unit, client=client, organisation=client.organisation, **kwargs)


def ev(case, event_type, day, **kwargs):
    return CaseEventFactory(case=case, event_type=event_type, occurred_on=day, **kwargs)


@pytest.fixture
def returns_org(org):
    """Exits in March 2018 (see each client's comment) and what followed them."""
    a, b, root = org["a"], org["b"], org["root"]

    def client_exit(unit, ref, day, reason="work"):
        client = ClientFactory(organisation=root, ref=ref)
        case = case_in(unit, client)
        ev(case, "application_received", D(2017, 6, 1))
        ev(case, "exit", day, reason=reason)
        return client

    k1 = client_exit(a, "K-1", D(2018, 3, 10))
    ev(case_in(a, k1), "application_received", D(2019, 3, 10))  # 12 months to the day: back
    k2 = client_exit(a, "K-2", D(2018, 3, 20), reason="studies")
    ev(case_in(a, k2), "application_received", D(2019, 3, 21))  # a day too late: stayed
    client_exit(a, "K-3", D(2018, 3, 5), reason="moved")  # not an exit to work or studies
    k4 = client_exit(b, "K-4", D(2018, 3, 31))
    ev(case_in(b, k4), "application_received", D(2018, 4, 15))  # back within weeks
    client_exit(a, "K-5", D(2018, 3, 2))  # applied before the exit only: stayed
    k6 = client_exit(a, "K-6", D(2018, 3, 3))
    second = case_in(a, k6)
    ev(second, "application_received", D(2018, 3, 4))
    ev(second, "exit", D(2018, 3, 25), reason="work")  # the last exit that month decides
    extras_recompute(organisation=root)
    return org


@pytest.fixture
def decisions_org(org):
    a, b = org["a"], org["b"]
    x, y, z, w, v = (case_in(a), case_in(a), case_in(a), case_in(b), case_in(a))
    ev(x, "application_received", D(2018, 5, 1))
    ev(x, "decision", D(2018, 5, 2), decision_mode="automated")  # 1 day
    ev(y, "application_received", D(2018, 5, 1))
    ev(y, "decision", D(2018, 5, 11), decision_mode="manual")  # 10 days
    ev(z, "application_received", D(2018, 4, 20))
    ev(z, "decision", D(2018, 5, 5), decision_mode="automated")  # 15 days, counts in May
    ev(w, "application_received", D(2018, 5, 1))
    ev(w, "decision", D(2018, 5, 4), decision_mode="assisted")  # 3 days, unit B
    ev(v, "decision", D(2018, 5, 20), decision_mode="manual")  # no application: no duration
    extras_recompute(organisation=org["root"])
    return org
