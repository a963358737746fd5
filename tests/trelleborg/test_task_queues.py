"""Task routing: integrations' slow organisation-wide figures run on a queue of their own,
and every queue a task can be routed to has a worker in docker-compose.yml."""

from __future__ import annotations

import re
from pathlib import Path

from trelleborg.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _queue_of(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name)
    return route["queue"].name


def test_integrations_tasks_do_not_share_the_dashboard_refresh_queue():
    import integrations.tasks  # noqa: F401  (registers the tasks)
    import reports.tasks  # noqa: F401

    assert _queue_of("integrations.refresh_figures") == "integrations"
    assert _queue_of("reports.refresh_pending") == "celery"
    assert _queue_of("reports.rollup_nightly") == "celery"


def test_docker_compose_runs_a_worker_for_every_queue():
    # Each service names a role of scripts/entrypoint.sh, which holds the commands.
    compose = (ROOT / "docker-compose.yml").read_text()
    entrypoint = (ROOT / "scripts" / "entrypoint.sh").read_text()
    roles = dict(re.findall(r"^    ([a-z-]+)\)\n(.*?);;", entrypoint, flags=re.M | re.S))
    consumed = set()
    for role in re.findall(r'command: \["([a-z-]+)"\]', compose):
        args = roles.get(role, "").split()
        if "worker" in args:
            consumed.update(args[args.index("-Q") + 1].split(","))
    import integrations.tasks  # noqa: F401
    import reports.tasks  # noqa: F401

    routed = {_queue_of(name) for name in app.tasks if not name.startswith("celery.")}
    assert routed <= consumed, f"no worker consumes {routed - consumed}"
