"""Rollups and goals for the dashboard and export tests (figures chosen to be checkable).

unit-a, avslut: 2017 totals 24 (the baseline); 2018: Jan 3 (EOR 5 in force after a
revision from 4, individual targets 3 + 4), Feb 12 (the all-time record), Mar 2. Year goal
2018 = 2 × 2017 = 48. utredningstid Jan n=3 (below the small-number threshold), Feb n=12.
The root `org` pools unit-a and unit-b (unit-b: Jan 1 exit).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from goals.models import GroupDecision, Indicator, IndividualTarget, YearGoal
from reports.models import RefreshState, Rollup

D = dt.date
COMPUTED_AT = timezone.make_aware(dt.datetime(2019, 1, 2, 3, 4))


def make_dash_data(org, *, caseworkers=()):
    avslut = Indicator.objects.get(code="avslut")
    lead = Indicator.objects.get(code="utredningstid")
    a, b, root = org["a"], org["b"], org["root"]

    def rollup(unit, indicator, month, **figures):
        Rollup.objects.create(
            unit=unit, indicator=indicator, month=month, computed_at=COMPUTED_AT, **figures
        )

    for month in range(1, 13):
        rollup(a, avslut, D(2017, month, 1), count=2, exits_work=2)
        rollup(root, avslut, D(2017, month, 1), count=2, exits_work=2)
    for month, count, work in ((1, 3, 2), (2, 12, 10), (3, 2, 2)):
        rollup(
            a, avslut, D(2018, month, 1), count=count, exits_work=work, exits_studies=count - work
        )
    rollup(b, avslut, D(2018, 1, 1), count=1, exits_work=1)
    rollup(root, avslut, D(2018, 1, 1), count=4, exits_work=3, exits_studies=1)
    rollup(root, avslut, D(2018, 2, 1), count=12, exits_work=10, exits_studies=2)
    rollup(root, avslut, D(2018, 3, 1), count=2, exits_work=2)
    rollup(a, lead, D(2018, 1, 1), count=3, median=9.0, p90=17.2, open_starts=2)
    rollup(a, lead, D(2018, 2, 1), count=12, median=10.5, p90=20.25, open_starts=3)
    rollup(root, lead, D(2018, 1, 1), count=3, median=9.0, p90=17.2, open_starts=2)
    rollup(root, lead, D(2018, 2, 1), count=12, median=10.5, p90=20.25, open_starts=3)
    for unit in (a, b, root):
        for year in (2017, 2018):
            for month in range(1, 13):
                RefreshState.objects.create(
                    unit=unit,
                    month=D(year, month, 1),
                    status=RefreshState.Status.DONE,
                    computed_at=COMPUTED_AT,
                )
    YearGoal.objects.create(unit=a, indicator=avslut, year=2018, baseline_year=2017, factor=2)
    YearGoal.objects.create(unit=a, indicator=lead, year=2018, target=8)
    GroupDecision.objects.create(unit=a, month=D(2018, 1, 1), version=1, eor=4, rationale="r")
    GroupDecision.objects.create(
        unit=a, month=D(2018, 1, 1), version=2, eor=5, rationale="r", revision_reason="fler"
    )
    GroupDecision.objects.create(unit=a, month=D(2018, 2, 1), version=1, eor=10, rationale="r")
    for caseworker, target in zip(caseworkers, (3, 4), strict=False):
        IndividualTarget.objects.create(
            unit=a, caseworker=caseworker, month=D(2018, 1, 1), target=target
        )
    return {"avslut": avslut, "lead": lead}
