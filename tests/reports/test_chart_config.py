"""Charts stay home: the config every rendered chart carries offers "download as PNG" only
(no Plotly Cloud share, no Chart Studio link, no logo link) and speaks the page's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import translation

from reports import charts
from tests.reports.dash_data import make_dash_data
from tests.reports.test_dash_views import figure

pytestmark = pytest.mark.django_db

DASH = reverse("reports:dashboard")


def assert_stays_home(config):
    assert config["displaylogo"] is False
    assert config["showSendToCloud"] is False
    assert config["modeBarButtons"] == [["toImage"]]
    assert not config.get("showLink") and not config.get("sendData")
    assert not config.get("showEditInChartStudio")
    assert config["plotlyServerURL"] == ""


def test_rendered_chart_config_has_no_cloud_or_share_and_is_swedish(client, org, alice, bob, maria):
    make_dash_data(org, caseworkers=(alice, bob))
    client.force_login(maria)
    response = client.get(DASH, {"unit": "unit-a", "year": "2018"})
    page = response.content.decode()
    for chart_id in ("fig-exits", "fig-cumulative"):
        config = figure(response, chart_id)["config"]
        assert_stays_home(config)
        assert config["locale"] == "sv"
    # the Swedish dictionary is served from our own static files, after plotly itself
    assert page.index("vendor/plotly/plotly.min.js") < page.index("plotly-locale-sv.js")
    assert "cdn" not in page.lower()
    assert 'role="img"' not in page  # the toolbar button may not sit inside an image


def test_chart_config_is_english_on_an_english_page():
    with translation.override("en"):
        config = charts.plot_config()
    assert_stays_home(config)
    assert config["locale"] == "en"


def test_swedish_locale_file_registers_sv_with_the_toolbar_strings():
    source = Path(finders.find("vendor/plotly/plotly-locale-sv.js")).read_text(encoding="utf-8")
    assert 'name: "sv"' in source
    assert '"Download plot as a PNG": "Ladda ner diagrammet som PNG"' in source


def test_a_figure_without_values_is_no_chart():
    empty = {"data": [{"type": "scatter", "x": ["jan", "feb"], "y": [None, None]}]}
    some = {"data": [{"type": "scatter", "x": ["jan", "feb"], "y": [None, 62.5]}]}
    hbar_empty = {"data": [{"type": "bar", "orientation": "h", "y": ["a"], "x": [None]}]}
    assert not charts.figure_has_data(empty)
    assert not charts.figure_has_data({"data": []})
    assert not charts.figure_has_data(hbar_empty)
    assert charts.figure_has_data(some)


def test_the_chart_partial_says_so_instead_of_drawing_an_empty_frame():
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    empty = SimpleNamespace(id="fig-x", label="Återkomst", figure={"data": [{"y": [None]}]})
    html = render_to_string("reports/_chart.html", {"chart": empty})
    assert "inga värden att visa i diagrammet" in html
    assert "data-figure" not in html
    full = SimpleNamespace(id="fig-y", label="Avslut", figure={"data": [{"y": [3]}]})
    html = render_to_string("reports/_chart.html", {"chart": full})
    assert 'data-figure="fig-y"' in html and 'role="group"' in html
