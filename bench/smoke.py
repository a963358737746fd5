"""Run every benchmark once on the `tiny` preset, to keep them working (CI, `make bench-smoke`).

    python -m bench.smoke

Needs DATABASE_URL (PostgreSQL) and REDIS_URL, as `scripts/services.sh start` exports them.
Works in a database of its own on the same server (`<name>_bench_smoke`, created and
dropped here), so it never touches the data in DATABASE_URL. No time is asserted: a
benchmark fails only when it cannot run (or the pandas and SQL paths disagree).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

from bench.common import BENCH_ENV, ROOT

BENCHMARKS = [
    ["bench.rollup"],
    ["bench.pages"],
    ["bench.import_throughput"],
    ["bench.pandas_vs_sql"],
    ["bench.incremental"],
    ["bench.http_exits"],
    ["bench.http_exits", "--floor"],
]


def _admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        print("bench-smoke needs DATABASE_URL=postgres://… and REDIS_URL (scripts/services.sh)")
        return 2
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'eor'}_bench_smoke"
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": urlunsplit(parts._replace(path="/" + name))}
    _admin(url, f'DROP DATABASE IF EXISTS "{name}"')
    _admin(url, f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    try:
        steps = [
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            [sys.executable, "manage.py", "generate_synthetic", "--preset", "tiny", "--replace"],
        ] + [[sys.executable, "-m", *bench, "--smoke"] for bench in BENCHMARKS]
        for step in steps:
            print("==", " ".join(step[1:]), flush=True)
            subprocess.run(step, cwd=ROOT, env=env, check=True)
    except subprocess.CalledProcessError as exc:
        print(f"bench-smoke failed: {' '.join(exc.cmd[1:])} exited {exc.returncode}")
        return 1
    finally:
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"== bench-smoke passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
