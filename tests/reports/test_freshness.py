"""Freshness: a committed change marks units, ancestors and months pending, schedules one
refresh, and the refresh rewrites the figures (eager Celery, in-process)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone

from cases.models import CaseEvent
from cases.services import exit_log
from goals.models import Indicator, MonthFollowUp
from reports import services
from reports.compute import recompute
from reports.models import RefreshState, Rollup
from tests.factories import CaseEventFactory, CaseFactory, UnitFactory

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(dt.datetime(2018, 3, 20, 10, tzinfo=dt.UTC))
    cache.clear()


def exits_of(unit, month):
    row = Rollup.objects.filter(unit=unit, indicator__code="avslut", month=month).first()
    return row.count if row else 0


def test_logging_an_exit_refreshes_the_unit_and_its_ancestors(
    org, alice, django_capture_on_commit_callbacks
):
    sub = UnitFactory(code="unit-a-sub", parent=org["a"])
    case = CaseFactory(unit=sub)
    with django_capture_on_commit_callbacks(execute=True):
        exit_log(case=case, reason="work", occurred_on=D(2018, 3, 2), by=alice)
    for unit in (sub, org["a"], org["root"]):
        assert exits_of(unit, D(2018, 3, 1)) == 1
        state = RefreshState.objects.get(unit=unit, month=D(2018, 3, 1))
        assert state.status == "done" and state.computed_at is not None
    assert exits_of(org["b"], D(2018, 3, 1)) == 0
    assert not RefreshState.objects.outstanding().exists()


def test_a_burst_of_changes_schedules_one_refresh_task(org):
    with mock.patch("reports.tasks.refresh_pending.delay_on_commit") as delay:
        for day in range(1, 29):
            services.refresh_request(unit_ids=[org["a"].pk], months=[D(2018, 2, day)])
        services.refresh_request(unit_ids=[org["b"].pk], months=[D(2018, 1, 1)])
    assert delay.call_count == 1
    pending = RefreshState.objects.filter(status="pending")
    assert sorted(pending.values_list("unit__code", "month")) == [
        ("org", D(2018, 1, 1)),
        ("org", D(2018, 2, 1)),
        ("unit-a", D(2018, 2, 1)),
        ("unit-b", D(2018, 1, 1)),
    ]
    assert pending.get(unit=org["a"]).generation == 28


def test_the_task_clears_the_coalescing_mark_so_later_changes_schedule_again(org):
    from reports.tasks import refresh_pending

    with mock.patch("reports.tasks.refresh_pending.delay_on_commit") as delay:
        services.refresh_request(unit_ids=[org["a"].pk], months=[D(2018, 2, 1)])
        refresh_pending()
        services.refresh_request(unit_ids=[org["a"].pk], months=[D(2018, 2, 1)])
    assert delay.call_count == 2


def test_a_change_arriving_during_a_refresh_stays_pending_and_is_drained(org):
    case = CaseFactory(unit=org["a"])
    calls = []

    def recompute_with_a_change_meanwhile(**kwargs):
        calls.append(kwargs["first_month"])
        if len(calls) == 1:
            CaseEventFactory(case=case, event_type="exit", reason="work", occurred_on=D(2018, 3, 1))
            services.refresh_request(unit_ids=[org["a"].pk], months=[D(2018, 3, 1)])
        return recompute(**kwargs)

    with mock.patch("reports.tasks.refresh_pending.delay_on_commit"):
        services.refresh_request(unit_ids=[org["a"].pk], months=[D(2018, 3, 1)])
    with mock.patch("reports.services.recompute", side_effect=recompute_with_a_change_meanwhile):
        runs = services.refresh_drain()
    # two drain rounds, each in two passes (exits first, then lead times)
    assert runs == 2 and calls == [D(2018, 3, 1)] * 4
    assert exits_of(org["a"], D(2018, 3, 1)) == 1
    assert not RefreshState.objects.outstanding().exists()


def test_a_failed_refresh_is_recorded_and_retried(org):
    with mock.patch("reports.tasks.refresh_pending.delay_on_commit"):
        services.refresh_request(unit_ids=[org["a"].pk], months=[D(2018, 3, 1)])
    with (
        mock.patch("reports.services.recompute", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        services.refresh_drain()
    failed = RefreshState.objects.get(unit=org["a"], month=D(2018, 3, 1))
    assert failed.status == "failed" and "disk full" in failed.error
    assert services.refresh_drain() == 1
    failed.refresh_from_db()
    assert (failed.status, failed.error) == ("done", "")


def test_a_refresh_of_a_closed_month_is_no_correction(org):
    """Only a recorded correction (cases' write paths) restates a month: the demo's own load
    and any refresh once flagged 67 of 78 closed months "omräknad"."""
    closed = MonthFollowUp.objects.create(
        unit=org["root"], month=D(2018, 1, 1), closed_at=timezone.now()
    )
    open_month = MonthFollowUp.objects.create(unit=org["a"], month=D(2018, 2, 1))
    with mock.patch("reports.tasks.refresh_pending.delay_on_commit"):
        services.refresh_request(unit_ids=[org["a"].pk], months=[D(2018, 1, 9), D(2018, 2, 1)])
    closed.refresh_from_db()
    open_month.refresh_from_db()
    assert not closed.restated and not open_month.restated


def test_nightly_recomputes_recent_months_and_months_changed_since_their_rollup(org):
    case = CaseFactory(unit=org["a"])
    old = CaseEventFactory(case=case, event_type="exit", reason="work", occurred_on=D(2017, 6, 5))
    recompute(trigger="command")
    assert exits_of(org["a"], D(2017, 6, 1)) == 1
    CaseEvent.objects.filter(pk=old.pk).update(reason="moved", updated_at=timezone.now())
    assert services.stale_organisations() == {"org": D(2017, 6, 1)}
    services.rollup_nightly()
    assert exits_of(org["a"], D(2017, 6, 1)) == 0
    assert services.stale_organisations() == {}


def test_nightly_task_runs_eagerly_without_redis(org):
    from reports.tasks import rollup_nightly

    CaseEventFactory(
        case=CaseFactory(unit=org["b"]),
        event_type="exit",
        reason="studies",
        occurred_on=D(2018, 3, 3),
    )
    assert rollup_nightly.delay().get() == 1
    assert exits_of(org["b"], D(2018, 3, 1)) == 1
    assert Indicator.objects.filter(code="avslut").exists()


def test_figures_as_of_is_the_latest_refresh_of_the_rows_shown(
    org, alice, time_machine, django_capture_on_commit_callbacks
):
    """ "Siffror per" after a new exit is counted: the time of that refresh, not of the first
    rollup (January and February were not recomputed, nothing in them changed)."""
    from reports.figures import freshness

    early = CaseFactory(unit=org["a"])
    CaseEventFactory(case=early, event_type="exit", reason="work", occurred_on=D(2018, 1, 9))
    recompute(trigger="command")
    first = freshness([org["a"]], D(2018, 1, 1), D(2018, 3, 1)).as_of
    time_machine.move_to(dt.datetime(2018, 3, 20, 11, 30, tzinfo=dt.UTC))
    case = CaseFactory(unit=org["a"])
    CaseEventFactory(case=case, event_type="application_received", occurred_on=D(2018, 3, 1))
    with django_capture_on_commit_callbacks(execute=True):
        exit_log(case=case, reason="work", occurred_on=D(2018, 3, 12), by=alice)
    after = freshness([org["a"]], D(2018, 1, 1), D(2018, 3, 1))
    assert exits_of(org["a"], D(2018, 3, 1)) == 1 and not after.pending
    assert first < after.as_of
    assert after.as_of.replace(second=0, microsecond=0) == dt.datetime(
        2018, 3, 20, 11, 30, tzinfo=dt.UTC
    )
    january = RefreshState.objects.get(unit=org["a"], month=D(2018, 1, 1)).computed_at
    assert january == first  # untouched: the old code showed this time
