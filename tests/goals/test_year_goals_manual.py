from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import Indicator, ManualValue, YearGoal
from tests.goals.conftest import FEBRUARY

pytestmark = pytest.mark.django_db


def goals_url(unit="unit-a", year=2026):
    return reverse("goals:year_goals", args=[unit, year])


def manual_url(unit="unit-a", month="2026-02"):
    return reverse("goals:manual_values", args=[unit, month])


@pytest.fixture
def as_maria(client, maria, today):
    client.force_login(maria)
    return client


def indicator(code):
    return Indicator.objects.get(code=code)


def test_absolute_year_goal(as_maria, org, maria):
    response = as_maria.post(
        goals_url(), {"indicator": indicator("avslut").pk, "mode": "absolute", "target": "120"}
    )
    assert response.status_code == 302
    goal = YearGoal.objects.get()
    assert goal.target == Decimal("120") and goal.set_by == maria
    assert "120" in as_maria.get(goals_url()).content.decode()


def test_relative_year_goal_shows_factor_and_baseline(as_maria):
    as_maria.post(
        goals_url(),
        {
            "indicator": indicator("utredningstid").pk,
            "mode": "relative",
            "baseline_year": "2017",
            "factor": "0.5",
            "baseline_value": "14",
            "baseline_source": "Procapita 2017",
        },
    )
    goal = YearGoal.objects.get()
    assert (goal.baseline_year, goal.factor, goal.target) == (2017, Decimal("0.5"), None)
    body = as_maria.get(goals_url()).content.decode()
    assert "0,5 × värdet 2017" in body or "0.5 × värdet 2017" in body


def test_saving_again_replaces_the_goal(as_maria):
    pk = indicator("avslut").pk
    as_maria.post(goals_url(), {"indicator": pk, "mode": "absolute", "target": "100"})
    as_maria.post(
        goals_url(),
        {
            "indicator": pk,
            "mode": "relative",
            "baseline_year": "2017",
            "factor": "2",
            "baseline_value": "40",
            "baseline_source": "Gamla systemet",
        },
    )
    goal = YearGoal.objects.get()
    assert goal.target is None and goal.factor == Decimal("2")


@pytest.mark.parametrize(
    "data",
    [
        {"mode": "absolute", "target": "-5"},
        {"mode": "absolute", "target": ""},
        {"mode": "absolute", "target": "99999999"},
        {"mode": "relative", "baseline_year": "2030", "factor": "2"},
        {"mode": "relative", "baseline_year": "2017", "factor": "0"},
        {"mode": "relative", "baseline_year": "2017", "factor": "500"},
        {"mode": "relative", "baseline_year": "", "factor": "2"},
    ],
)
def test_bad_year_goals_are_refused(as_maria, data):
    response = as_maria.post(goals_url(), {"indicator": indicator("avslut").pk, **data})
    assert response.status_code == 200
    assert not YearGoal.objects.exists()


@pytest.mark.parametrize("persona", ["alice", "lena", "carl"])
def test_only_managers_set_year_goals(client, personas, persona, today):
    client.force_login(personas[persona])
    response = client.post(
        goals_url(), {"indicator": indicator("avslut").pk, "mode": "absolute", "target": "1"}
    )
    assert response.status_code == 404
    assert not YearGoal.objects.exists()


def test_manager_cannot_set_goal_for_other_unit(as_maria):
    response = as_maria.post(
        goals_url("unit-b"),
        {"indicator": indicator("avslut").pk, "mode": "absolute", "target": "1"},
    )
    assert response.status_code == 404


def test_manual_value_is_entered(as_maria, org):
    response = as_maria.post(
        manual_url(), {"indicator": indicator("franvaro_skola").pk, "value": "12.5"}
    )
    assert response.status_code == 302
    row = ManualValue.objects.get()
    assert (row.unit, row.month, row.value) == (org["a"], FEBRUARY, Decimal("12.5"))
    assert "12,5" in as_maria.get(manual_url()).content.decode()


@pytest.mark.parametrize("value", ["-1", "100.01", "abc"])
def test_percent_outside_0_to_100_is_refused(as_maria, value):
    response = as_maria.post(
        manual_url(), {"indicator": indicator("franvaro_skola").pk, "value": value}
    )
    assert response.status_code == 200
    assert not ManualValue.objects.exists()


