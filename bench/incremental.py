"""Benchmark 2: from committing one logged exit to the dashboard figure being updated.

    python -m bench.incremental [--samples N] [--json]

Starts real Celery workers as docker-compose runs them (`celery -A trelleborg worker -Q celery
--concurrency=2`, and `-Q integrations --concurrency=1` for integrations' organisation-wide
figures, so an exit's refresh never queues behind them) against the same PostgreSQL and Redis (REDIS_URL must be set). Then, for
each sample: picks an open case (cases drawn at random, so large organisations come up as
often as their share of cases), reads the exits figure of the case's unit for this month
(the rollup row the unit dashboard shows), logs an exit through the cases service
(`cases.services.exit_log`, as the page does: one transaction, `events_changed` after
commit, reports queues the refresh on Redis) and polls that rollup row every 10 ms until it
shows one more exit. The clock starts before the service call, so it covers the commit.
Also reported: when the whole refresh (lead times too) of that unit and month is done.

Target (issue 7): ≤ 2 s.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid

from bench import common


def start_worker(queue: str = "celery", concurrency: int = 2) -> tuple[subprocess.Popen, str, str]:
    from trelleborg.celery import app, worker_argv

    node = f"eor-bench-{uuid.uuid4().hex[:8]}@localhost"
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (the process writes it after we return)
        prefix="eor-bench-worker-", suffix=".log", delete=False
    )
    env = {**os.environ, "PYTHONPATH": str(common.ROOT)}
    process = subprocess.Popen(
        # as docker-compose.yml runs the workers
        worker_argv(node=node, queues=queue, concurrency=concurrency, loglevel="WARNING"),
        cwd=common.ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while not app.control.ping(destination=[node], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("the Celery worker did not start; see " + log.name)
    return process, node, log.name


def figure(unit_id: int, indicator_id: int, month) -> int:
    from reports.models import Rollup

    row = (
        Rollup.objects.filter(unit_id=unit_id, indicator_id=indicator_id, month=month)
        .values_list("count", flat=True)
        .first()
    )
    return row or 0


def wait_idle(timeout: float = 600) -> None:
    """Until no refresh work is outstanding (the worker drains what start-up queued)."""
    from reports.models import RefreshState

    deadline = time.monotonic() + timeout
    while RefreshState.objects.outstanding().exists():
        if time.monotonic() > deadline:
            raise SystemExit("refresh work still outstanding after the timeout")
        time.sleep(0.2)


def main() -> None:
    args_parser = common.parser(__doc__.splitlines()[0])
    args_parser.add_argument("--samples", type=int, default=10)
    args_parser.add_argument("--timeout", type=float, default=120, help="per sample, seconds")
    args = args_parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("REDIS_URL is not set: this benchmark needs Redis and a real worker")
    common.setup_django()
    import random

    from cases.models import Case
    from cases.services import exit_log
    from goals.models import Indicator
    from reports.models import RefreshState
    from trelleborg.months import current_month, today
    from trelleborg.vocabulary import Source

    common.ensure_rollups()
    samples = 2 if args.smoke else args.samples
    indicator = Indicator.objects.get(code="avslut")
    month = current_month()
    worker, node, log_name = start_worker()
    side_worker, _side_node, _side_log = start_worker("integrations", concurrency=1)
    results = []
    try:
        wait_idle()
        rng = random.Random(2)
        top = Case.objects.order_by("-pk").values_list("pk", flat=True).first()
        while len(results) < samples:
            case = (
                Case.objects.filter(pk__gte=rng.randint(1, top), caseworker__isnull=False)
                .exclude(events__event_type="exit")
                .select_related("unit", "caseworker")
                .order_by("pk")
                .first()
            )
            if case is None:
                continue
            before = figure(case.unit_id, indicator.pk, month)
            started = time.perf_counter()
            exit_log(
                case=case,
                reason="work",
                occurred_on=today(),
                by=case.caseworker,
                source=Source.PAGE,
                confirm=True,
            )
            committed = time.perf_counter() - started
            deadline = started + args.timeout
            while figure(case.unit_id, indicator.pk, month) < before + 1:
                if time.perf_counter() > deadline:
                    raise SystemExit(f"no update within {args.timeout} s; worker log {log_name}")
                time.sleep(0.01)
            seconds = time.perf_counter() - started
            while (
                RefreshState.objects.filter(unit_id=case.unit_id, month=month)
                .exclude(status=RefreshState.Status.DONE)
                .exists()
            ):
                if time.perf_counter() > deadline:
                    raise SystemExit(f"refresh not done within {args.timeout} s")
                time.sleep(0.01)
            complete = time.perf_counter() - started
            results.append(
                {
                    "organisation": case.unit.root_code,
                    "unit": case.unit.code,
                    "commit_seconds": round(committed, 3),
                    "seconds": round(seconds, 3),
                    "refresh_complete_seconds": round(complete, 3),
                }
            )
            print(f"   {case.unit.code}: {seconds:.2f} s (all figures: {complete:.2f} s)")
            wait_idle()
    finally:
        for process in (worker, side_worker):
            process.terminate()
        for process in (worker, side_worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    seconds = [r["seconds"] for r in results]
    figures = {
        "database": common.database_facts(),
        "worker": node,
        "samples": results,
        **common.summary_ms(seconds),
        "refresh_complete": common.summary_ms([r["refresh_complete_seconds"] for r in results]),
    }
    targets = {"p95<=2s": common.verdict(common.percentile(seconds, 0.95), 2.0)}
    common.report("incremental", figures, write_json=args.json, targets=targets)


if __name__ == "__main__":
    main()
