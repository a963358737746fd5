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


def test_ended_hook_gives_clients_whose_latest_event_before_the_month_is_an_exit(org, clients_a):
    refs = ["K-A1", "K-A2", "K-A3"]
    assert hooks.ended_refs(org["a"], refs, MARCH) == {}  # exits in March: not before it
    assert hooks.ended_refs(org["a"], refs, APRIL) == {
        "K-A2": dt.date(2026, 3, 12),
        "K-A3": dt.date(2026, 3, 14),
    }
    # A client who came back after the exit (a new application) has not reached the end.
    CaseEventFactory(
        case=clients_a["K-A2"], event_type="application_received", occurred_on=dt.date(2026, 3, 20)
    )
    assert set(hooks.ended_refs(org["a"], refs, APRIL)) == {"K-A3"}


def test_plan_and_meeting_flag_named_clients_who_already_exited(
    client, alice, maria, org, clients_a, today
):
    """K-A2 exited on 12 March, yet is named "to get out" in April: both pages say so."""
    services.plan_save(
        unit=org["a"], caseworker=alice, month=APRIL, target=2,
        clients=[("K-A1", "Praktik"), ("K-A2", "Jobb")], by=alice,
    )  # fmt: skip
    client.force_login(alice)
    page = client.get(reverse("goals:plan", args=["unit-a", "2026-04"])).content.decode()
    assert page.count('data-testid="already-ended"') == 1
    assert "har redan avslutats (2026-03-12)" in page
    client.force_login(maria)
    meeting = client.get(reverse("goals:meeting", args=["unit-a", "2026-04"])).content.decode()
    ended_url = reverse("cases:partial_ended_named", args=["unit-a", "2026-04"])
    assert ended_url in meeting  # composed by htmx: goals does not import cases
    part = client.get(ended_url, HTTP_HX_REQUEST="true").content.decode()
    assert part.count('data-testid="already-ended"') == 1
    assert "K-A2" in part and "har redan avslutats (2026-03-12)" in part and "K-A1" not in part
    assert "<html" in client.get(ended_url).content.decode()  # the no-JS path is a page
    # In March's plan (the month of the exit) nothing is flagged: that is the EOR working.
    services.plan_save(
        unit=org["a"], caseworker=alice, month=MARCH, target=1,
        clients=[("K-A2", "Jobb")], by=alice,
    )  # fmt: skip
    client.force_login(alice)
    march = client.get(reverse("goals:plan", args=["unit-a", "2026-03"])).content.decode()
    assert 'data-testid="already-ended"' not in march
