"""Each dashboard in Chromium, as leadership and as a manager, over real figures.

The figures come from case events computed into rollups by the reports computation (not
hand-made rows), and every page is served with a strict CSP (default-src, script-src and style-src 'self':
no 'unsafe-eval', no 'unsafe-inline') added to the document response: plotly must render
without eval, inline scripts or injected styles, and the console must stay free of errors.
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps

from goals.models import GroupDecision, Indicator, YearGoal
from reports.compute import recompute
from tests.factories import CaseEventFactory, CaseFactory

pytestmark = pytest.mark.browser

# No 'unsafe-inline' and no 'unsafe-eval' anywhere: plotly's styles come from a file too
# (reports/plotly_css.py).
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'"
D = dt.date


@pytest.fixture
def figures_2018(org, personas):
    """unit-a 2018: January 3 exits (2 work, 1 studies), February 6 (the record), EOR 4 in
    January; utredningstid for 6 cases decided in February: 2, 4, 6, 8, 10, 30 days
    (median 7.0). Year goal 60 exits."""
    # Browser tests run on a flushed (transactional) database: put the built-in indicators
    # of the data migration back.
    importlib.import_module("goals.migrations.0002_seed_indicators").seed(django_apps, None)
    a = org["a"]
    for day, reason in ((10, "work"), (12, "work"), (20, "studies")):
        CaseEventFactory(
            case=CaseFactory(unit=a), event_type="exit", occurred_on=D(2018, 1, day), reason=reason
        )
    for day in range(1, 7):
        CaseEventFactory(
            case=CaseFactory(unit=a), event_type="exit", occurred_on=D(2018, 2, day), reason="work"
        )
    for days in (2, 4, 6, 8, 10, 30):
        case = CaseFactory(unit=a)
        decided = D(2018, 2, 28)
        CaseEventFactory(
            case=case,
            event_type="application_received",
            occurred_on=decided - dt.timedelta(days=days),
        )
        CaseEventFactory(case=case, event_type="decision", occurred_on=decided)
    GroupDecision.objects.create(unit=a, month=D(2018, 1, 1), eor=4, rationale="Vi satsar")
    YearGoal.objects.create(
        unit=a, indicator=Indicator.objects.get(code="avslut"), year=2018, target=60
    )
    recompute(trigger="command", first_month=D(2017, 1, 1), last_month=D(2018, 12, 1))
    return org


def watch(page) -> list[str]:
    """Serve documents with the strict CSP; collect console errors and page errors."""
    problems: list[str] = []

    def add_csp(route):
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": CSP}
        route.fulfill(response=response, headers=headers)

    page.route(
        lambda url: "/rapporter/" in url,
        lambda route: (
            add_csp(route) if route.request.resource_type == "document" else route.continue_()
        ),
    )
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


def plotted(page, selector: str = "#dashboard") -> int:
    page.wait_for_selector(f"{selector} .js-plotly-plot .main-svg")
    return page.locator(f"{selector} .js-plotly-plot").count()


def test_leadership_unit_dashboard_renders_real_figures_under_strict_csp(
    page, sign_in, figures_2018
):
    problems = watch(page)
    sign_in(page, "lena")
    page.goto("/rapporter/?unit=unit-a&year=2018")
    assert plotted(page) == 2
    assert page.get_by_test_id("ytd").inner_text() == "9"
    assert page.get_by_test_id("goal").inner_text() == "60"
    assert page.get_by_test_id("record").inner_text() == "6"
    # The bars carry the figures, the record bar its label.
    bars = page.locator("#dashboard .js-plotly-plot").first
    assert "Rekord" in bars.inner_text()
    # Hovering shows the mode bar and the hover label: still no injected style.
    bars.locator(".nsewdrag").first.hover()
    page.wait_for_selector("#dashboard .hoverlayer *", state="attached")
    bars.locator(".modebar-btn").first.hover()
    # The same figures are in the data table for screen readers.
    page.get_by_text("Visa siffrorna som tabell").first.click()
    table = page.locator("details.data-table table").first
    assert "Januari" in table.inner_text() and "Ej nådd" in table.inner_text()
    assert problems == []


def test_switching_indicator_swaps_the_partial_and_replots(page, sign_in, figures_2018):
    problems = watch(page)
    sign_in(page, "lena")
    page.goto("/rapporter/?unit=unit-a&year=2018")
    plotted(page)
    page.get_by_label("Indikator").select_option("utredningstid")
    page.wait_for_selector("#fig-lead", state="attached")
    assert plotted(page) == 1
    assert "indicator=utredningstid" in page.url  # hx-push-url
    page.get_by_text("Visa siffrorna som tabell").click()
    rows = page.locator("details.data-table tbody tr")
    february = rows.nth(1).inner_text()
    assert "6" in february and "7,0" in february  # n = 6, median 7 days: shown (n >= 5)
    assert page.locator("nav[aria-label=Huvudmeny] [aria-current=page]").inner_text() == (
        "Instrumentpanel"
    )
    assert problems == []


def test_manager_sees_overview_and_prints_the_monthly_report(page, sign_in, figures_2018):
    problems = watch(page)
    page.add_init_script("window.print = () => { window.__printed = true; };")
    sign_in(page, "maria")
    page.goto("/rapporter/oversikt/?month=2018-01")
    row = page.locator('tr[data-unit="unit-a"]')
    text = row.inner_text()
    assert "≥ 4: 3" in text and "Ej nådd" in text and "60" in text
    page.goto("/rapporter/manadsrapport/?unit=unit-a&month=2018-02")
    assert page.get_by_test_id("month-exits").inner_text() == "6"
    plotted(page, ".monthly-report")
    button = page.get_by_role("button", name="Skriv ut")
    button.click()
    assert page.evaluate("window.__printed") is True
    assert problems == []


def test_leadership_overview_drills_down_without_a_full_reload(page, sign_in, figures_2018):
    problems = watch(page)
    sign_in(page, "lena")
    page.goto("/rapporter/oversikt/?month=2018-02")
    assert page.locator('tr[data-unit="unit-b"]').count() == 1
    page.evaluate("window.__same_page = true")
    page.get_by_role("link", name="Visa enheterna under Testkommunen").click()
    page.wait_for_url("**/oversikt/?unit=org*")
    assert page.evaluate("window.__same_page") is True  # swapped by htmx, not reloaded
    assert "6" in page.locator('tr[data-unit="unit-a"]').inner_text()
    assert problems == []
