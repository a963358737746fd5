"""A relative lead-time year goal on the lead-time dashboard: baseline year's POOLED median
× factor, drawn as the goal line (DESIGN.md "Year goal relative to a baseline")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from goals.models import Indicator, YearGoal
from reports import selectors
from tests.factories import CaseEventFactory, CaseFactory
from tests.reports.test_dash_views import figure, trace

pytestmark = pytest.mark.django_db

DASH = reverse("reports:dashboard")
D = dt.date


def lead(unit, days, decided):
    case = CaseFactory(unit=unit)
    CaseEventFactory(
        case=case, event_type="application_received", occurred_on=decided - dt.timedelta(days)
    )
    CaseEventFactory(case=case, event_type="decision", occurred_on=decided)


@pytest.fixture
def goal(org):
    """unit-a 2017 utredningstid: March 2, 4, 6 (monthly median 4), June 8, 10, 30 (10),
    September 9 (9). The pooled median of the seven is 8.0; a median of the monthly medians
    would say 9. unit-b's 100 days and a pair ending in 2018 stay out. Goal 2018: 0.5 × 2017."""
    a, b = org["a"], org["b"]
    for days in (2, 4, 6):
        lead(a, days, D(2017, 3, 15))
    for days in (8, 10, 30):
        lead(a, days, D(2017, 6, 15))
    lead(a, 9, D(2017, 9, 15))
    lead(b, 100, D(2017, 6, 15))
    lead(a, 50, D(2018, 1, 10))
    indicator = Indicator.objects.get(code="utredningstid")
    return YearGoal.objects.create(
        unit=a, indicator=indicator, year=2018, baseline_year=2017, factor="0.5"
    )


def test_baseline_is_the_pooled_median_of_the_year_in_the_subtree(org, goal):
    assert selectors.baseline_lead_time(org["a"], goal.indicator, 2017) == (7, 8.0)
    assert selectors.baseline_lead_time(org["root"], goal.indicator, 2017) == (8, 8.5)


def test_lead_dashboard_draws_the_relative_goal_line(client, goal, maria):
    client.force_login(maria)
    response = client.get(DASH, {"unit": "unit-a", "year": "2018", "indicator": "utredningstid"})
    page = response.content.decode()
    assert 'data-testid="goal">4<' in page  # 0.5 × 8.0
    assert "0,50 × medianen 2017 (8,0 dagar, n = 7)" in page
    line = trace(figure(response, "fig-lead"), "Årsmål (median)")
    assert line["y"] == [4.0] * 12


def test_leadership_gets_no_goal_line_over_too_few_baseline_durations(client, goal, lena, settings):
    settings.EOR_MIN_DURATIONS_FOR_PERCENTILES = 10
    client.force_login(lena)
    response = client.get(DASH, {"unit": "unit-a", "year": "2018", "indicator": "utredningstid"})
    page = response.content.decode()
    assert "0,50 × basårets median 2017: för få ärenden för att visa median" in page
    assert 'data-testid="goal"' not in page
    names = [t["name"] for t in figure(response, "fig-lead")["data"]]
    assert "Årsmål (median)" not in names


def test_lead_dashboard_with_a_relative_goal_keeps_its_query_budget(
    client, goal, lena, django_assert_max_num_queries
):
    client.force_login(lena)
    with django_assert_max_num_queries(10):
        response = client.get(
            DASH, {"unit": "unit-a", "year": "2018", "indicator": "utredningstid"}
        )
    assert 'data-testid="goal">4<' in response.content.decode()
