from __future__ import annotations

from trelleborg.celery import app, diagnose


def test_tests_without_the_services_marker_run_tasks_eagerly():
    # even when REDIS_URL is set (CI's first pass): nobody would consume the queue
    assert app.conf.task_always_eager is True
    result = diagnose.delay()
    assert result.get(timeout=5)["pid"] > 0
