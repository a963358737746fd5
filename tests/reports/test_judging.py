"""The one place that judges an EOR (reports.judging): directions, pågår, reached early for
exits, unknown outcomes, the parent sum and the small-number rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from goals.models import GroupDecision, Indicator, ManualValue
from reports import judging
from reports.judging import EJ_NATT, NATT, OKANT, PAGAR
from reports.models import Rollup

D = dt.date
MARCH = D(2018, 3, 1)
AFTER_MARCH = D(2018, 4, 2)
IN_MARCH = D(2018, 3, 3)


def ind(code):
    return Indicator.objects.get(code=code)


def status(code, target, outcome, today=AFTER_MARCH):
    return judging.judge_status(
        indicator=ind(code), target=target, outcome=outcome, month=MARCH, today=today
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code,target,outcome,expected",
    [
        ("avslut", 5, 5, NATT),  # higher is better: at least the target
        ("avslut", 5, 4, EJ_NATT),
        ("utredningstid", 7, 6.5, NATT),  # lower is better: at most the target
        ("utredningstid", 7, 7, NATT),
        ("utredningstid", 7, 9, EJ_NATT),
        ("utredningstid", 7, None, OKANT),  # n = 0: no median, no verdict
        ("franvaro_skola", 8, 7.5, NATT),
        ("franvaro_skola", 8, 8.5, EJ_NATT),
        ("franvaro_skola", 8, None, OKANT),  # no value entered
    ],
)
def test_an_ended_month_is_judged_by_the_indicators_direction(code, target, outcome, expected):
    assert status(code, target, outcome) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code,target,outcome",
    [
        ("avslut", 5, 2),
        ("utredningstid", 7, 3.0),
        ("utredningstid", 7, 30.0),
        ("franvaro_skola", 8, 2.0),
        ("utredningstid", 7, None),
    ],
)
def test_the_month_in_progress_is_never_judged_before_it_ends(code, target, outcome):
    assert status(code, target, outcome, today=IN_MARCH) == PAGAR
    # nor a month ahead
    assert status(code, target, outcome, today=D(2018, 2, 20)) == PAGAR


@pytest.mark.django_db
def test_an_exit_eor_already_met_is_reached_while_the_month_runs():
    assert status("avslut", 5, 6, today=IN_MARCH) == NATT


@pytest.fixture
def decided(org, maria):
    def decide(unit, code, target, version=1, month=MARCH):
        return GroupDecision.objects.create(
            unit=unit,
            month=month,
            indicator=ind(code),
            target=Decimal(target),
            version=version,
            rationale="r",
            revision_reason="" if version == 1 else "ändrat",
        )

    return decide


def rollup(unit, code, *, count=0, median=None, month=MARCH):
    Rollup.objects.create(
        unit=unit,
        indicator=ind(code),
        month=month,
        count=count,
        median=median,
        p90=None if median is None else median * 2,
    )


def test_several_eors_of_a_month_each_judged_on_its_own_terms(org, decided):
    decided(org["a"], "avslut", 4)
    decided(org["a"], "utredningstid", 7)
    decided(org["a"], "utredningstid", 6, version=2)  # the version in force
    decided(org["a"], "franvaro_skola", 8)
    rollup(org["a"], "avslut", count=3)
    rollup(org["a"], "utredningstid", count=12, median=6.5)
    ManualValue.objects.create(
        unit=org["a"], indicator=ind("franvaro_skola"), month=MARCH, value=Decimal("9.5")
    )
    got = judging.unit_eors(org["a"], MARCH, today=AFTER_MARCH)
    assert [(j.indicator.code, j.target, j.outcome, j.status) for j in got] == [
        ("avslut", 4.0, 3.0, EJ_NATT),
        ("utredningstid", 6.0, 6.5, EJ_NATT),
        ("franvaro_skola", 8.0, 9.5, EJ_NATT),
    ]
    assert [j.as_json() for j in got][1] == {
        "indicator": "utredningstid",
        "target": 6.0,
        "outcome": 6.5,
        "reached": False,
    }
    assert got[1].text == "Utredningstid (ansökan → beslut) ≤ 6 d: 6,5 d ✗ Ej nådd"


def test_a_lead_time_without_completed_pairs_is_unknown(org, decided):
    decided(org["a"], "utredningstid", 7)
    (j,) = judging.unit_eors(org["a"], MARCH, today=AFTER_MARCH)
    assert (j.outcome, j.n, j.status, j.reached) == (None, 0, OKANT, None)
    assert j.status_label == "Okänt"


def test_a_parent_without_its_own_exit_eor_shows_the_labelled_sum_never_of_lead_times(org, decided):
    decided(org["a"], "avslut", 4)
    decided(org["b"], "avslut", 5)
    decided(org["b"], "utredningstid", 7)
    rollup(org["root"], "avslut", count=10)
    (j,) = judging.unit_eors(org["root"], MARCH, today=AFTER_MARCH)
    assert (j.indicator.code, j.target, j.outcome, j.status, j.summed) == (
        "avslut",
        9.0,
        10.0,
        NATT,
        True,
    )
    assert "summa av gruppernas EOR" in j.text
    # The parent's own decision is its EOR: no sum then.
    decided(org["root"], "avslut", 12)
    (own,) = judging.unit_eors(org["root"], MARCH, today=AFTER_MARCH)
    assert (own.target, own.summed, own.status) == (12.0, False, EJ_NATT)


def test_small_numbers_hide_a_lead_time_outcome_from_a_wider_audience(org, decided, settings):
    settings.EOR_MIN_DURATIONS_FOR_PERCENTILES = 5
    decided(org["a"], "utredningstid", 7)
    rollup(org["a"], "utredningstid", count=2, median=3.0)
    (j,) = judging.unit_eors(org["a"], MARCH, today=AFTER_MARCH)
    hidden = judging.for_audience(j, full=False)
    assert (hidden.outcome, hidden.masked, hidden.status) == (None, True, NATT)
    assert "färre än 5" in hidden.outcome_text
    assert judging.for_audience(j, full=True).outcome == 3.0
