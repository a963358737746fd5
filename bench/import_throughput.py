"""Benchmark 4: import throughput of a one-million-row case-event CSV file.

    python -m bench.import_throughput [--rows 1000000] [--keep] [--json]

Writes a CSV file in the DESIGN.md format (new events on new cases, spread over the groups
and caseworkers of the data set, the last twelve months, ~10 events a case, exits with
reasons), then times `python manage.py import_events FILE` in-process (call_command): the
whole path, reading and validating every row, staging, the whole-file checks and the
writes, and then the foreign-key checks a COMMIT would run: Django's foreign keys are
DEFERRABLE INITIALLY DEFERRED, so every inserted event and audit row queues its checks
until commit (`SET CONSTRAINTS ALL IMMEDIATE` runs them at that point, inside the clock;
they are also reported on their own). By default the import runs inside an outer
transaction that is rolled back after the clock stops, so the data set stays as generated
(what is left of a commit is the WAL flush; the benchmark cluster runs with
synchronous_commit=off). --keep commits instead.

The report also lists the time of each SQL statement the import ran (the slowest first,
`statements`); what is left of `seconds` is Python: reading and checking the rows and
feeding them to COPY (`python_and_copy_seconds`).

Target (issue 7): ≥ 50 000 rows/s.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
import time
from pathlib import Path

from bench import common


class Rollback(Exception):
    pass


class StatementTimes:
    """A connection execute wrapper: wall time per SQL statement (first line, shortened)."""

    def __init__(self):
        self.times: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            label = " ".join(str(sql).split())[:110]
            self.times.append((time.perf_counter() - started, label))

    def report(self, least: float = 0.05) -> list[str]:
        ordered = sorted(self.times, reverse=True)
        return [f"{seconds:7.2f} s  {label}" for seconds, label in ordered if seconds >= least]

    def total(self) -> float:
        return sum(seconds for seconds, _label in self.times)


def write_csv(path: Path, rows: int, seed: int = 4) -> dict:
    import numpy as np

    from cases.importing import COLUMNS
    from cases.models import Case
    from goals.models import Membership
    from trelleborg.months import today
    from trelleborg.vocabulary import Role

    rng = np.random.default_rng(seed)
    staff = list(
        Membership.objects.filter(role=Role.CASEWORKER)
        .order_by("pk")
        .values_list("unit__code", "user__username")
    )
    if not staff:
        raise SystemExit("no caseworkers: run generate_synthetic first")
    n_cases = max(1, rows // 10)
    case_staff = rng.integers(0, len(staff), size=n_cases)
    case_of_row = np.sort(rng.integers(0, n_cases, size=rows))
    end = today()
    day = end - dt.timedelta(days=364)
    offsets = rng.integers(0, 365, size=rows)
    kinds = rng.choice(
        ["application_received", "decision", "first_meeting", "exit"],
        size=rows,
        p=[0.44, 0.44, 0.07, 0.05],
    )
    reasons = rng.choice(["work", "studies", "other_benefit", "moved", "other"], size=rows)
    modes = rng.choice(["manual", "automated", "assisted"], size=rows, p=[0.8, 0.15, 0.05])
    taken = Case.objects.filter(case_number__startswith="IMP-").exists()
    if taken:
        raise SystemExit("cases IMP-… exist already (an earlier --keep run): regenerate data")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)  # the DESIGN.md header, as the importer defines it
        for i in range(rows):
            case = int(case_of_row[i])
            unit, username = staff[int(case_staff[case])]
            kind = str(kinds[i])
            writer.writerow(
                [
                    f"IMP-{i + 1}",
                    f"IMP-{case + 1}",
                    f"K-IMP{case + 1:07d}",
                    unit,
                    username,
                    kind,
                    (day + dt.timedelta(days=int(offsets[i]))).isoformat(),
                    str(reasons[i]) if kind == "exit" else "",
                    "forsorjningsstod",
                    str(modes[i]) if kind == "decision" else "",
                ]
            )
    return {"rows": rows, "cases": n_cases, "bytes": path.stat().st_size}


def main() -> None:
    args_parser = common.parser(__doc__.splitlines()[0])
    args_parser.add_argument("--rows", type=int, default=1_000_000)
    args_parser.add_argument("--keep", action="store_true", help="commit the imported rows")
    args = args_parser.parse_args()
    common.setup_django()
    from django.core.management import call_command
    from django.db import connection, transaction

    rows = 20_000 if args.smoke else args.rows
    with tempfile.TemporaryDirectory(prefix="eor-bench-") as tmp:
        path = Path(tmp) / "events.csv"
        started = time.perf_counter()
        file_facts = write_csv(path, rows)
        file_facts["write_seconds"] = round(time.perf_counter() - started, 1)
        facts = common.database_facts()
        statements = StatementTimes()
        with common.PeakMemory(common.backend_pid()) as memory:
            try:
                with transaction.atomic():
                    started = time.perf_counter()
                    with connection.execute_wrapper(statements):
                        call_command("import_events", str(path))
                    imported = time.perf_counter()
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT checks
                    seconds = time.perf_counter() - started
                    checks = time.perf_counter() - imported
                    if not args.keep:
                        raise Rollback
            except Rollback:
                pass
    figures = {
        "database": facts,
        "file": file_facts,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "deferred_fk_check_seconds": round(checks, 2),
        "sql_seconds": round(statements.total(), 2),
        "python_and_copy_seconds": round(seconds - checks - statements.total(), 2),
        "statements": statements.report(),
        "committed": args.keep,
        **memory.as_dict(),
    }
    targets = {
        "rows_per_second>=50000": common.verdict(rows / seconds, 50_000, higher_is_better=True)
    }
    headline = common.headline(
        "import rows/s",
        f"{common.spaced(rows / seconds)} rows/s ({common.spaced(rows)} rows in {seconds:.1f} s; "
        f"SQL {statements.total():.1f} s, deferred FK checks {checks:.1f} s; into "
        f"{common.spaced(facts['events'])} events)",
        "≥ 50 000 rows/s",
        targets["rows_per_second>=50000"],
    )
    common.report(
        "import_throughput", figures, write_json=args.json, targets=targets, headlines=[headline]
    )


if __name__ == "__main__":
    main()