def test_manual_value_for_a_computed_indicator_is_refused(as_maria):
    response = as_maria.post(manual_url(), {"indicator": indicator("avslut").pk, "value": "3"})
    assert response.status_code == 200
    assert not ManualValue.objects.exists()


def test_manual_value_for_a_future_month_is_refused(as_maria):
    response = as_maria.post(
        manual_url(month="2026-05"), {"indicator": indicator("franvaro_skola").pk, "value": "3"}
    )
    assert "inte börjat" in response.content.decode()
    assert not ManualValue.objects.exists()


@pytest.mark.parametrize("persona", ["alice", "lena"])
def test_only_managers_enter_manual_values(client, personas, persona, today):
    client.force_login(personas[persona])
    response = client.post(
        manual_url(), {"indicator": indicator("franvaro_skola").pk, "value": "3"}
    )
    assert response.status_code == 404
    assert not ManualValue.objects.exists()


# --- A relative goal needs a baseline year with data, or a baseline entered by hand ---------


def relative(code="avslut", **extra):
    return {"indicator": indicator(code).pk, "mode": "relative", "baseline_year": "2017",
            "factor": "2", **extra}  # fmt: skip


def test_a_relative_goal_on_a_base_year_without_data_is_refused(as_maria):
    response = as_maria.post(goals_url(), relative())
    body = response.content.decode()
    assert response.status_code == 200 and not YearGoal.objects.exists()
    assert "Basåret 2017 har inga data" in body and "för hand" in body


def test_a_hand_entered_baseline_needs_its_source(as_maria):
    response = as_maria.post(goals_url(), relative(baseline_value="30"))
    assert response.status_code == 200 and not YearGoal.objects.exists()
    assert "Ange varifrån basvärdet kommer" in response.content.decode()


def test_a_hand_entered_baseline_is_saved_and_the_page_says_so(as_maria):
    response = as_maria.post(
        goals_url(), relative(baseline_value="30", baseline_source="Procapita, årsrapport 2017")
    )
    assert response.status_code == 302
    goal = YearGoal.objects.get()
    assert (goal.baseline_value, goal.baseline_source) == (
        Decimal("30"),
        "Procapita, årsrapport 2017",
    )
    body = as_maria.get(goals_url()).content.decode()
    assert "inmatat för hand" in body and "Procapita, årsrapport 2017" in body
    from reports.figures import exits_goal

    assert exits_goal(goal, 0).target == 60.0  # the entered baseline, not EOR's empty year


def test_a_base_year_with_data_is_computed_and_the_page_says_so(as_maria, org):
    from reports.compute import recompute
    from reports.models import RollupRun
    from tests.factories import CaseEventFactory, CaseFactory

    case = CaseFactory(unit=org["a"])
    CaseEventFactory(case=case, event_type="application_received", occurred_on=dt.date(2017, 2, 1))
    CaseEventFactory(case=case, event_type="exit", reason="work", occurred_on=dt.date(2017, 5, 3))
    recompute(trigger=RollupRun.Trigger.COMMAND)
    assert as_maria.post(goals_url(), relative()).status_code == 302
    goal = YearGoal.objects.get()
    assert goal.baseline_value is None
    assert "beräknas ur händelserna" in as_maria.get(goals_url()).content.decode()


def test_leadership_sets_the_administrations_year_goals_and_nothing_else(client, lena, org, today):
    client.force_login(lena)
    data = {"indicator": indicator("avslut").pk, "mode": "absolute", "target": "300"}
    assert client.get(goals_url("org")).status_code == 200
    assert client.post(goals_url("org"), data).status_code == 302
    assert YearGoal.objects.get().unit == org["root"]
    assert client.get(goals_url("unit-a")).status_code == 404
    assert client.post(goals_url("unit-a"), data).status_code == 404
    assert client.get(reverse("goals:year_goals_start")).url == goals_url("org", 2026)
    assert YearGoal.objects.count() == 1


def test_leadership_below_the_root_sets_no_year_goals(client, org):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username="lea")
    MembershipFactory(user=user, unit=org["a"], role="leadership")
    client.force_login(user)
    data = {"indicator": indicator("avslut").pk, "mode": "absolute", "target": "3"}
    assert client.post(goals_url("unit-a"), data).status_code == 404
    assert client.post(goals_url("org"), data).status_code == 404
    assert not YearGoal.objects.exists()
