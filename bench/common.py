"""What every benchmark shares: Django set-up for a timed run, machine facts, memory
sampling (this process and the PostgreSQL backends) and the report (printed; JSON in
bench/out/ with --json).

Benchmarks run with DEBUG off (Django keeps no query log, templates are cached) against the
database and Redis in DATABASE_URL / REDIS_URL: start them as CI does,
`eval "$(scripts/services.sh start)"`, see BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"

# Benchmark processes run without DEBUG (DEBUG records every query: slower and growing).
BENCH_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-only-key-not-for-any-deployment-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
}


def setup_django() -> None:
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trelleborg.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    # In-process benchmarks render templates without `collectstatic` (as the tests do); the
    # HTTP benchmark serves collected files through whitenoise like a deployment.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--json", action="store_true", help="also write bench/out/NAME.json")
    p.add_argument(
        "--smoke", action="store_true", help="a quick run on small data (CI): few repetitions"
    )
    return p


def machine() -> dict:
    import psutil

    load = os.getloadavg()
    return {
        "cpus": psutil.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "load_1_5_15": [round(x, 2) for x in load],
        "uptime_line": _uptime_line(),
        "at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }


def _uptime_line() -> str:
    try:
        import subprocess

        return subprocess.run(
            ["uptime"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return ""


def database_facts() -> dict:
    from django.db import connection

    facts = {"vendor": connection.vendor}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            facts["server_version"] = cursor.fetchone()[0]
            for name in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather"):
                cursor.execute(f"SHOW {name}")
                facts[name] = cursor.fetchone()[0]
    from cases.models import CaseEvent
    from goals.models import Unit

    facts["events"] = CaseEvent.objects.count()
    facts["organisations"] = Unit.objects.roots().count()
    facts["units"] = Unit.objects.count()
    return facts


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (as the product's own percentiles)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summary_ms(seconds: Sequence[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "max_ms": round(max(ms), 1),
    }


# --- memory -----------------------------------------------------------------------------------


def backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


class PeakMemory:
    """Samples memory every `interval` s in a thread: this process's RSS, and (PostgreSQL)
    the backend serving it plus its parallel workers.

    A backend's RSS counts every page of shared_buffers it has touched, once per process,
    so with shared_buffers at 4 GB three processes reading the same table report up to 12 GB
    that is really one server-wide cache, allocated at start whatever the run does. The
    figure that counts is what the run itself allocates: the processes' private memory
    (RssAnon in /proc/PID/status: sorts, hashes, tuples in work_mem). Both are reported;
    `peak_total_mb` = this process's RSS + the database processes' private memory.
    """

    def __init__(self, pid: int | None = None, interval: float = 0.05):
        import psutil

        self.psutil = psutil
        self.me = psutil.Process()
        self.backend = psutil.Process(pid) if pid else None
        self.interval = interval
        self.python_peak = 0
        self.db_peak = 0  # private memory (RssAnon)
        self.db_rss_peak = 0  # RSS, shared_buffers pages included
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _db_processes(self) -> list:
        if self.backend is None:
            return []
        processes = [self.backend]
        try:
            parent = self.backend.parent()
            marker = f"parallel worker for PID {self.backend.pid}"
            for child in parent.children() if parent else []:
                try:
                    if marker in " ".join(child.cmdline()):
                        processes.append(child)
                except self.psutil.Error:
                    continue
        except self.psutil.Error:
            pass
        return processes

    @staticmethod
    def _rss_anon(pid: int) -> int | None:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("RssAnon:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def _sample_db(self) -> None:
        private = rss = 0
        for process in self._db_processes():
            try:
                process_rss = process.memory_info().rss
            except self.psutil.Error:
                continue
            rss += process_rss
            anon = self._rss_anon(process.pid)
            private += process_rss if anon is None else anon  # no /proc: the upper bound
        self.db_peak = max(self.db_peak, private)
        self.db_rss_peak = max(self.db_rss_peak, rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.python_peak = max(self.python_peak, self.me.memory_info().rss)
            self._sample_db()
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.python_peak = max(self.python_peak, self.me.memory_info().rss)

    def as_dict(self) -> dict:
        mb = 2**20
        out = {"python_peak_rss_mb": round(self.python_peak / mb, 1)}
        if self.backend is not None:
            out["postgres_peak_private_mb"] = round(self.db_peak / mb, 1)
            out["postgres_peak_rss_mb"] = round(self.db_rss_peak / mb, 1)
            out["peak_total_mb"] = round((self.python_peak + self.db_peak) / mb, 1)
        return out


@contextmanager
def timed() -> Iterator[Callable[[], float]]:
    started = time.perf_counter()
    elapsed: list[float] = []
    yield lambda: elapsed[0] if elapsed else time.perf_counter() - started
    elapsed.append(time.perf_counter() - started)


# --- report -----------------------------------------------------------------------------------


def report(
    name: str,
    figures: dict,
    *,
    write_json: bool,
    targets: dict | None = None,
    headlines: Sequence[dict] = (),
) -> dict:
    """Print the figures (and targets, met or missed) and optionally write JSON.

    `headlines` (from `headline`): rows of issue 16's table, one printed line each."""
    payload = {"benchmark": name, "machine": machine(), "figures": figures}
    if targets:
        payload["targets"] = targets
    if headlines:
        payload["issue16"] = list(headlines)
    print(f"== {name}")
    print(json.dumps(payload, indent=2, default=str, ensure_ascii=False))
    for row in headlines:
        load = ", ".join(f"{x:.2f}" for x in row["load_1_5_15"])
        print(
            f"== ISSUE16 | {row['figure']} | {row['measured']} | {row['target']} | "
            f"{row['verdict']} | load {load}",
            flush=True,
        )
    if write_json:
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"{name}.json").write_text(
            json.dumps(payload, indent=2, default=str, ensure_ascii=False) + "\n"
        )
    return payload


def spaced(value: float) -> str:
    """12 345 678: thousands separated by a space, as Swedish and SI write them."""
    return f"{value:,.0f}".replace(",", " ")


def headline(figure: str, measured: str, target: str, verdict: str) -> dict:
    """One row of issue 16's table: printed as one line by `report` (`== ISSUE16 | …`) and
    kept in the JSON's `issue16` list (bench.summarise --issue16 prints them as a table)."""
    return {
        "figure": figure,
        "measured": measured,
        "target": target,
        "verdict": verdict,
        "load_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


def verdict(value: float, limit: float, *, higher_is_better: bool = False) -> str:
    ok = value >= limit if higher_is_better else value <= limit
    return "met" if ok else "missed"


def ensure_rollups() -> None:
    """Pages and the incremental benchmark read rollups: compute them once if missing."""
    from reports.compute import recompute
    from reports.models import Rollup

    if not Rollup.objects.exists():
        print("(no rollups yet: computing them once)")
        recompute(trigger="command")
