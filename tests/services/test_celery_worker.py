from __future__ import annotations

import os

import pytest
from django.db import connection

from tests.factories import UnitFactory
from trelleborg.celery import diagnose

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_real_worker_runs_a_task_against_the_test_database(celery_worker_process):
    UnitFactory(code="seen-by-worker")
    UnitFactory(code="also-seen")

    result = diagnose.delay("goals.Unit").get(timeout=30)

    assert result["pid"] != os.getpid(), "the task must run in the worker, not eagerly here"
    assert result["database"] == connection.settings_dict["NAME"]
    assert result["count"] == 2


@pytest.mark.services
def test_services_tests_talk_to_the_real_broker():
    from trelleborg.celery import app

    assert app.conf.task_always_eager is False
    assert app.conf.broker_url.startswith("redis://")
