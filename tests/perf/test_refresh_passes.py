"""A refresh rewrites exit counts first (their own transaction), then lead times, so the
figure a logged exit changes is updated without waiting for the organisation's lead times
to be re-paired (bench/incremental.py measures it)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.cache import cache

from reports import services
from reports.compute import recompute
from reports.models import RefreshState, Rollup
from tests.factories import CaseEventFactory, CaseFactory

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(dt.datetime(2018, 3, 20, 10, tzinfo=dt.UTC))
    cache.clear()


def _figures():
    return sorted(
        Rollup.objects.values_list("unit_id", "indicator__code", "month", "count", "median")
    )


def test_refresh_runs_exits_then_lead_times_and_ends_with_every_figure(org):
    case = CaseFactory(unit=org["a"])
    CaseEventFactory(case=case, event_type="application_received", occurred_on=D(2018, 3, 1))
    CaseEventFactory(case=case, event_type="decision", occurred_on=D(2018, 3, 8))
    CaseEventFactory(case=case, event_type="exit", reason="work", occurred_on=D(2018, 3, 15))
    kinds_seen = []

    def spy(**kwargs):
        kinds_seen.append(tuple(kwargs["kinds"]))
        return recompute(**kwargs)

    with mock.patch("reports.tasks.refresh_pending.delay_on_commit"):
        services.refresh_request(unit_ids=[org["a"].pk], months=[D(2018, 3, 1)])
    with mock.patch("reports.services.recompute", side_effect=spy):
        assert services.refresh_drain() == 1
    assert kinds_seen == [("exits",), ("lead_time",)]
    assert not RefreshState.objects.outstanding().exists()
    refreshed = _figures()
    Rollup.objects.all().delete()
    recompute(trigger="command", first_month=D(2018, 3, 1))  # everything in one run
    assert refreshed == _figures()
    assert ("avslut" in {code for _u, code, *_ in refreshed}) and (
        "utredningstid" in {code for _u, code, *_ in refreshed}
    )


def test_a_run_limited_to_exits_leaves_lead_time_rows_alone(org):
    case = CaseFactory(unit=org["a"])
    CaseEventFactory(case=case, event_type="application_received", occurred_on=D(2018, 2, 1))
    CaseEventFactory(case=case, event_type="decision", occurred_on=D(2018, 2, 9))
    recompute(trigger="command", first_month=D(2018, 2, 1))
    lead = list(Rollup.objects.filter(indicator__kind="lead_time").values_list("pk", "median"))
    assert lead
    CaseEventFactory(case=case, event_type="exit", reason="studies", occurred_on=D(2018, 2, 20))
    recompute(trigger="command", first_month=D(2018, 2, 1), kinds=["exits"])
    assert (
        list(Rollup.objects.filter(indicator__kind="lead_time").values_list("pk", "median")) == lead
    )
    assert (
        Rollup.objects.get(unit=org["a"], indicator__code="avslut", month=D(2018, 2, 1)).count == 1
    )
