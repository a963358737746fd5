from __future__ import annotations

import datetime as dt

import pytest

from integrations.services import token_create
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
