"""The comparison and decisions pages: access, small numbers, the 12-month rule, htmx."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from goals.models import Indicator
from integrations.kolada import load_saved_response
from integrations.models import ComparisonGroup, ComparisonMember, YearLeadTime
from integrations.services import kolada_values_import

DEMO = Path(__file__).resolve().parents[2] / "integrations" / "fixtures" / "kolada_demo.json"
COMPARISON = reverse("integrations:comparison")
DECISIONS = reverse("integrations:decisions")


@pytest.fixture
def kolada(org):
    root = org["root"]
    root.municipality_code = "1287"
    root.save(update_fields=["municipality_code"])
    group = ComparisonGroup.objects.create(organisation=root, municipality_name="Trelleborg")
    ComparisonMember.objects.create(group=group, code="1286", name="Ystad", sort_order=1)
    ComparisonMember.objects.create(group=group, code="1282", name="Landskrona", sort_order=2)
    kolada_values_import(
        values=load_saved_response(DEMO.read_text(encoding="utf-8")),
        kpis=["N31807", "N31814", "U31402"],
        years=range(2017, 2025),
        municipalities=["1287", "1286", "1282"],
    )
    utredningstid = Indicator.objects.get(code="utredningstid")
    YearLeadTime.objects.create(
        unit=root, indicator=utredningstid, year=2018, n=40, median=3.5, p90=9
    )
    YearLeadTime.objects.create(
        unit=org["a"], indicator=utredningstid, year=2018, n=3, median=7.0, p90=9
    )
    return org


def test_leadership_sees_own_figures_beside_kolada(client, lena, kolada):
    client.force_login(lena)
    response = client.get(COMPARISON)
    assert response.status_code == 200
    page = response.content.decode()
    kpi = next(k for k in response.context["kpis"] if k["code"] == "U31402")
    row = next(r for r in kpi["rows"] if r["year"] == 2018)
    assert row["own"].value == 3.5
    assert [float(v) for v in row["places"]] == [4.0, 12.0, 19.0]  # Trelleborg, Ystad, Landskrona
    assert row["group"] == pytest.approx(15.5)  # unweighted mean of Ystad and Landskrona
    assert "Trelleborg" in page and "Ystad" in page and "Källa" in page
    assert 'id="chart-U31402"' in page  # the JSON data block charts.js plots
    assert "<script>" not in page  # no inline scripts


def test_own_median_over_few_cases_is_hidden_from_leadership_but_not_the_unit(
    client, lena, alice, kolada
):
    client.force_login(lena)
    response = client.get(COMPARISON, {"unit": "unit-a"})
    kpi = next(k for k in response.context["kpis"] if k["code"] == "U31402")
    row = next(r for r in kpi["rows"] if r["year"] == 2018)
    assert row["own"].masked and row["own"].value is None
    assert "för få ärenden" in response.content.decode()
    client.force_login(alice)
    response = client.get(COMPARISON, {"unit": "unit-a"})
    kpi = next(k for k in response.context["kpis"] if k["code"] == "U31402")
    assert next(r for r in kpi["rows"] if r["year"] == 2018)["own"].value == 7.0


def test_units_out_of_reach_are_404(client, carl, kolada):
    client.force_login(carl)
    assert client.get(COMPARISON, {"unit": "unit-a"}).status_code == 404
    assert client.get(DECISIONS, {"unit": "unit-a"}).status_code == 404
    assert client.get(COMPARISON, {"unit": "unit-b"}).status_code == 200


def test_pages_need_sign_in(client, org):
    for url in (COMPARISON, DECISIONS):
        response = client.get(url)
        assert response.status_code == 302 and "logga-in" in response["Location"]


def test_htmx_swaps_only_the_body(client, lena, kolada):
    client.force_login(lena)
    response = client.get(
        COMPARISON, {"unit": "org"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="integrations-page"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and "Jämförelse med andra kommuner" in page


def test_without_municipality_code_the_page_says_so(client, lena, org):
    client.force_login(lena)
    response = client.get(COMPARISON)
    assert response.status_code == 200
    assert "saknar kommunkod" in response.content.decode()


def test_decisions_page_shows_the_share_decided_automatically(client, ada, decisions_org):
    client.force_login(ada)
    response = client.get(DECISIONS, {"unit": "org", "year": "2018"})
    assert response.status_code == 200
    may = response.context["modes"][4]
    assert may.total == 5 and may.automated_share == pytest.approx(0.4)
    assert may.medians == {"manual": 10.0, "automated": 8.0, "assisted": 3.0}
    page = response.content.decode()
    assert "40 %" in page


def test_decisions_page_hides_medians_over_few_cases_from_leadership(
    client,
    lena,
    decisions_org,
):
    client.force_login(lena)
    response = client.get(DECISIONS, {"unit": "org", "year": "2018"})
    may = response.context["modes"][4]
    assert may.automated_share == pytest.approx(0.4)  # five decisions: shown
    assert may.medians == {"manual": None, "automated": None, "assisted": None}
    assert all(may.masked.values())


@pytest.mark.parametrize(
    ("today", "shown"), [(dt.date(2019, 3, 31), False), (dt.date(2019, 4, 1), True)]
)
def test_return_rate_is_shown_once_12_months_have_passed(client, lena, returns_org, today, shown):
    client.force_login(lena)
    with time_machine.travel(dt.datetime(today.year, today.month, today.day, 12), tick=False):
        response = client.get(DECISIONS, {"unit": "org", "year": "2018"})
    march = response.context["returns"][2]
    assert march.clients == 5
    if shown:
        assert march.rate == pytest.approx(0.6)
        assert "60 %" in response.content.decode()
    else:
        assert march.rate is None and not march.final
        assert "visas från 1 april 2019" in response.content.decode()


def test_return_rate_over_few_clients_is_hidden_outside_the_unit(client, lena, alice, returns_org):
    with time_machine.travel(dt.datetime(2020, 1, 10, 12), tick=False):
        client.force_login(lena)
        march = client.get(DECISIONS, {"unit": "unit-a", "year": "2018"}).context["returns"][2]
        assert march.masked and march.rate is None
        client.force_login(alice)
        march = client.get(DECISIONS, {"unit": "unit-a", "year": "2018"}).context["returns"][2]
        assert march.rate == pytest.approx(0.75)  # 3 of 4 stayed


def test_a_bad_year_is_a_400(client, lena, org):
    client.force_login(lena)
    assert client.get(DECISIONS, {"year": "abc"}).status_code == 400
