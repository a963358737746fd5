"""Query budgets of the four busiest pages on generated data (the benchmark's users).

The page owners' tests hold the budgets on small fixtures; these hold them on the shape the
benchmarks measure (`generate_synthetic`, rollups computed, the largest group's people), so a
query that grows with units, cases, plans or months fails CI rather than only a benchmark.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from bench import synthetic
from bench.pages import pick_users
from reports.compute import recompute
from trelleborg.months import current_month, format_month


@pytest.fixture
def generated(db):
    synthetic.generate(preset="tiny", seed=5, months=14, log=lambda _: None)
    recompute(trigger="command")
    return pick_users()


@pytest.mark.parametrize("htmx", [False, True])
def test_busiest_pages_stay_within_their_query_budget(
    client, generated, htmx, django_assert_max_num_queries, page_query_budget
):
    (leader, root), (manager, group), worker = generated
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    month = format_month(current_month())
    pages = [
        (leader, reverse("reports:dashboard"), {"unit": root.code}, "dashboard"),
        (leader, reverse("reports:overview"), {}, "overview"),
        (
            manager,
            reverse("goals:meeting", kwargs={"unit_code": group.code, "month": month}),
            {},
            None,
        ),
        (worker, reverse("cases:my_cases"), {}, "case-rows"),
        (worker, reverse("cases:my_cases"), {"mine": "1", "page": "2"}, "case-rows"),
    ]
    for user, url, params, target in pages:
        client.force_login(user)
        extra = {**headers, "HTTP_HX_TARGET": target} if htmx and target else headers
        with django_assert_max_num_queries(page_query_budget):
            response = client.get(url, params, **extra)
        assert response.status_code == 200, url


def test_the_benchmark_users_see_real_figures(client, generated):
    """The budget test above is only worth something if the pages show data."""
    (leader, root), (manager, group), worker = generated
    client.force_login(worker)
    body = client.get(reverse("cases:my_cases")).content.decode()
    assert "K-" in body  # pseudonymous client references listed
    client.force_login(leader)
    body = client.get(reverse("reports:overview")).content.decode()
    assert group.name in body or group.code in body


def test_overview_reads_year_goals_and_their_baselines_in_one_query(
    client, generated, django_assert_max_num_queries
):
    """The overview asked the baseline years' totals in a query of their own (11 on
    PostgreSQL, over issue 7's budget); they now come with the year goals. It writes no
    access log, so the budget is 10 on both databases."""
    from goals.models import Indicator, Membership, YearGoal
    from reports import figures
    from trelleborg.vocabulary import Role

    (leader, root), _group, _worker = generated
    year = current_month().year
    exits = Indicator.objects.get(code="avslut")
    assert YearGoal.objects.filter(unit=root, year=year, baseline_year__isnull=False).exists()
    client.force_login(leader)
    client.get(reverse("reports:overview"))  # warm (first request's one-off lookups)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("reports:overview"))
    assert response.status_code == 200

    # The same totals as year_totals (one query per baseline year set) gave the page before.
    units = [m.unit for m in Membership.objects.filter(user=leader, role=Role.LEADERSHIP)]
    goals = figures.year_goals_with_baselines(units, exits, year)
    baselines = figures.year_totals(units, exits, {g.baseline_year for g in goals.values()})
    assert goals[root.pk].baseline_total == baselines.get((root.pk, goals[root.pk].baseline_year))
    assert goals[root.pk].baseline_total > 0
