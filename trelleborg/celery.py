from __future__ import annotations

import os
import sys

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trelleborg.settings")

app = Celery("trelleborg")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every queue a task can be routed to (settings.CELERY_TASK_ROUTES), the default first.
ALL_QUEUES = ",".join(
    dict.fromkeys(["celery", *(route["queue"] for route in app.conf.task_routes.values())])
)


def worker_argv(
    *, node: str, queues: str = ALL_QUEUES, concurrency: int | None = None, loglevel="INFO"
) -> list[str]:
    """`celery worker` as tests and benchmarks start it: a node name of its own, no gossip or
    mingle (it starts in a second), a solo pool, or prefork with `concurrency` processes as
    docker-compose runs it."""
    pool = ["--pool=solo"] if concurrency is None else [f"--concurrency={concurrency}"]
    return [
        *(sys.executable, "-m", "celery", "-A", "trelleborg", "worker", *pool),
        *("-Q", queues, "-n", node, f"--loglevel={loglevel}"),
        *("--without-gossip", "--without-mingle"),
    ]


@app.task(name="trelleborg.diagnose")
def diagnose(model_label: str = "") -> dict:
    """Which process and database a worker uses, and how many rows `model_label` has there.

    For checking a deployment (`celery -A trelleborg call trelleborg.diagnose`) and for the
    test that proves a real worker runs tasks against the test database.
    """
    from django.apps import apps
    from django.db import connection

    result = {"pid": os.getpid(), "database": connection.settings_dict["NAME"]}
    if model_label:
        result["count"] = apps.get_model(model_label).objects.count()
    return result
