"""gunicorn's settings for EOR, read by gunicorn itself from the working directory.

The Docker image, docker-compose and the HTTP benchmark (`python -m bench.http_exits`) all
start gunicorn in the project root with no settings of their own, so what is measured is
what is deployed. Sized for the machine from the environment:

    WEB_CONCURRENCY   worker processes (default: 2 × CPU cores + 1, 5 on two cores)
    GUNICORN_THREADS  threads per worker (default 2)
    GUNICORN_BIND     address to listen on (default 0.0.0.0:8000; `make prod-check` runs two
                      instances on two loopback ports behind nginx)

An exit POST is CPU-bound Python with a dozen short database round trips: a few processes
per core keep the cores busy while some wait on PostgreSQL, and two threads each let a
process overlap one wait without the GIL contention of many threads. `gthread` workers keep
idle keep-alive connections out of the way of requests (a slow client ties up no process).
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise SystemExit(f"{name} must be at least 1, got {value}")
    return value


wsgi_app = "trelleborg.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "").strip() or "0.0.0.0:8000"
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 2)
keepalive = 30
accesslog = "-"
# gunicorn 27's control socket ($HOME/.gunicorn/gunicorn.ctl) would be shared by two instances
# on one host (prod-check runs two) and EOR does not use it. Older gunicorns ignore the name.
control_socket_disable = True
