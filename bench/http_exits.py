"""Benchmark 5: exits logged over HTTP against gunicorn on loopback.

    python -m bench.http_exits [--rate 150] [--seconds 30] [--concurrency 16]
                               [--gunicorn "--workers 3 --threads 4"] [--worker] [--json]

Starts gunicorn (`trelleborg.wsgi`, DEBUG off, static files collected, bound to 127.0.0.1
only) with the deployment's settings: `gunicorn.conf.py` in the project root, the file the
Docker image and docker-compose use, sized by WEB_CONCURRENCY and GUNICORN_THREADS as there
(`--gunicorn` adds arguments on top, for trying other settings). It signs in `--users`
caseworkers of the data set (sessions made as a sign-in makes them). A Python load
generator (threads, keep-alive connections, stdlib only) then POSTs the exit form of the
case page (`arenden/<pk>/avslut/`, htmx headers, CSRF token, "confirm" ticked so a case can
exit again) for open cases of each caseworker, in two phases:

1. paced: requests scheduled at `--rate` per second for `--seconds` (open loop: latency is
   measured from the scheduled time, so a server that falls behind shows it);
2. saturation: `--concurrency` threads back to back for `--seconds`: the most it sustains.

Bounded in count and time, loopback only. Every answer other than 200 is an error.
Each exit commits and announces events_changed, so reports records the refresh work and
queues one coalesced task on Redis (no worker runs unless --worker: the figures are the
web tier's; with --worker a Celery worker shares the two cores).

Target (issue 7): ≥ 150 req/s sustained, p95 ≤ 100 ms, 0 errors.

`--floor` (issue 16) measures the exit against a floor in the same run instead: gunicorn runs
bench/floor_wsgi.py (the deployment's settings plus one benchmark-only URL, `bench/floor/`: a login-required, CSRF-checked POST that inserts one row), and the phases are
the floor's saturation, the exit's saturation, then exits paced at half the floor's sustained
rate. Targets: exit ÷ floor sustained ≥ 0.7×, p95 at half the floor's rate ≤ 100 ms.
"""

from __future__ import annotations

import http.client
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlencode

from bench import common

CSRF = "BenchCsrfSecretBenchCsrfSecret12"  # 32 characters: an unmasked CSRF secret


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def deployment_settings() -> str:
    """What gunicorn.conf.py gives in this environment (the settings the run used)."""
    import runpy

    conf = runpy.run_path(str(common.ROOT / "gunicorn.conf.py"))
    return (
        f"gunicorn.conf.py: workers={conf['workers']} worker_class={conf['worker_class']} "
        f"threads={conf['threads']} keepalive={conf['keepalive']}"
    )


