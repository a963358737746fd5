from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trelleborg.settings")

app = Celery("trelleborg")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
