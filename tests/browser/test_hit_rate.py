"""The forecast hit-rate dashboard in Chromium, as leadership and as a manager, over real
named clients and exits (tests/reports/hit_data.py), under the dashboards' strict CSP."""

from __future__ import annotations

import pytest

from tests.browser.test_dashboards import plotted, watch
from tests.reports.hit_data import make_hit_data

pytestmark = pytest.mark.browser


@pytest.fixture
def hits(org, personas):
    make_hit_data(org, personas["alice"], personas["bob"], personas["carl"])
    return org


def test_leadership_opens_the_tab_and_switches_year_and_unit(page, sign_in, hits):
    problems = watch(page)
    sign_in(page, "lena")
    page.goto("/rapporter/?unit=org")
    page.locator("nav.subnav").get_by_role("link", name="Träffsäkerhet").click()
    page.wait_for_url("**/rapporter/traffsakerhet/?unit=org")
    page.get_by_label("År").select_option("2018")
    page.wait_for_url("**year=2018*")  # htmx swapped the body and pushed the URL
    assert plotted(page, "#hit-rate-page") == 1
    table = page.get_by_test_id("hit-rate-table")
    rows = table.locator("tbody tr")
    assert "67 % (4/6)" in rows.nth(0).inner_text()  # January, Grupp A
    assert "för få namngivna klienter" in rows.nth(1).inner_text()  # February: 2 named
    assert "100 % (5/5)" in rows.nth(2).inner_text()  # March, Grupp B
    legend = page.locator("#hit-rate-page .js-plotly-plot .legend").text_content()
    assert "Grupp A" in legend and "Grupp B" in legend
    assert "K-A" not in page.content()
    page.get_by_label("Enhet").select_option("unit-b")
    page.wait_for_url("**unit=unit-b*")
    assert page.get_by_role("heading", level=1).inner_text().endswith("Grupp B")
    assert plotted(page, "#hit-rate-page") == 1
    assert "100 % (5/5)" in page.get_by_test_id("hit-rate-table").inner_text()
    assert problems == []


def test_manager_sees_the_small_month_of_their_own_unit(page, sign_in, hits):
    problems = watch(page)
    sign_in(page, "maria")
    page.goto("/rapporter/traffsakerhet/?unit=unit-a&year=2018")
    assert plotted(page, "#hit-rate-page") == 1
    rows = page.get_by_test_id("hit-rate-table").locator("tbody tr")
    assert "67 % (4/6)" in rows.nth(0).inner_text()
    assert "50 % (1/2)" in rows.nth(1).inner_text()
    assert problems == []
