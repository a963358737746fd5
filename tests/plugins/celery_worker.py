"""A real Celery worker process for tests marked `services` (REDIS_URL + PostgreSQL).

`celery_worker_process` (session scope) starts `celery -A trelleborg worker` once, pointed at
the same Redis and at pytest-django's *test* database (pytest-django renames the database
to `test_…`, so DATABASE_URL is rewritten for the worker). Tests that use it take
`transactional_db`: the worker only sees committed rows. The worker is stopped at the end of
the session; its log is printed when it fails to start.

Every other test runs Celery eagerly even when REDIS_URL is set (`.ci/run`'s first pass):
without a worker a `.delay().get()` would wait forever, and tasks queued into Redis by one
test would be run later by the session worker against another test's data. Only tests
marked `services` talk to the real broker.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

from trelleborg.celery import worker_argv

ROOT = Path(__file__).resolve().parents[2]


def worker_database_url(settings_dict: dict) -> str:
    """DATABASE_URL for the database pytest-django created (same server, test name)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + quote(settings_dict["NAME"])))


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[str]:
    """Start a worker and wait until it answers a ping; yields its node name."""
    from django.db import connection

    from trelleborg.celery import app

    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.fail(
            "celery_worker_process needs REDIS_URL and DATABASE_URL=postgres://… "
            "(the worker cannot share an in-memory SQLite test database)"
        )
    node = f"eor-test-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(connection.settings_dict),
        "DATABASE_CONN_MAX_AGE": "0",
        "PYTHONPATH": str(ROOT),
    }
    fd, name = tempfile.mkstemp(prefix="celery-worker-", suffix=".log")
    os.close(fd)
    log_path = Path(name)
    with log_path.open("wb") as log:
        yield from _run_worker(app, node, env, log, log_path)
    log_path.unlink()


def _run_worker(app, node: str, env: dict, log, log_path: Path) -> Iterator[str]:
    process = subprocess.Popen(
        worker_argv(node=node),  # every queue
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[node], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Celery worker did not start:\n" + log_path.read_text()[-4000:])
        yield node
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(autouse=True)
def _celery_eager_unless_services(request) -> Iterator[None]:
    if request.node.get_closest_marker("services"):
        yield
        return
    from trelleborg.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved
