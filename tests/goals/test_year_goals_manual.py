from __future__ import annotations

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
        goals_url(), {"indicator": pk, "mode": "relative", "baseline_year": "2017", "factor": "2"}
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
