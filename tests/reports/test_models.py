from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError

from goals.models import Indicator
from reports.models import RefreshState, Rollup


@pytest.mark.django_db
def test_one_rollup_row_per_unit_indicator_and_month(org):
    avslut = Indicator.objects.get(code="avslut")
    Rollup.objects.create(unit=org["a"], indicator=avslut, month=dt.date(2018, 1, 1), count=3)
    with pytest.raises(IntegrityError):
        Rollup.objects.create(unit=org["a"], indicator=avslut, month=dt.date(2018, 1, 1))


@pytest.mark.django_db
def test_percentiles_need_a_duration(org):
    lead = Indicator.objects.get(code="utredningstid")
    with pytest.raises(IntegrityError):
        Rollup.objects.create(
            unit=org["a"], indicator=lead, month=dt.date(2018, 1, 1), count=0, median=3.0, p90=4.0
        )


@pytest.mark.django_db
def test_rollup_queryset_selects_by_indicator_and_year(org):
    avslut = Indicator.objects.get(code="avslut")
    lead = Indicator.objects.get(code="utredningstid")
    Rollup.objects.create(unit=org["a"], indicator=avslut, month=dt.date(2018, 12, 1), count=1)
    Rollup.objects.create(unit=org["a"], indicator=avslut, month=dt.date(2019, 1, 1), count=2)
    Rollup.objects.create(
        unit=org["a"], indicator=lead, month=dt.date(2018, 5, 1), count=1, median=2.0, p90=2.0
    )
    assert list(
        Rollup.objects.for_unit(org["a"])
        .for_indicator("avslut")
        .in_year(2018)
        .values_list("count", flat=True)
    ) == [1]
    assert Rollup.objects.lead_times().get().indicator == lead
    assert RefreshState.objects.outstanding().count() == 0
