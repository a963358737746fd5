"""The dashboards name built-in indicators in the reader's language and an administrator's
own indicators as stored (goals.models.Indicator.display_name)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import Indicator, ManualValue

pytestmark = pytest.mark.django_db

DASH = reverse("reports:dashboard")
OVERVIEW = reverse("reports:overview")
REPORT = reverse("reports:monthly_report")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

EXITS_SV, EXITS_EN = "Avslut till arbete eller studier", "Exits to work or studies"
LEAD_SV = "Utredningstid (ansökan → beslut)"
LEAD_EN = "Assessment time (application → decision)"
ABSENCE_SV, ABSENCE_EN = "Skolfrånvaro ensamkommande", "School absence, unaccompanied minors"
OWN_LEAD = "Tid till plan (egen)"
OWN_MANUAL = "Nöjdhet med stödet"


@pytest.fixture
def own_indicators(db):
    """An administrator's own indicators: their names are data."""
    Indicator.objects.create(
        code="ledtid_plan",
        name=OWN_LEAD,
        kind=Indicator.Kind.LEAD_TIME,
        start_event_type="first_meeting",
        end_event_type="plan_established",
        unit_label="dagar",
        direction=Indicator.Direction.LOWER_IS_BETTER,
    )
    Indicator.objects.create(
        code="nojdhet",
        name=OWN_MANUAL,
        kind=Indicator.Kind.MANUAL,
        unit_label="%",
        direction=Indicator.Direction.HIGHER_IS_BETTER,
    )


def option(name: str) -> str:
    return f">{name}</option>"


def figure(body: str, chart_id: str) -> dict:
    match = re.search(
        rf'<script id="{chart_id}" type="application/json">(.*?)</script>', body, re.S
    )
    assert match, f"no data block {chart_id}"
    return json.loads(match.group(1))


def test_unit_dashboard_names_built_ins_in_swedish_by_default(client, maria, own_indicators):
    client.force_login(maria)
    body = client.get(DASH, {"unit": "unit-a", "year": "2018"}).content.decode()
    for name in (EXITS_SV, LEAD_SV, ABSENCE_SV, OWN_LEAD, OWN_MANUAL):
        assert option(name) in body
    assert EXITS_EN not in body and LEAD_EN not in body


def test_unit_dashboard_names_built_ins_in_english_and_own_ones_as_stored(
    client, maria, own_indicators
):
    client.force_login(maria)
    body = client.get(DASH, {"unit": "unit-a", "year": "2018"}, **EN).content.decode()
    for name in (EXITS_EN, LEAD_EN, ABSENCE_EN, OWN_LEAD, OWN_MANUAL):
        assert option(name) in body
    for swedish in (EXITS_SV, LEAD_SV, ABSENCE_SV):
        assert swedish not in body


def test_lead_time_dashboard_heading_follows_the_language(client, maria, own_indicators):
    client.force_login(maria)
    params = {"unit": "unit-a", "year": "2018", "indicator": "utredningstid"}
    assert f'<h2 id="lead-heading">{LEAD_SV}</h2>' in client.get(DASH, params).content.decode()
    body = client.get(DASH, params, **EN).content.decode()
    assert f'<h2 id="lead-heading">{LEAD_EN}</h2>' in body
    assert f"{LEAD_EN} per month, Grupp A 2018" in body  # the table's caption
    assert LEAD_SV not in body
    own = client.get(DASH, {**params, "indicator": "ledtid_plan"}, **EN).content.decode()
    assert f'<h2 id="lead-heading">{OWN_LEAD}</h2>' in own


def test_manual_dashboard_heading_and_chart_follow_the_language(client, maria, org, own_indicators):
    # a value each, so there is a chart to name (a chart of nothing is a sentence instead)
    for code in ("franvaro_skola", "nojdhet"):
        ManualValue.objects.create(
            unit=org["a"],
            indicator=Indicator.objects.get(code=code),
            month=dt.date(2018, 1, 1),
            value=Decimal("7.5"),
        )
    client.force_login(maria)
    params = {"unit": "unit-a", "year": "2018", "indicator": "franvaro_skola"}
    swedish = client.get(DASH, params).content.decode()
    assert figure(swedish, "fig-manual")["layout"]["title"]["text"] == ABSENCE_SV
    english = client.get(DASH, params, **EN).content.decode()
    assert f'<h2 id="manual-heading">{ABSENCE_EN}</h2>' in english
    assert figure(english, "fig-manual")["layout"]["title"]["text"] == ABSENCE_EN
    assert figure(english, "fig-manual")["data"][0]["name"] == ABSENCE_EN
    assert ABSENCE_SV not in english
    own = client.get(DASH, {**params, "indicator": "nojdhet"}, **EN).content.decode()
    assert figure(own, "fig-manual")["layout"]["title"]["text"] == OWN_MANUAL


def test_leadership_overview_names_indicators_in_the_readers_language(client, lena, own_indicators):
    client.force_login(lena)
    params = {"month": "2018-02", "lead": "utredningstid"}
    swedish = client.get(OVERVIEW, params).content.decode()
    assert f"{EXITS_SV} och ledtid per enhet" in swedish
    assert f"{LEAD_SV}: median (n)" in swedish
    assert option(OWN_LEAD) in swedish
    english = client.get(OVERVIEW, params, **EN).content.decode()
    assert f"{EXITS_EN} and lead time per unit" in english
    assert f"{LEAD_EN}: median (n)" in english
    assert option(OWN_LEAD) in english  # data, as stored
    assert EXITS_SV not in english and LEAD_SV not in english
    own = client.get(OVERVIEW, {**params, "lead": "ledtid_plan"}, **EN).content.decode()
    assert f"{OWN_LEAD}: median (n)" in own


def test_printable_monthly_report_names_indicators_in_english(client, maria):
    client.force_login(maria)
    body = client.get(REPORT, {"unit": "unit-a", "month": "2018-02"}, **EN).content.decode()
    assert f'<h2 id="exits-heading">{EXITS_EN}</h2>' in body
    assert f'<th scope="row">{LEAD_EN}</th>' in body
    assert EXITS_SV not in body and LEAD_SV not in body
