"""Named clients and exits for the hit-rate dashboard tests (figures chosen to be checkable).

2018. unit-a: alice names K-A1..K-A6 for January; K-A1, K-A2, K-A3 exit to work or studies
in January (hits), K-A4 exits in January for a reason that does not count, K-A5 exits in
February (not the month it was named for), K-A6 exits in January from unit-b (a hit all the
same: the client left, whichever unit logged it): 4 of 6 = 67 %. bob names K-A7 and K-A8 for February; K-A7 exits then:
1 of 2, fewer than the small-number threshold of 5. unit-b: carl names K-B1..K-B5 for
March and all five exit in March: 100 %.
"""

from __future__ import annotations

import datetime as dt

from goals.models import IndividualTarget, NamedClient
from tests.factories import CaseEventFactory, CaseFactory, ClientFactory

D = dt.date


def plan(unit, caseworker, month, refs):
    target = IndividualTarget.objects.create(
        unit=unit, caseworker=caseworker, month=month, target=len(refs)
    )
    for ref in refs:
        NamedClient.objects.create(target=target, client_ref=ref, planned_action="Praktik")


def exit_(org, unit, ref, day, reason="work"):
    client = ClientFactory(organisation=org["root"], ref=ref)
    CaseEventFactory(
        case=CaseFactory(unit=unit, client=client),
        event_type="exit",
        occurred_on=day,
        reason=reason,
    )


def make_hit_data(org, alice, bob, carl):
    a, b = org["a"], org["b"]
    plan(a, alice, D(2018, 1, 1), [f"K-A{i}" for i in range(1, 7)])
    plan(a, bob, D(2018, 2, 1), ["K-A7", "K-A8"])
    plan(b, carl, D(2018, 3, 1), [f"K-B{i}" for i in range(1, 6)])
    exit_(org, a, "K-A1", D(2018, 1, 5))
    exit_(org, a, "K-A2", D(2018, 1, 20), reason="studies")
    exit_(org, a, "K-A3", D(2018, 1, 31))
    exit_(org, a, "K-A4", D(2018, 1, 10), reason="moved")
    exit_(org, a, "K-A5", D(2018, 2, 1))
    exit_(org, b, "K-A6", D(2018, 1, 12))
    exit_(org, a, "K-A7", D(2018, 2, 14))
    for i in range(1, 6):
        exit_(org, b, f"K-B{i}", D(2018, 3, i))
