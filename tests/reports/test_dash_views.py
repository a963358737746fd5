"""The dashboards over HTTP, as each persona."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from reports.models import RefreshState
from tests.factories import CaseEventFactory
from tests.reports.dash_data import make_dash_data

pytestmark = pytest.mark.django_db

DASH = reverse("reports:dashboard")
OVERVIEW = reverse("reports:overview")
REPORT = reverse("reports:monthly_report")


@pytest.fixture
def data(org, alice, bob):
    return make_dash_data(org, caseworkers=(alice, bob))


def figure(response, chart_id):
    match = re.search(
        rf'<script id="{chart_id}" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, f"no data block {chart_id}"
    return json.loads(match.group(1))


def trace(fig, name):
    return next(t for t in fig["data"] if t["name"] == name)


def test_unit_dashboard_shows_exits_against_eor_goal_pace_and_record(client, data, maria):
    client.force_login(maria)
    response = client.get(DASH, {"unit": "unit-a", "year": "2018"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="ytd">17<' in page  # 3 + 12 + 2
    assert 'data-testid="goal">48<' in page  # 2 × 2017's 24
    assert 'data-testid="record">12<' in page
    assert "februari 2018" in page
    assert "Siffror per 2 januari 2019 03:04" in page  # computed_at, local time
    exits = figure(response, "fig-exits")
    assert exits["data"][0]["y"][:3] == [3, 12, 2]
    assert exits["data"][1]["y"][:2] == [5, 10]  # the revised EOR is the one in force
    assert exits["data"][2]["y"][0] == 7  # alice 3 + bob 4
    assert 'data-figure="fig-cumulative"' in page
    assert "vendor/plotly/plotly.min.js" in page
    assert "<script>" not in page  # no inline scripts (CSP)


def test_lead_time_dashboard_hides_small_medians_from_leadership(client, data, lena):
    client.force_login(lena)
    response = client.get(DASH, {"unit": "unit-a", "year": "2018", "indicator": "utredningstid"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "för få ärenden för att visa median" in page
    lead = figure(response, "fig-lead")
    assert trace(lead, "Median")["y"][:2] == [None, 10.5]  # January's n=3 is hidden
    assert trace(lead, "90:e percentil")["y"][:2] == [None, 20.25]
    assert trace(lead, "Avslutade (n)")["y"][:3] == [3, 12, 0]  # counts shown as they are
    assert "9,0" not in page and "17,2" not in page
    assert "10,5" in page  # February, n = 12


def test_unit_members_see_their_small_medians_in_full(client, data, maria):
    client.force_login(maria)
    response = client.get(DASH, {"unit": "unit-a", "year": "2018", "indicator": "utredningstid"})
    lead = figure(response, "fig-lead")
    assert trace(lead, "Median")["y"][:2] == [9.0, 10.5]
    assert "17,2" in response.content.decode()


def test_leadership_sees_aggregates_never_a_client(client, data, org, lena):
    event = CaseEventFactory(
        case__unit=org["a"], case__client__ref="K-77777", event_type="exit", reason="work"
    )
    client.force_login(lena)
    for url, params in (
        (DASH, {"unit": "unit-a", "year": "2018"}),
        (OVERVIEW, {"month": "2018-02"}),
        (REPORT, {"unit": "unit-a", "month": "2018-02"}),
    ):
        page = client.get(url, params).content.decode()
        assert "K-77777" not in page
        assert event.case.case_number not in page


def test_caseworker_of_another_unit_gets_404(client, data, carl):
    client.force_login(carl)
    assert client.get(DASH, {"unit": "unit-a"}).status_code == 404
    assert client.get(REPORT, {"unit": "unit-a"}).status_code == 404
    assert client.get(DASH, {"unit": "unit-b", "year": "2018"}).status_code == 200


def test_caseworker_has_no_overview(client, data, alice):
    client.force_login(alice)
    assert client.get(OVERVIEW).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, data):
    response = client.get(DASH)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_htmx_swaps_the_named_partial_and_plain_get_renders_the_page(client, data, maria):
    client.force_login(maria)
    params = {"unit": "unit-a", "year": "2018", "indicator": "utredningstid"}
    partial = client.get(DASH, params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dashboard")
    body = partial.content.decode()
    assert "<html" not in body
    assert 'id="fig-lead"' in body
    assert 'hx-push-url="true"' in body
    assert "HX-Request" in partial["Vary"]
    full = client.get(DASH, params)
    assert "<html" in full.content.decode() and 'id="dashboard"' in full.content.decode()
    assert "HX-Target" in full["Vary"]


def test_bad_parameters_are_answered_with_a_clear_400(client, data, maria):
    client.force_login(maria)
    response = client.get(DASH, {"unit": "unit-a", "year": "tjugo"})
    assert response.status_code == 400
    assert "årtal" in response.content.decode()
    response = client.get(DASH, {"unit": "unit-a", "indicator": "nope"})
    assert response.status_code == 400
    assert "Okänd indikator: nope" in response.content.decode()
    assert client.get(OVERVIEW, {"month": "2018-13"}).status_code == 400


def test_dashboard_warns_when_a_refresh_is_pending_or_failed(client, data, org, maria):
    client.force_login(maria)
    state = RefreshState.objects.get(unit=org["a"], month=dt.date(2018, 3, 1))
    state.status = RefreshState.Status.PENDING
    state.save(update_fields=["status"])
    page = client.get(DASH, {"unit": "unit-a", "year": "2018"}).content.decode()
    assert "En omräkning väntar eller pågår" in page
    state.status = RefreshState.Status.FAILED
    state.error = "boom"
    state.save(update_fields=["status", "error"])
    page = client.get(DASH, {"unit": "unit-a", "year": "2018"}).content.decode()
    assert "Den senaste omräkningen misslyckades" in page


def test_overview_tree_shows_every_unit_with_status_in_text(client, data, lena):
    client.force_login(lena)
    response = client.get(OVERVIEW, {"month": "2018-01", "lead": "utredningstid"})
    assert response.status_code == 200
    page = response.content.decode()
    rows = {
        code: page[page.index(f'data-unit="{code}"') :].split("</tr>")[0]
        for code in ("org", "unit-a", "unit-b")
    }
    assert "level-1" in page and "level-2" in page
    # unit-a: 3 exits against EOR 5; goal 48; projection 3 × 12 = 36 -> behind
    assert "Avslut till arbete eller studier ≥ 5: 3" in rows["unit-a"]
    assert "✗ Ej nådd" in rows["unit-a"]
    assert ">48<" in rows["unit-a"] and ">36<" in rows["unit-a"]
    assert "✗ Efter" in rows["unit-a"]
    assert "för få ärenden för att visa median" in rows["unit-a"]  # n=3, leadership
    assert "Inget mål" in rows["unit-b"]
    assert "Visa enheterna under Testkommunen" in rows["org"]  # drill-down
    feb = client.get(OVERVIEW, {"month": "2018-02"}).content.decode()
    row_a = feb[feb.index('data-unit="unit-a"') :].split("</tr>")[0]
    assert "≥ 10: 12" in row_a and "✓ Nådd" in row_a and "10,5 (12)" in row_a
    # The root made no decision: its EOR is the sum of those below (unit-a's 10), labelled.
    row_org = feb[feb.index('data-unit="org"') :].split("</tr>")[0]
    assert '<td class="num">12</td>' in row_org
    assert "(summa av gruppernas EOR) ≥ 10: 12" in row_org


def test_overview_drills_down_into_a_subtree_with_htmx(client, data, lena):
    client.force_login(lena)
    response = client.get(
        OVERVIEW,
        {"unit": "unit-a", "month": "2018-02"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="overview",
    )
    body = response.content.decode()
    assert "<html" not in body
    assert 'data-unit="unit-a"' in body and 'data-unit="unit-b"' not in body
    assert "Alla enheter" in body  # the way back up


def test_manager_overview_covers_only_managed_units(client, data, maria):
    client.force_login(maria)
    page = client.get(OVERVIEW, {"month": "2018-02"}).content.decode()
    assert 'data-unit="unit-a"' in page
    assert 'data-unit="unit-b"' not in page and 'data-unit="org"' not in page
    assert client.get(OVERVIEW, {"unit": "unit-b"}).status_code == 404


def test_printable_monthly_report(client, data, lena):
    client.force_login(lena)
    response = client.get(REPORT, {"unit": "unit-a", "month": "2018-01"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="month-exits">3<' in page
    assert 'data-testid="month-eor">5<' in page
    assert 'data-testid="month-ytd">3<' in page  # the year up to the reported month
    assert "Skriv ut" in page and "data-print" in page
    assert "css/print.css" in page
    assert "för få ärenden för att visa median" in page  # utredningstid n=3 for leadership


def test_navigation_offers_dashboards_by_role(client, data, alice, lena):
    client.force_login(alice)
    page = client.get(DASH).content.decode()
    assert re.search(r'href="/rapporter/"\s+aria-current="page">Instrumentpanel', page)
    assert "Översikt</a>" not in page
    client.force_login(lena)
    page = client.get(OVERVIEW).content.decode()
    assert re.search(r'href="/rapporter/oversikt/"\s+aria-current="page">Översikt', page)


def test_unit_dashboard_query_budget(client, data, maria, django_assert_max_num_queries):
    client.force_login(maria)
    with django_assert_max_num_queries(10):
        response = client.get(DASH, {"unit": "unit-a", "year": "2018"})
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        client.get(DASH, {"unit": "unit-a", "year": "2018", "indicator": "utredningstid"})


def test_overview_query_budget_does_not_grow_with_units(
    client, data, org, lena, django_assert_max_num_queries
):
    from tests.factories import UnitFactory

    for index in range(15):
        UnitFactory(code=f"extra-{index}", parent=org["b"])
    client.force_login(lena)
    # The month's restated follow-ups come with the units (none here: no more queries).
    with django_assert_max_num_queries(10):
        response = client.get(OVERVIEW, {"month": "2018-02"})
    assert response.status_code == 200
    assert response.content.decode().count("data-unit=") == 18


def test_plotly_is_served_from_the_plotly_package():
    import plotly

    found = finders.find("vendor/plotly/plotly.min.js")
    assert found
    assert Path(found) == Path(plotly.__file__).resolve().parent / "package_data/plotly.min.js"
    assert "plotly.js v" in Path(found).read_text(encoding="utf-8")[:200]
    # Only that file: not the package's 5 MB widget bundle or its data sets. (Our own
    # Swedish dictionary for it, static/vendor/plotly/plotly-locale-sv.js, is no package file.)
    listed = [path for finder in finders.get_finders() for path, _ in finder.list([])]
    assert [
        p
        for p in listed
        if p.endswith(".js") and ("plotly" in p or "widget" in p) and "locale" not in p
    ] == ["plotly.min.js"]


def test_collectstatic_and_whitenoise_serve_plotly_hashed_compressed_and_cached(
    settings, tmp_path, client
):
    """The production path: collectstatic copies the package's plotly.min.js under a hashed
    name, whitenoise serves it gzipped with far-future immutable caching."""
    from django.core.management import call_command
    from django.templatetags.static import static

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    url = static("vendor/plotly/plotly.min.js")
    assert re.fullmatch(r"/static/vendor/plotly/plotly\.min\.[0-9a-f]{12}\.js", url)
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
    assert int(response["Content-Length"]) < 2_000_000  # 4.8 MB bundle, about 1.5 MB gzipped


def test_manual_indicator_shows_the_units_own_values_against_its_goal(client, data, org, maria):
    from goals.models import Indicator, ManualValue, YearGoal

    absence = Indicator.objects.get(code="franvaro_skola")
    ManualValue.objects.create(
        unit=org["a"], indicator=absence, month=dt.date(2018, 2, 1), value="12.5"
    )
    YearGoal.objects.create(unit=org["a"], indicator=absence, year=2018, target=10)
    client.force_login(maria)
    response = client.get(DASH, {"unit": "unit-a", "year": "2018", "indicator": "franvaro_skola"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lägre är bättre" in page and "12,5" in page
    manual = figure(response, "fig-manual")
    assert manual["data"][0]["y"][:3] == [None, 12.5, None]
    assert manual["data"][1]["y"][0] == 10.0


def test_dashboard_says_when_months_were_never_computed(client, data, org, maria):
    RefreshState.objects.filter(unit=org["a"], month=dt.date(2018, 2, 1)).delete()
    client.force_login(maria)
    page = client.get(DASH, {"unit": "unit-a", "year": "2018"}).content.decode()
    assert "Vissa månader har inte beräknats ännu" in page
    RefreshState.objects.filter(unit=org["a"]).delete()
    page = client.get(DASH, {"unit": "unit-a", "year": "2018"}).content.decode()
    assert "Siffrorna har inte beräknats för den här perioden ännu." in page
