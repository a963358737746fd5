"""Faults: Redis (cache and Celery broker) goes away while exits are logged.

Logging an exit must still work (the event is the record; the refresh it asks for is kept
in reports' pending table), and the figures catch up when Redis is back. The test runs its
own redis-server on a free loopback port and stops it, so the shared one is never touched.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from django.urls import reverse

from cases.models import CaseEvent
from reports.models import RefreshState, Rollup
from tests.factories import CaseFactory
from trelleborg.celery import app as celery_app
from trelleborg.months import current_month, today

# (conftest re-seeds the built-in indicators a previous transactional test's flush removed)
pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis(settings) -> Iterator[PrivateRedis]:
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is needed for the services tests")
    server = PrivateRedis(_free_port())
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
        }
    }
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url = server.url
    celery_app.conf.task_always_eager = False
    celery_app._pool = None  # the connection pools follow broker_url only when rebuilt
    celery_app.amqp._producer_pool = None
    try:
        yield server
    finally:
        server.stop()
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def _log_exit(client, case):
    return client.post(
        reverse("cases:log_exit", args=[case.pk]),
        {"reason": "work", "occurred_on": today().isoformat(), "confirm": "on"},
    )


def test_exits_are_logged_while_redis_is_down_and_figures_catch_up(
    client, org, alice, private_redis
):
    from reports.services import refresh_drain

    month = current_month()
    cases = [CaseFactory(unit=org["a"], caseworker=alice) for _ in range(4)]
    client.force_login(alice)

    assert _log_exit(client, cases[0]).status_code == 302  # Redis up: scheduled normally

    private_redis.stop()
    started = time.monotonic()
    for case in cases[1:]:
        response = _log_exit(client, case)
        assert response.status_code == 302, response.content[:500]
    assert time.monotonic() - started < 30  # no request hangs on the missing broker
    assert CaseEvent.objects.exits().filter(unit=org["a"]).count() == 4
    assert RefreshState.objects.outstanding().filter(unit=org["a"], month=month).exists()

    private_redis.start()  # Redis is back: the sweep (beat, every five minutes) drains,
    refresh_drain()  # as reports.refresh_pending does in the worker
    row = Rollup.objects.get(unit=org["a"], indicator__code="avslut", month=month)
    assert row.count == 4
    assert not RefreshState.objects.outstanding().filter(unit=org["a"]).exists()
