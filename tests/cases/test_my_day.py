"""Min dag: the caseworker's start page and its one-tap exit (issue 15)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import CaseEvent
from goals.models import IndividualTarget, NamedClient
from tests.factories import CaseEventFactory, CaseFactory
from trelleborg import months
from trelleborg.months import today

pytestmark = pytest.mark.django_db


def _plan(user, unit, *refs, target=None, month=None, action="Matchning mot jobb"):
    plan = IndividualTarget.objects.create(
        unit=unit,
        caseworker=user,
        month=month or months.current_month(),
        target=len(refs) if target is None else target,
    )
    for ref in refs:
        NamedClient.objects.create(target=plan, client_ref=ref, planned_action=action)
    return plan


@pytest.fixture
def day(org, alice, bob):
    """alice's plan names two clients of unit A; one case is bob's, one hers."""
    mine = CaseFactory(unit=org["a"], caseworker=alice, case_number="A-10", client__ref="K-10")
    other = CaseFactory(unit=org["a"], caseworker=bob, case_number="A-11", client__ref="K-11")
    start = max(months.current_month() - dt.timedelta(days=20), dt.date(2018, 1, 1))
    for case in (mine, other):
        CaseEventFactory(case=case, event_type="application_received", occurred_on=start)
    _plan(alice, org["a"], "K-10", "K-11", target=3)
    return {"mine": mine, "other": other}


def test_caseworker_start_page_is_min_dag(client, alice, day):
    client.force_login(alice)
    body = client.get("/").content.decode()
    assert "Min dag" in body
    assert "K-10" in body and "K-11" in body
    assert 'data-figure="target">3<' in body
    assert 'data-figure="exits">0<' in body
    assert body.count("Inte avslutad") == 2


@pytest.mark.parametrize("persona", ["maria", "lena", "ada"])
def test_others_keep_their_start_page(client, request, persona, org):
    client.force_login(request.getfixturevalue(persona))
    body = client.get("/").content.decode()
    assert "Välkommen" in body and "Min dag" not in body.split("<main")[-1]


def test_one_tap_then_one_confirmation_stores_the_exit(client, alice, day):
    client.force_login(alice)
    body = client.get("/").content.decode()
    url = reverse("cases:my_day_exit", args=[day["mine"].pk])
    assert f"{url}?orsak=work" in body
    # the tap: the confirmation, reason preselected, htmx partial in place
    confirm = client.get(url, {"orsak": "work"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in confirm and "A-10" in confirm
    assert (
        'value="work" id="quick-' in confirm and "checked" in confirm.split('value="work"')[1][:60]
    )
    key = confirm.split('name="submission_key" value="')[1].split('"')[0]
    data = {"reason": "work", "occurred_on": today().isoformat(), "submission_key": key}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse("cases:my_day")
    # the same confirmation posted again (double tap, reload) stores nothing more
    client.post(url, data)
    event = CaseEvent.objects.exits().get()
    assert (event.case, event.reason, event.recorded_by, event.source) == (
        day["mine"],
        "work",
        alice,
        "page",
    )
    body = client.get("/").content.decode()
    assert 'data-figure="exits">1<' in body
    assert "Avslutad: Arbete" in body and body.count("Inte avslutad") == 1


def test_reason_preselected_from_planned_action(client, alice, org):
    case = CaseFactory(unit=org["a"], caseworker=alice, client__ref="K-20")
    _plan(alice, org["a"], "K-20", action="Anmälan till Komvux i augusti")
    client.force_login(alice)
    body = client.get("/").content.decode()
    assert reverse("cases:my_day_exit", args=[case.pk]) + "?orsak=studies" in body


def test_quick_exit_goes_through_scope(client, carl, day):
    client.force_login(carl)
    url = reverse("cases:my_day_exit", args=[day["mine"].pk])
    assert client.get(url).status_code == 404
    response = client.post(url, {"reason": "work", "occurred_on": today().isoformat()})
    assert response.status_code == 404
    assert not CaseEvent.objects.exits().exists()


def test_quick_exit_refuses_a_future_date(client, alice, day):
    client.force_login(alice)
    url = reverse("cases:my_day_exit", args=[day["mine"].pk])
    future = today() + dt.timedelta(days=3)
    response = client.post(url, {"reason": "work", "occurred_on": future.isoformat()})
    assert response.status_code == 200
    assert "framtiden" in response.content.decode()
    assert not CaseEvent.objects.exits().exists()


def test_other_exits_and_what_is_due(client, alice, bob, org, day):
    other = CaseFactory(unit=org["a"], caseworker=bob, case_number="A-99", client__ref="K-99")
    CaseEventFactory(case=other, event_type="exit", reason="studies", occurred_on=today())
    hidden = CaseFactory(unit=org["b"], case_number="B-99", client__ref="K-98")
    CaseEventFactory(case=hidden, event_type="exit", reason="work", occurred_on=today())
    client.force_login(alice)
    body = client.get("/").content.decode()
    assert "A-99" in body and "B-99" not in body
    upcoming = months.format_month(months.add_months(months.current_month(), 1))
    assert reverse("goals:plan", args=["unit-a", upcoming]) in body
    assert "inte klar" in body
    _plan(alice, org["a"], month=months.add_months(months.current_month(), 1))
    assert "inte klar" not in client.get("/").content.decode()


def test_min_dag_is_for_caseworkers(client, maria, lena):
    client.force_login(lena)
    assert client.get(reverse("cases:my_day")).status_code == 404


def test_exits_i_logged_link_to_their_correction(client, alice, bob, org, day):
    from cases import services

    mine = services.exit_log(case=day["mine"], reason="work", by=alice)
    theirs = CaseFactory(unit=org["a"], caseworker=bob, case_number="A-77")
    theirs_exit = services.exit_log(case=theirs, reason="work", by=bob)
    client.force_login(alice)
    body = client.get("/").content.decode()
    assert reverse("cases:amend_exit", args=[day["mine"].pk, mine.pk]) in body
    assert reverse("cases:amend_exit", args=[theirs.pk, theirs_exit.pk]) not in body


def test_min_dag_query_count_does_not_grow_with_clients(
    client, alice, org, django_assert_max_num_queries, page_query_budget
):
    refs = [f"K-{n:03d}" for n in range(25)]
    for n, ref in enumerate(refs):
        case = CaseFactory(unit=org["a"], caseworker=alice, client__ref=ref)
        if n % 2:
            CaseEventFactory(case=case, event_type="exit", reason="work", occurred_on=today())
    _plan(alice, org["a"], *refs)
    client.force_login(alice)
    with django_assert_max_num_queries(page_query_budget):
        body = client.get("/").content.decode()
    assert body.count("Inte avslutad") == 13
