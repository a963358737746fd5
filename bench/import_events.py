"""Benchmark: the case-event import (`cases.importing.import_file`) on a generated file.

    DATABASE_URL=postgres://… DEBUG=true .venv/bin/python bench/import_events.py [ROWS]

Creates a throwaway organisation (`bench-org` with 20 units and 50 caseworkers) if needed,
writes a CSV of ROWS events (default 1 000 000; ~5 events per case) to a temp file, then
times a dry run, the first import and an identical re-import, printing rows per second.
The file holds pseudonymous references only.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trelleborg.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from cases.importing import import_file  # noqa: E402
from goals.models import Unit  # noqa: E402
from goals.services import unit_save  # noqa: E402

TYPES = ["application_received", "decision", "first_meeting", "referral", "exit"]


def setup() -> tuple[list[str], list[str]]:
    root = Unit.objects.filter(code="bench-org").first() or unit_save(
        unit=Unit(code="bench-org", name="Bench")
    )
    units = []
    for n in range(20):
        code = f"bench-{n:02d}"
        if not Unit.objects.filter(code=code).exists():
            unit_save(unit=Unit(code=code, name=code, parent=root))
        units.append(code)
    User = get_user_model()
    users = []
    for n in range(50):
        name = f"bench-user-{n:02d}"
        User.objects.get_or_create(username=name)
        users.append(name)
    return units, users


def write_file(path: Path, rows: int, units: list[str], users: list[str]) -> None:
    rng = random.Random(1)
    start = dt.date(2024, 1, 1)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            "event_id,case_id,client_ref,unit,caseworker,event_type,occurred_on,reason,"
            "program,decision_mode\n"
        )
        for n in range(rows):
            case = n // 5
            event_type = TYPES[n % 5]
            day = start + dt.timedelta(days=(case % 600) + (n % 5) * 7)
            reason = rng.choice(["work", "studies", "moved"]) if event_type == "exit" else ""
            mode = "automated" if event_type == "decision" and n % 3 == 0 else ""
            out.write(
                f"b{n},C{case},K-{case:07d},{units[case % 20]},{users[case % 50]},"
                f"{event_type},{day.isoformat()},{reason},,{mode}\n"
            )


def timed(label: str, rows: int, fn):
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    print(
        f"{label:<22} {seconds:7.1f} s  {rows / seconds:9,.0f} rows/s  "
        f"new={result.new} changed={result.changed} unchanged={result.unchanged} "
        f"errors={len(result.errors)}"
    )
    return result


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    units, users = setup()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.csv"
        write_file(path, rows, units, users)
        print(
            f"{rows:,} rows, {path.stat().st_size / 1e6:.0f} MB, database {django.db.connection.vendor}"
        )

        def run(dry_run: bool):
            with path.open("rb") as stream:
                return import_file(stream, dry_run=dry_run)

        timed("dry run", rows, lambda: run(True))
        timed("first import", rows, lambda: run(False))
        timed("identical re-import", rows, lambda: run(False))


if __name__ == "__main__":
    main()