def start_gunicorn(port: int, extra: str, app: str = "") -> tuple[subprocess.Popen, str]:
    env = {**os.environ, **{k: v for k, v in common.BENCH_ENV.items() if k not in os.environ}}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=common.ROOT,
        env=env,
        check=True,
    )
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (the process writes it after we return)
        prefix="eor-bench-gunicorn-", suffix=".log", delete=False
    )
    # gunicorn reads gunicorn.conf.py from its working directory (the project root).
    # An app on the command line (the floor's) replaces gunicorn.conf.py's wsgi_app only.
    args = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *shlex.split(extra)]
    if app:
        args.append(app)
    process = subprocess.Popen(args, cwd=common.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/logga-in/")
            conn.getresponse().read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit("gunicorn did not start; see " + log.name) from None
            time.sleep(0.2)
    return process, log.name


def sessions_and_cases(users: int, cases_per_user: int) -> list[tuple[str, list[int]]]:
    """(session cookie, case ids) for caseworkers with the most open cases."""
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client

    from cases.models import Case
    from goals.models import Membership

    workers = (
        Case.objects.filter(caseworker__isnull=False)
        .exclude(events__event_type="exit")
        .values("caseworker_id")
        .annotate(n=Count("id"))
        .order_by("-n", "caseworker_id")[:users]
    )
    out = []
    for row in workers:
        user = (
            Membership.objects.select_related("user").filter(user_id=row["caseworker_id"])[0].user
        )
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        cases = list(
            Case.objects.filter(caseworker=user)
            .exclude(events__event_type="exit")
            .order_by("pk")
            .values_list("pk", flat=True)[:cases_per_user]
        )
        out.append((cookie, cases))
    return out


class Load:
    def __init__(self, port: int, jobs: list[tuple[str, int]], today: str, path: str = ""):
        self.port = port
        self.path = path  # every POST to this path (the floor) instead of the case's exit form
        self.jobs = jobs
        self.body = urlencode({"reason": "work", "occurred_on": today, "confirm": "on"})
        self.lock = threading.Lock()
        self.index = 0

    def next_job(self) -> tuple[str, int]:
        with self.lock:
            job = self.jobs[self.index % len(self.jobs)]
            self.index += 1
            return job

    def post(self, conn: http.client.HTTPConnection, cookie: str, case: int) -> int:
        from django.conf import settings

        conn.request(
            "POST",
            self.path or f"/arenden/{case}/avslut/",
            body=self.body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}; {settings.CSRF_COOKIE_NAME}={CSRF}",
                "X-CSRFToken": CSRF,
                "HX-Request": "true",
                "HX-Target": "exit-form",
                "Host": "127.0.0.1",
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status

    def run(self, *, threads: int, seconds: float, rate: float | None, max_requests: int) -> dict:
        """Closed loop (rate None) or paced at `rate`/s; returns latencies and errors."""
        latencies: list[float] = []
        errors: dict[str, int] = {}
        done = threading.Event()
        start = time.perf_counter() + 0.2
        counter = iter(range(max_requests))
        counter_lock = threading.Lock()

        def slot() -> int | None:
            with counter_lock:
                return next(counter, None)

        def worker() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            while not done.is_set():
                i = slot()
                if i is None:
                    return
                scheduled = start + i / rate if rate else time.perf_counter()
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                if time.perf_counter() > start + seconds:
                    return
                cookie, case = self.next_job()
                try:
                    status = self.post(conn, cookie, case)
                except (OSError, http.client.HTTPException) as exc:
                    status = type(exc).__name__
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                latency = time.perf_counter() - max(scheduled, start)
                with counter_lock:
                    latencies.append(latency)
                    if status != 200:
                        errors[str(status)] = errors.get(str(status), 0) + 1
            conn.close()

        pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join(timeout=seconds + 60)
        done.set()
        wall = time.perf_counter() - start
        return {
            "requests": len(latencies),
            "seconds": round(wall, 2),
            "requests_per_second": round(len(latencies) / wall, 1),
            "errors": errors,
            "error_count": sum(errors.values()),
            **common.summary_ms(latencies),
        }


def main() -> None:
    args_parser = common.parser(__doc__.splitlines()[0])
    args_parser.add_argument("--rate", type=float, default=150)
    args_parser.add_argument("--seconds", type=float, default=30)
    args_parser.add_argument("--concurrency", type=int, default=16)
    args_parser.add_argument("--users", type=int, default=40)
    args_parser.add_argument(
        "--gunicorn",
        default="",
        help="gunicorn arguments on top of gunicorn.conf.py (default: none, as deployed)",
    )
    args_parser.add_argument("--worker", action="store_true", help="also run a Celery worker")
    args_parser.add_argument(
        "--floor",
        action="store_true",
        help="measure against the floor (bench/floor_urls.py) in the same run (issue 16)",
    )
    args = args_parser.parse_args()
    common.setup_django()
    from trelleborg.months import today

    seconds = 3 if args.smoke else args.seconds
    rate = min(args.rate, 20) if args.smoke else args.rate
    max_requests = int(rate * seconds * 2) + 10_000
    people = sessions_and_cases(3 if args.smoke else args.users, 50)
    jobs = [(cookie, case) for cookie, cases in people for case in cases]
    if not jobs:
        raise SystemExit("no open cases with a caseworker: run generate_synthetic first")
    port = free_port()
    server, log_name = start_gunicorn(
        port, args.gunicorn, "bench.floor_wsgi:application" if args.floor else ""
    )
    celery = None
    try:
        if args.worker:
            from bench.incremental import start_worker

            celery, _node, _log = start_worker()
        load = Load(port, jobs, today().isoformat())
        load.run(threads=4, seconds=2, rate=None, max_requests=50)  # warm-up
        if args.floor:
            from bench.floor_urls import FLOOR_PATH

            floor_load = Load(port, jobs, today().isoformat(), path="/" + FLOOR_PATH)
            floor_load.run(threads=4, seconds=2, rate=None, max_requests=50)  # warm-up
            floor = floor_load.run(
                threads=args.concurrency, seconds=seconds, rate=None, max_requests=max_requests
            )
            saturated = load.run(
                threads=args.concurrency, seconds=seconds, rate=None, max_requests=max_requests
            )
            rate = round(floor["requests_per_second"] / 2, 1)
            paced = load.run(
                threads=args.concurrency,
                seconds=seconds,
                rate=rate,
                max_requests=int(rate * seconds * 2) + 100,
            )
        else:
            paced = load.run(
                threads=args.concurrency, seconds=seconds, rate=rate, max_requests=max_requests
            )
            saturated = load.run(
                threads=args.concurrency, seconds=seconds, rate=None, max_requests=max_requests
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
        if celery is not None:
            celery.terminate()
            celery.wait(timeout=30)
    figures = {
        "database": common.database_facts(),
        "gunicorn": " ".join(filter(None, [deployment_settings(), args.gunicorn])),
        "gunicorn_log": log_name,
        "celery_worker": bool(args.worker),
        "users": len(people),
        "paced": {"offered_rate": rate, **paced},
        "saturation": {"threads": args.concurrency, **saturated},
    }
    targets = {
        "paced:achieved>=150/s": common.verdict(
            paced["requests_per_second"], 150, higher_is_better=True
        ),
        "paced:p95<=100ms": common.verdict(paced["p95_ms"], 100),
        "paced:errors==0": "met" if paced["error_count"] == 0 else "missed",
        "saturation:req/s>=150": common.verdict(
            saturated["requests_per_second"], 150, higher_is_better=True
        ),
        "saturation:errors==0": "met" if saturated["error_count"] == 0 else "missed",
    }
    if args.floor:
        ratio = saturated["requests_per_second"] / max(floor["requests_per_second"], 0.1)
        figures["floor"] = {"threads": args.concurrency, **floor}
        figures["exit_over_floor"] = round(ratio, 3)
        targets = {
            "exit÷floor sustained>=0.7": common.verdict(ratio, 0.7, higher_is_better=True),
            "paced at half the floor: p95<=100ms": common.verdict(paced["p95_ms"], 100),
            "errors==0": "met"
            if paced["error_count"] + saturated["error_count"] + floor["error_count"] == 0
            else "missed",
        }
        headlines = [
            common.headline(
                "exit POST sustained ÷ floor sustained",
                f"{ratio:.2f}× (exit {saturated['requests_per_second']:.1f} req/s ÷ floor "
                f"{floor['requests_per_second']:.1f} req/s, {args.concurrency} threads, "
                f"{seconds:.0f} s each)",
                "≥ 0.7×",
                targets["exit÷floor sustained>=0.7"],
            ),
            common.headline(
                "exit POST p95 at 50 % of the floor's sustained rate",
                f"p95 {paced['p95_ms']:.0f} ms (p50 {paced['p50_ms']:.0f}; offered {rate}/s, "
                f"achieved {paced['requests_per_second']:.1f}/s, {paced['error_count']} errors)",
                "≤ 100 ms",
                targets["paced at half the floor: p95<=100ms"],
            ),
        ]
        common.report(
            "http_exits_floor", figures, write_json=args.json, targets=targets, headlines=headlines
        )
        return
    common.report("http_exits", figures, write_json=args.json, targets=targets)


if __name__ == "__main__":
    main()
