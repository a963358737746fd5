"""Freshness through a REAL Celery worker over a REAL Redis (marker `services`).

- an exit logged through the cases service shows in the rollup within seconds;
- a worker killed (SIGKILL) in the middle of a rollup, with rows already rewritten in its
  open transaction, leaves the previous figures intact, and the next worker to start
  finishes the work: no month missing, none wrong.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from cases.services import exit_log
from reports import services
from reports.compute import recompute
from reports.models import RefreshState, Rollup
from tests.factories import CaseFactory, UnitFactory
from tests.plugins.celery_worker import worker_database_url
from tests.reports.test_compute import generate, naive_expected, table_figures
from trelleborg.celery import worker_argv
from trelleborg.months import current_month, months_between, today

pytestmark = [
    pytest.mark.services,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout=20.0, every=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def exits_now(unit):
    row = Rollup.objects.filter(unit=unit, indicator__code="avslut", month=current_month()).first()
    return row.count if row else 0


def test_a_logged_exit_reaches_the_rollup_through_the_worker_within_seconds(
    celery_worker_process, org, alice
):
    cache.delete(services.SCHEDULED_KEY)
    case = CaseFactory(unit=org["a"])
    started = time.monotonic()
    exit_log(case=case, reason="work", occurred_on=today(), by=alice)
    assert wait_for(lambda: exits_now(org["root"]) == 1, timeout=15)
    elapsed = time.monotonic() - started
    assert exits_now(org["a"]) == 1
    assert wait_for(lambda: not RefreshState.objects.outstanding().exists(), timeout=5)
    print(f"exit -> rollup through the worker: {elapsed:.2f}s")  # noqa: T201


class Worker:
    """A worker process of our own (solo pool: the task runs in the process we kill)."""

    def __init__(self, queues: str):
        self.node = f"eor-crash-{uuid.uuid4().hex[:8]}@localhost"
        fd, name = tempfile.mkstemp(prefix="celery-crash-", suffix=".log")
        os.close(fd)
        self.log_path = Path(name)
        env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(connection.settings_dict),
            "DATABASE_CONN_MAX_AGE": "0",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                worker_argv(node=self.node, queues=queues),
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        # No ping: a solo worker busy with (or blocked in) a task answers none. The test
        # waits for what the worker does to the database instead.

    def log(self) -> str:
        return self.log_path.read_text()[-3000:] if self.log_path.exists() else ""

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_path.unlink(missing_ok=True)


def activity() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid, datname, state, wait_event_type, wait_event, left(query, 120) "
            "FROM pg_stat_activity WHERE backend_type = 'client backend'"
        )
        return "\n".join(map(str, cursor.fetchall())) + "\n"


def waiting_on_a_lock(text: str) -> bool:
    with connection.cursor() as cursor:
        # statistics views are a snapshot per transaction, and the caller is in one
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE %s AND pid <> pg_backend_pid()",
            [f"%{text}%"],
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_rollup_leaves_no_month_missing_or_wrong(org, alice):
    tree = {**org, "a1": UnitFactory(code="unit-a1", parent=org["a"])}
    tree["a2"] = UnitFactory(code="unit-a2", parent=tree["a1"])
    units = generate(tree, seed=11, n_cases=40)
    recompute(trigger="command")
    before = table_figures()
    case = CaseFactory(unit=tree["a2"])
    with mock.patch("reports.tasks.refresh_pending.delay_on_commit"):
        exit_log(case=case, reason="studies", occurred_on=today(), by=alice)
    assert RefreshState.objects.filter(status="pending").count() == 4  # a2, a1, a, org

    first = None
    try:
        with transaction.atomic():
            # Hold one freshness row the rollup rewrites last: the worker deletes and
            # re-inserts the rollup rows, then waits here, inside its open transaction.
            RefreshState.objects.select_for_update().get(unit=org["b"], month=current_month())
            first = Worker("eor-crash-test")  # drains the pending rows as it starts
            if not wait_for(lambda: waiting_on_a_lock("reports_refreshstate"), timeout=30):
                os.kill(first.process.pid, signal.SIGUSR1)  # celery dumps its stack
                time.sleep(2)
                pytest.fail(activity() + first.log_path.read_text()[-12000:])
            os.kill(first.process.pid, signal.SIGKILL)
            first.process.wait(timeout=10)
        assert table_figures() == before  # nothing of the killed run is visible
        assert RefreshState.objects.filter(status="running").count() == 4
    finally:
        if first is not None:
            first.stop()

    second = Worker("eor-crash-test")  # it drains what the dead one left, as it starts
    try:
        assert wait_for(lambda: not RefreshState.objects.outstanding().exists(), timeout=60), (
            second.log()
        )
    finally:
        second.stop()
    after = table_figures()
    assert after != before
    first_month = min(m for (_, _, m) in before)
    months = months_between(first_month, current_month())
    assert after == naive_expected(units, months)
    covered = RefreshState.objects.filter(month__gte=first_month, computed_at__isnull=False)
    assert covered.count() == len(units) * len(months)  # every unit, every month
