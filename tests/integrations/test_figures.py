"""Decision mode, return rate and yearly lead times, hand-computed on small organisations."""

from __future__ import annotations

import datetime as dt

import pytest

from goals.models import Indicator
from integrations.compute import extras_recompute, return_rate_final
from integrations.models import DecisionModeFigure, ReturnRateFigure, YearLeadTime

D = dt.date


def test_return_rate_counts_clients_back_within_12_months(returns_org):
    a, b, root = returns_org["a"], returns_org["b"], returns_org["root"]
    march = D(2018, 3, 1)
    figure = {f.unit_id: (f.clients, f.returned) for f in ReturnRateFigure.objects.all()}
    assert figure[a.pk] == (4, 1)  # K-1 back; K-2, K-5, K-6 stayed
    assert figure[b.pk] == (1, 1)  # K-4 back
    assert figure[root.pk] == (5, 2)  # pooled: 3 of 5 stayed self-sufficient (60 %)
    assert set(ReturnRateFigure.objects.values_list("month", flat=True)) == {march}


def test_return_rate_is_final_only_once_12_months_have_passed():
    march = D(2018, 3, 1)
    assert not return_rate_final(march, D(2019, 3, 31))  # an exit on 31 March is still open
    assert return_rate_final(march, D(2019, 4, 1))


def test_recompute_is_idempotent(returns_org):
    before = sorted(ReturnRateFigure.objects.values_list("unit_id", "clients", "returned"))
    extras_recompute(organisation=returns_org["root"])
    after = sorted(ReturnRateFigure.objects.values_list("unit_id", "clients", "returned"))
    assert before == after


def modes(unit):
    return {
        f.mode: (f.decisions, f.n, f.median, f.p90)
        for f in DecisionModeFigure.objects.filter(unit=unit, month=D(2018, 5, 1))
    }


def test_decisions_by_mode_with_utredningstid_by_mode(decisions_org):
    assert modes(decisions_org["root"]) == {
        "automated": (2, 2, 8.0, pytest.approx(13.6)),
        "manual": (2, 1, 10.0, 10.0),
        "assisted": (1, 1, 3.0, 3.0),
    }
    assert modes(decisions_org["a"]) == {
        "automated": (2, 2, 8.0, pytest.approx(13.6)),
        "manual": (2, 1, 10.0, 10.0),
    }
    # share decided automatically in May, pooled: 2 of 5
    root = modes(decisions_org["root"])
    assert root["automated"][0] / sum(v[0] for v in root.values()) == 0.4


def test_yearly_utredningstid_is_the_pooled_median_not_a_median_of_months(decisions_org):
    utredningstid = Indicator.objects.get(code="utredningstid")
    row = YearLeadTime.objects.get(unit=decisions_org["root"], indicator=utredningstid, year=2018)
    assert (row.n, row.median) == (4, 6.5)  # durations 1, 3, 10, 15


def test_the_return_rate_indicator_is_built_in(db):
    indicator = Indicator.objects.get(code="aterkomst")
    assert indicator.kind == Indicator.Kind.RETURN_RATE and indicator.built_in
    assert indicator.reasons == ["work", "studies"]
