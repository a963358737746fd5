"""The partials the goals pages compose: figures, access (404), htmx vs full page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import GroupDecision, Indicator, IndividualTarget, NamedClient, YearGoal
from reports import selectors
from reports.compute import recompute
from tests.factories import CaseEventFactory, CaseFactory, ClientFactory

D = dt.date
pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def data(org, alice, bob, time_machine):
    time_machine.move_to(dt.datetime(2018, 7, 10, 12, tzinfo=dt.UTC))
    a = org["a"]

    def exit_(ref, day, reason="work", unit=a):
        client = ClientFactory(organisation=org["root"], ref=ref)
        case = CaseFactory(unit=unit, client=client)
        CaseEventFactory(case=case, event_type="exit", reason=reason, occurred_on=day)

    exit_("K-00001", D(2018, 1, 10))
    exit_("K-00002", D(2018, 1, 11), "studies")
    exit_("K-00003", D(2018, 1, 12))
    exit_("K-00004", D(2018, 2, 1))
    exit_("K-00005", D(2018, 5, 3))
    exit_("K-00006", D(2018, 5, 4))
    exit_("K-00007", D(2018, 5, 9), "moved")
    exit_("K-00008", D(2018, 5, 9), unit=org["b"])
    exit_("K-00009", D(2017, 3, 3))
    GroupDecision.objects.create(unit=a, month=D(2018, 5, 1), eor=3, rationale="r")
    t1 = IndividualTarget.objects.create(unit=a, caseworker=alice, month=D(2018, 5, 1), target=2)
    t2 = IndividualTarget.objects.create(unit=a, caseworker=bob, month=D(2018, 5, 1), target=1)
    NamedClient.objects.create(target=t1, client_ref="K-00005", planned_action="x")
    NamedClient.objects.create(target=t1, client_ref="K-00010", planned_action="x")
    NamedClient.objects.create(target=t2, client_ref="K-00007", planned_action="x")  # moved
    avslut = Indicator.objects.get(code="avslut")
    YearGoal.objects.create(
        unit=a, indicator=avslut, year=2018, baseline_year=2017, factor=Decimal("10")
    )
    recompute(trigger="command")
    return org


def test_recent_outcomes_show_six_months_of_exits_eor_and_targets(client, maria, data):
    client.force_login(maria)
    url = reverse("reports:partial_recent_outcomes", args=["unit-a", "2018-07"])
    rows = selectors.recent_outcomes(data["a"], D(2018, 7, 1))
    assert [(r.month.month, r.exits, r.eor, r.targets_sum) for r in rows] == [
        (1, 3, None, None),
        (2, 1, None, None),
        (3, 0, None, None),
        (4, 0, None, None),
        (5, 2, 3, 3),
        (6, 0, None, None),
    ]
    response = client.get(url, **HX)
    assert response.status_code == 200
    assert b"<html" not in response.content and b'data-testid="recent-outcomes"' in response.content
    full = client.get(url)
    assert b"<html" in full.content and b'data-testid="recent-outcomes"' in full.content


def test_record_month_and_pace(client, lena, data):
    client.force_login(lena)  # leadership: aggregates are fine
    assert selectors.record_month(data["a"]) == (D(2018, 1, 1), 3)
    response = client.get(reverse("reports:partial_record_month", args=["unit-a"]), **HX)
    assert "januari 2018" in response.content.decode()
    pace = selectors.pace(data["a"], D(2018, 7, 1))
    # goal: 2017's 1 exit x 10 = 10; Jan-Jun: 6; 6 months left need 4/6; projection 12
    assert (pace.goal, pace.year_to_date, pace.remaining_months) == (10.0, 6, 6)
    assert pace.needed_per_month == pytest.approx(4 / 6) and pace.projected == 12.0
    response = client.get(reverse("reports:partial_pace", args=["unit-a", "2018-07"]), **HX)
    assert response.status_code == 200 and b'data-testid="pace"' in response.content


def test_baseline_gives_pooled_value_and_the_resulting_target(client, maria, data):
    client.force_login(maria)
    response = client.get(
        reverse("reports:partial_baseline", args=["unit-a", "avslut", 2017]), **HX
    )
    text = response.content.decode()
    assert "Basår 2017: 1 avslut" in text and "= 10,0" in text


def test_baseline_lead_time_is_the_pooled_median_of_the_year(org, maria):
    lead = Indicator.objects.get(code="utredningstid")
    for unit, days in [(org["a"], 2), (org["a"], 4), (org["b"], 30)]:
        case = CaseFactory(unit=unit)
        CaseEventFactory(case=case, event_type="application_received", occurred_on=D(2017, 3, 1))
        CaseEventFactory(
            case=case, event_type="decision", occurred_on=D(2017, 3, 1) + dt.timedelta(days=days)
        )
    assert selectors.baseline_lead_time(org["root"], lead, 2017) == (3, 4.0)
    assert selectors.baseline_lead_time(org["a"], lead, 2017) == (2, 3.0)
    assert selectors.baseline_lead_time(org["a"], lead, 2018) == (0, None)


def test_followup_lists_named_clients_who_exited_and_unforeseen_exits(client, maria, data):
    client.force_login(maria)
    f = selectors.followup(data["a"], D(2018, 5, 1))
    assert (f.exits, f.eor, f.targets_sum) == (2, 3, 3)
    assert [ref for ref, _ in f.named_exited] == ["K-00005"]
    assert [ref for ref, _ in f.named_not_exited] == ["K-00007", "K-00010"]  # moved: not counted
    assert f.unforeseen == ["K-00006"]
    assert sorted((r.caseworker.username, r.named, r.hits) for r in f.per_caseworker) == [
        ("alice", 2, 1),
        ("bob", 1, 0),
    ]
    response = client.get(reverse("reports:partial_followup", args=["unit-a", "2018-05"]), **HX)
    assert b"K-00006" in response.content


def test_hit_rate_over_the_last_twelve_months(client, alice, data):
    client.force_login(alice)
    rows, group = selectors.hit_rate(data["a"], D(2018, 7, 1))
    assert (group.named, group.hits) == (3, 1)
    response = client.get(reverse("reports:partial_hit_rate", args=["unit-a"]), **HX)
    assert response.status_code == 200 and b"33 %" in response.content


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("partial_recent_outcomes", ["unit-a", "2018-07"]),
        ("partial_record_month", ["unit-a"]),
        ("partial_pace", ["unit-a", "2018-07"]),
        ("partial_baseline", ["unit-a", "avslut", 2017]),
        ("partial_followup", ["unit-a", "2018-05"]),
        ("partial_hit_rate", ["unit-a"]),
    ],
)
def test_partials_are_not_found_out_of_reach(client, carl, data, name, args):
    client.force_login(carl)  # caseworker in unit B
    assert client.get(reverse(f"reports:{name}", args=args), **HX).status_code == 404


@pytest.mark.parametrize("name", ["partial_followup", "partial_hit_rate"])
def test_leadership_never_sees_client_level_partials(client, lena, data, name):
    client.force_login(lena)
    args = ["unit-a", "2018-05"] if name == "partial_followup" else ["unit-a"]
    assert client.get(reverse(f"reports:{name}", args=args), **HX).status_code == 404


def test_bad_month_is_not_found(client, maria, data):
    client.force_login(maria)
    url = reverse("reports:partial_pace", args=["unit-a", "2018-13"])
    assert client.get(url, **HX).status_code == 404
