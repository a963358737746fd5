"""Benchmark 6: the pandas path against the SQL path of the rollup, on the same data.

    python -m bench.pandas_vs_sql [--organisations N] [--json]

Runs `reports.compute.recompute` with backend "pandas" (what SQLite installations use:
events read into a DataFrame, paired and pooled in pandas/NumPy) and with backend "sql" (the
PostgreSQL INSERT … SELECT path) over the same scope, times each with peak memory, and
checks that both wrote the same rollup rows (counts exactly, medians and p90 to 1e-9).
With --organisations N only the N largest organisations are recomputed (the pandas path
holds every event of the scope in memory); by default all of them.
"""

from __future__ import annotations

import math
import time

from bench import common

FIELDS = (
    "unit_id",
    "indicator_id",
    "month",
    "count",
    "exits_work",
    "exits_studies",
    "exits_other_benefit",
    "exits_moved",
    "exits_other",
    "median",
    "p90",
    "open_starts",
)


def rows(units) -> dict:
    from reports.models import Rollup

    qs = Rollup.objects.all() if units is None else Rollup.objects.filter(unit__in=units)
    return {tuple(r[:3]): r[3:] for r in qs.values_list(*FIELDS)}


def same(a: dict, b: dict) -> tuple[bool, int]:
    differences = 0
    for key in a.keys() | b.keys():
        x, y = a.get(key), b.get(key)
        if x is None or y is None:
            differences += 1
            continue
        for u, v in zip(x, y, strict=True):
            if isinstance(u, float) and isinstance(v, float):
                if not math.isclose(u, v, rel_tol=0, abs_tol=1e-9):
                    differences += 1
                    break
            elif u != v:
                differences += 1
                break
    return differences == 0, differences


def main() -> None:
    args_parser = common.parser(__doc__.splitlines()[0])
    args_parser.add_argument("--organisations", type=int, default=0)
    args = args_parser.parse_args()
    common.setup_django()
    from django.db.models import Count

    from cases.models import Case
    from goals.models import Unit
    from reports.compute import recompute

    organisations = None
    units = None
    if args.organisations:
        ids = [
            r["organisation_id"]
            for r in Case.objects.values("organisation_id")
            .annotate(n=Count("id"))
            .order_by("-n", "organisation_id")[: args.organisations]
        ]
        organisations = list(Unit.objects.filter(pk__in=ids))
        units = list(Unit.objects.subtree_of(organisations))
    results = {}
    written = {}
    for backend in ("pandas", "sql"):
        with common.PeakMemory(common.backend_pid()) as memory:
            started = time.perf_counter()
            run = recompute(trigger="command", organisations=organisations, backend=backend)
            seconds = time.perf_counter() - started
        results[backend] = {
            "seconds": round(seconds, 2),
            "rows_written": run.rows_written,
            "events_read": run.events_read,
            **memory.as_dict(),
        }
        written[backend] = rows(units)
    equal, differences = same(written["pandas"], written["sql"])
    figures = {
        "database": common.database_facts(),
        "scope": "all organisations" if organisations is None else [u.code for u in organisations],
        **results,
        "ratio_pandas_to_sql": round(results["pandas"]["seconds"] / results["sql"]["seconds"], 2),
        "same_rows": equal,
        "rows_differing": differences,
    }
    common.report(
        "pandas_vs_sql",
        figures,
        write_json=args.json,
        targets={"same_rows": "met" if equal else "missed"},
    )
    if not equal:
        raise SystemExit("the pandas and SQL paths wrote different rows")


if __name__ == "__main__":
    main()
