"""Closing keeps the figures as they stood; a later correction shows the figure at closing,
the figure now and the corrections, on the follow-up page and on leadership's overview."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases import services as case_services
from goals import services as goals_services
from goals.models import MonthFollowUp
from reports import snapshots
from reports.compute import recompute
from reports.models import RollupRun
from tests.factories import CaseEventFactory, CaseFactory

D = dt.date
FEB = D(2018, 2, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(dt.datetime(2018, 3, 20, 10, tzinfo=dt.UTC))


@pytest.fixture
def closed_feb(org, maria):
    case = CaseFactory(unit=org["a"])
    CaseEventFactory(case=case, event_type="application_received", occurred_on=D(2018, 1, 2))
    CaseEventFactory(case=case, event_type="exit", reason="work", occurred_on=D(2018, 2, 12))
    recompute(trigger=RollupRun.Trigger.COMMAND)
    return goals_services.followup_close(unit=org["a"], month=FEB, by=maria)


def test_closing_keeps_the_figures_as_they_stood(closed_feb):
    closed_feb.refresh_from_db()
    figures = closed_feb.snapshot["figures"]
    assert figures["avslut"] == {
        "kind": "exits",
        "total": 1,
        "work": 1,
        "studies": 0,
        "other_benefit": 0,
        "moved": 0,
        "other": 0,
    }
    assert figures["utredningstid"]["n"] == 0 and "open" in figures["utredningstid"]
    assert figures["franvaro_skola"] == {"kind": "manual", "value": None}
    assert not closed_feb.restated


def test_a_correction_shows_the_figure_at_closing_and_now(
    client, org, alice, maria, lena, closed_feb
):
    case = CaseFactory(unit=org["a"])
    CaseEventFactory(case=case, event_type="application_received", occurred_on=D(2018, 1, 5))
    case_services.exit_log(
        case=case,
        reason="studies",
        occurred_on=D(2018, 2, 20),
        by=alice,
        correction_reason="Rapporterades sent",
    )
    recompute(trigger=RollupRun.Trigger.COMMAND)
    r = snapshots.restatement(org["a"], FEB)
    assert r.restated
    exits = next(f for f in r.figures if f.label == "avslut" and f.indicator.startswith("Avslut till arbete eller studier") and "etablering" not in f.indicator)  # fmt: skip
    assert (exits.at_closing, exits.now, exits.changed) == (1, 2, True)
    assert [c.reason for c in r.corrections] == ["Rapporterades sent"]

    client.force_login(maria)
    body = client.get(reverse("reports:partial_restated", args=["unit-a", "2018-02"])).content
    body = body.decode()
    assert "Vid stängning" in body and "Rapporterades sent" in body and "omräknad" in body
    assert "reports:partial_restated" not in body
    page = client.get(reverse("goals:followup", args=["unit-a", "2018-02"])).content.decode()
    assert reverse("reports:partial_restated", args=["unit-a", "2018-02"]) in page

    # Leadership sees the same on the overview, without any client named.
    client.force_login(lena)
    overview = client.get(reverse("reports:overview"), {"month": "2018-02"}).content.decode()
    assert 'data-testid="restated-badge"' in overview and "Rapporterades sent" in overview
    assert case.client.ref not in overview
    MonthFollowUp.objects.filter(unit=org["a"], month=FEB).update(worked="Bra", adjust="Mer")
    report = client.get(reverse("reports:monthly_report"), {"unit": "unit-a", "month": "2018-02"})
    report = report.content.decode()
    assert 'data-testid="restated"' in report and "Rapporterades sent" in report


def test_a_closed_month_without_corrections_has_no_badge(client, lena, closed_feb):
    client.force_login(lena)
    overview = client.get(reverse("reports:overview"), {"month": "2018-02"}).content.decode()
    assert 'data-testid="restated-badge"' not in overview


def test_take_missing_snapshots_months_closed_in_bulk(org, closed_feb):
    MonthFollowUp.objects.filter(pk=closed_feb.pk).update(snapshot=None)
    assert snapshots.take_missing() == 1
    closed_feb.refresh_from_db()
    assert closed_feb.snapshot["figures"]["avslut"]["total"] == 1


def test_leadership_gets_the_small_number_rule_at_closing_and_now(org, maria):
    case = CaseFactory(unit=org["a"])
    CaseEventFactory(case=case, event_type="application_received", occurred_on=D(2018, 2, 1))
    CaseEventFactory(case=case, event_type="decision", occurred_on=D(2018, 2, 8))
    recompute(trigger=RollupRun.Trigger.COMMAND)
    goals_services.followup_close(unit=org["a"], month=FEB, by=maria)

    def medians(full):
        r = snapshots.restatement(org["a"], FEB, full=full)
        return [
            (f.at_closing, f.now)
            for f in r.figures
            if f.indicator.startswith("Utredningstid") and f.label == "median (dagar)"
        ]

    assert medians(True) == [(7.0, 7.0)]
    assert medians(False) == [(None, None)]  # one duration: hidden outside the unit
