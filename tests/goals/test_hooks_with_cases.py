"""goals' hooks answered by the real cases app (no fake register)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from goals import hooks, services
from tests.factories import CaseEventFactory, CaseFactory, ClientFactory
from tests.goals.conftest import APRIL, MARCH, plan_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients_a(org):
    """Three clients with cases in unit A; K-A2 exited to work in March 2026."""
    made = {}
    for ref in ("K-A1", "K-A2", "K-A3"):
        case = CaseFactory(unit=org["a"], client=ClientFactory(organisation=org["root"], ref=ref))
        made[ref] = case
    CaseEventFactory(
        case=made["K-A2"], event_type="exit", reason="work", occurred_on=dt.date(2026, 3, 12)
    )
    CaseEventFactory(
        case=made["K-A3"], event_type="exit", reason="moved", occurred_on=dt.date(2026, 3, 14)
    )
    other = CaseFactory(unit=org["b"], client=ClientFactory(organisation=org["root"], ref="K-B1"))
    return {**made, "K-B1": other}


def test_exited_hook_counts_only_work_and_studies_in_the_month(org, clients_a):
    refs = ["K-A1", "K-A2", "K-A3"]
    assert hooks.exited_refs(org["a"], refs, MARCH) == {"K-A2"}
    assert hooks.exited_refs(org["a"], refs, APRIL) == set()


def test_lister_gives_clients_of_the_unit_without_exit_first(org, clients_a):
    refs = hooks.client_refs_in_unit(org["a"], 10)
    assert set(refs) == {"K-A1", "K-A2", "K-A3"}
    assert refs[0] == "K-A1"
    assert "K-B1" not in refs


def test_plan_with_real_register(client, alice, org, clients_a, today):
    client.force_login(alice)
    url = reverse("goals:plan", args=["unit-a", "2026-03"])
    response = client.post(url, plan_post(2, [("K-A1", "Praktik"), ("K-B1", "Fel enhet")]))
    assert "K-B1" in response.content.decode()
    assert (
        client.post(url, plan_post(2, [("K-A1", "Praktik"), ("K-A2", "Jobb")])).status_code == 302
    )
    # April is pre-filled with the one who did not exit in March
    assert services.plan_prefill(unit=org["a"], caseworker=alice, month=APRIL) == [
        {"client_ref": "K-A1", "planned_action": "Praktik"}
    ]
