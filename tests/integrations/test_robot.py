"""'A robot can post a day's events through the API and see them on the dashboard within
seconds': post a batch, read the figures endpoint back.

On the default run (eager Celery) the refresh runs when the import commits; with the
`services` marker the same goes through a real worker over Redis on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from reports.models import RefreshState
from trelleborg.months import format_month, today


def day_of_events(day: dt.date) -> list[dict]:
    """A robot's day: three applications, two decisions (one automated), one exit to work."""
    opened = (day - dt.timedelta(days=6)).isoformat()
    common = {"unit": "unit-a"}
    return [
        {**common, "event_id": "r-1", "case_id": "R-1", "client_ref": "K-90001",
         "event_type": "application_received", "occurred_on": opened},
        {**common, "event_id": "r-2", "case_id": "R-1", "client_ref": "K-90001",
         "event_type": "decision", "decision_mode": "automated", "occurred_on": day.isoformat()},
        {**common, "event_id": "r-3", "case_id": "R-2", "client_ref": "K-90002",
         "event_type": "application_received", "occurred_on": opened},
        {**common, "event_id": "r-4", "case_id": "R-2", "client_ref": "K-90002",
         "event_type": "decision", "occurred_on": day.isoformat()},
        {**common, "event_id": "r-5", "case_id": "R-3", "client_ref": "K-90003",
         "event_type": "application_received", "occurred_on": opened},
        {**common, "event_id": "r-6", "case_id": "R-3", "client_ref": "K-90003",
         "event_type": "exit", "reason": "work", "occurred_on": day.isoformat()},
    ]  # fmt: skip


def post_day(client, robot, day):
    response = client.post(
        "/api/v1/events/batch",
        json.dumps({"events": day_of_events(day)}),
        content_type="application/json",
        **robot.headers,
    )
    assert response.status_code == 200, response.content
    assert response.json()["new"] == 6


def month_figures(client, robot, day) -> dict:
    response = client.get(f"/api/v1/units/org/figures?year={day.year}", **robot.headers)
    assert response.status_code == 200
    return next(m for m in response.json()["months"] if m["month"] == format_month(day))


def assert_the_day_is_counted(month: dict) -> None:
    assert month["exits_total"] == 1 and month["exits_work"] == 1
    assert month["decisions"] == {"manual": 1, "automated": 1, "assisted": 0}
    assert month["lead_times"]["utredningstid"]["n"] == 2
    assert month["lead_times"]["utredningstid"]["median"] == 6.0


def test_a_robot_posts_a_day_and_reads_it_back(client, robot, django_capture_on_commit_callbacks):
    day = today()
    # The refresh is announced after commit; the test's transaction never commits, so the
    # callbacks are run as a commit would run them.
    with django_capture_on_commit_callbacks(execute=True):
        post_day(client, robot, day)
    assert_the_day_is_counted(month_figures(client, robot, day))


@pytest.mark.services
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_robot_sees_its_day_through_the_real_worker_within_seconds(
    celery_worker_process, client, robot
):
    day = today()
    started = time.monotonic()
    post_day(client, robot, day)
    deadline = started + 20
    month = month_figures(client, robot, day)
    while time.monotonic() < deadline and (
        month["exits_total"] != 1 or month["decisions"]["automated"] != 1
    ):
        time.sleep(0.2)
        month = month_figures(client, robot, day)
    assert_the_day_is_counted(month)
    assert not RefreshState.objects.outstanding().exists()
    print(f"robot batch -> figures through the worker: {time.monotonic() - started:.2f}s")  # noqa: T201
