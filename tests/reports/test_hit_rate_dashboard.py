"""The forecast hit-rate dashboard over HTTP, as each persona (data: tests/reports/hit_data.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from reports import selectors
from tests.reports.hit_data import make_hit_data
from tests.reports.test_dash_views import figure, trace

pytestmark = pytest.mark.django_db

HIT = reverse("reports:hit_rate")
D = dt.date


@pytest.fixture
def data(org, alice, bob, carl):
    make_hit_data(org, alice, bob, carl)
    return org


def test_selector_counts_hits_in_the_named_month_wherever_the_client_exited(data):
    units = [data["root"], data["a"], data["b"]]
    hits = selectors.hit_rate_by_group(units, D(2018, 1, 1), D(2018, 12, 1))
    a, b = hits[data["a"].pk], hits[data["b"].pk]
    assert (a[D(2018, 1, 1)].named, a[D(2018, 1, 1)].hits) == (6, 4)
    assert (a[D(2018, 2, 1)].named, a[D(2018, 2, 1)].hits) == (2, 1)
    assert (b[D(2018, 3, 1)].named, b[D(2018, 3, 1)].hits) == (5, 5)
    assert data["root"].pk not in hits  # nobody planned at the root


def test_followup_and_hit_rate_partials_agree_on_a_named_client_who_exited_elsewhere(data):
    # K-A6, named by unit-a, exited from unit-b: a hit for unit-a, unforeseen for unit-b
    january = selectors.followup(data["a"], D(2018, 1, 1))
    assert [ref for ref, _ in january.named_exited] == ["K-A1", "K-A2", "K-A3", "K-A6"]
    assert "K-A6" in selectors.followup(data["b"], D(2018, 1, 1)).unforeseen
    _rows, group = selectors.hit_rate(data["a"], D(2018, 2, 1))
    assert (group.named, group.hits) == (6, 4)


def test_leadership_sees_rates_per_group_and_month_never_a_client(client, data, lena):
    client.force_login(lena)
    response = client.get(HIT, {"unit": "org", "year": "2018"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "67 % (4/6)" in page  # unit-a, January
    assert "100 % (5/5)" in page  # unit-b, March
    # February's 2 named clients are too few for leadership
    assert "för få namngivna klienter (2 namngivna)" in page
    assert "1/2" not in page
    assert "K-A" not in page and "K-B" not in page
    fig = figure(response, "fig-hit-rate")
    assert trace(fig, "Grupp A")["y"][:3] == [66.7, None, None]
    assert trace(fig, "Grupp B")["y"][:3] == [None, None, 100.0]
    assert "<script>" not in page


def test_unit_members_see_their_small_months_in_full(client, data, maria):
    client.force_login(maria)
    response = client.get(HIT, {"unit": "unit-a", "year": "2018"})
    page = response.content.decode()
    assert "50 % (1/2)" in page
    assert "för få namngivna klienter" not in page
    assert "Grupp B" not in page  # not maria's
    assert trace(figure(response, "fig-hit-rate"), "Grupp A")["y"][:2] == [66.7, 50.0]


def test_other_units_caseworker_gets_404(client, data, carl):
    client.force_login(carl)
    assert client.get(HIT, {"unit": "unit-a", "year": "2018"}).status_code == 404
    response = client.get(HIT, {"year": "2018"})  # defaults to carl's own unit
    assert "100 % (5/5)" in response.content.decode()


@pytest.mark.parametrize("year", ["2016", "2099"])  # before any plan; not begun yet
def test_a_year_without_named_clients_says_so(client, data, lena, year):
    client.force_login(lena)
    response = client.get(HIT, {"unit": "org", "year": year})
    assert response.status_code == 200
    assert 'data-testid="no-named"' in response.content.decode()


def test_bad_year_is_a_clear_400(client, data, lena):
    client.force_login(lena)
    response = client.get(HIT, {"year": "tjugo"})
    assert response.status_code == 400
    assert "Året måste vara ett årtal" in response.content.decode()


def test_htmx_swaps_the_named_partial(client, data, lena):
    client.force_login(lena)
    response = client.get(
        HIT,
        {"unit": "unit-b", "year": "2018"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="hit-rate-page",
    )
    page = response.content.decode()
    assert "<html" not in page
    assert "Träffsäkerhet i prognosen – Grupp B" in page
    assert "Grupp A" not in page.split("<table", 1)[1]


def test_dashboard_navigation_links_the_hit_rate(client, data, lena):
    client.force_login(lena)
    page = client.get(reverse("reports:dashboard"), {"unit": "org"}).content.decode()
    assert f'href="{HIT}?unit=org"' in page


def test_hit_rate_query_budget(client, data, lena, django_assert_max_num_queries):
    client.force_login(lena)
    with django_assert_max_num_queries(10):
        assert client.get(HIT, {"unit": "org", "year": "2018"}).status_code == 200
