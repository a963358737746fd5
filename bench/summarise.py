"""Print the figures of bench/out/*.json as the Markdown table of BENCHMARKS.md.

python -m bench.summarise
"""

from __future__ import annotations

import json

from bench.common import OUT


def load(name: str) -> dict | None:
    path = OUT / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def n(value: float) -> str:
    """12 345 678: thousands separated by a space, as Swedish and SI write them."""
    return f"{value:,.0f}".replace(",", " ")


def load_line(payload: dict) -> str:
    m = payload["machine"]
    return f"load {m['load_1_5_15'][0]:.1f} ({m['at'][11:16]} UTC)"


# Issue 16's table, in its order: the benchmarks whose JSON carries its rows.
ISSUE16_ORDER = ["http_exits_floor", "import_throughput", "rollup", "pages"]


def issue16() -> None:
    """The rows of issue 16's table from bench/out/*.json (their `issue16` lists)."""
    for name in ISSUE16_ORDER:
        payload = load(name)
        if payload is None:
            print(f"| ({name}: not run) | | | | |")
            continue
        for row in payload.get("issue16", []):
            load_avg = ", ".join(f"{x:.2f}" for x in row["load_1_5_15"])
            cells = (row["figure"], row["measured"], row["target"], row["verdict"], load_avg)
            print("| " + " | ".join(cells) + " |")


def main() -> None:
    import sys

    if "--issue16" in sys.argv[1:]:
        issue16()
        return
    rows = []
    r = load("rollup")
    if r:
        f = r["figures"]
        run = f["runs"][0]
        scan = f["seq_scan_seconds"]
        warm = min(s for s in (scan["warm_before"], scan["warm_after"]) if s)
        rows.append(
            (
                "1. full rollup recompute",
                f"{f['recompute_seconds']:.1f} s; peak {run.get('peak_total_mb', run['python_peak_rss_mb']):.0f} MB "
                f"(Python {run['python_peak_rss_mb']:.0f} MB + PostgreSQL backend and workers' "
                f"own memory {run.get('postgres_peak_private_mb', 0):.0f} MB; their RSS with "
                f"the shared_buffers pages they touched {run.get('postgres_peak_rss_mb', 0):.0f} MB); "
                f"one seq scan {warm:.2f} s warm "
                f"→ ratio {f['ratio_recompute_to_seq_scan']:.1f}×",
                "≤ 30 s, ≤ 2 GB, ≤ 5×",
                ", ".join(f"{k.split('<')[0]} {v}" for k, v in r["targets"].items()),
                load_line(r),
            )
        )
    r = load("incremental")
    if r:
        f = r["figures"]
        rows.append(
            (
                "2. exit committed → dashboard figure",
                f"p50 {f['p50_ms'] / 1000:.2f} s, p95 {f['p95_ms'] / 1000:.2f} s, max "
                f"{f['max_ms'] / 1000:.2f} s over {f['n']} exits (whole refresh incl. lead times: "
                f"p50 {f['refresh_complete']['p50_ms'] / 1000:.1f} s, max "
                f"{f['refresh_complete']['max_ms'] / 1000:.1f} s)",
                "≤ 2 s",
                next(iter(r["targets"].values())),
                load_line(r),
            )
        )
    r = load("pages")
    if r:
        for name, page in r["figures"]["pages"].items():
            verdicts = [v for k, v in r["targets"].items() if k.startswith(name + ":")]
            rows.append(
                (
                    f"3. {name.replace('_', ' ')}",
                    f"p50 {page['p50_ms']:.0f} ms, p95 {page['p95_ms']:.0f} ms, "
                    f"{page['queries']} queries (n = {page['n']})",
                    "p95 ≤ 100 ms, ≤ 10 queries",
                    " / ".join(verdicts),
                    load_line(r),
                )
            )
    r = load("import_throughput")
    if r:
        f = r["figures"]
        rows.append(
            (
                f"4. import ({n(f['file']['rows'])} rows)",
                f"{n(f['rows_per_second'])} rows/s ({f['seconds']:.1f} s; peak "
                f"{f.get('peak_total_mb', f['python_peak_rss_mb']):.0f} MB)",
                "≥ 50 000 rows/s",
                next(iter(r["targets"].values())),
                load_line(r),
            )
        )
    r = load("http_exits")
    if r:
        f = r["figures"]
        p, s = f["paced"], f["saturation"]
        rows.append(
            (
                "5. exits over HTTP",
                f"paced at {p['offered_rate']:.0f}/s: achieved {p['requests_per_second']:.0f}/s, "
                f"p95 {p['p95_ms']:.0f} ms, {p['error_count']} errors; saturation "
                f"({s['threads']} threads): {s['requests_per_second']:.0f} req/s, p50 "
                f"{s['p50_ms']:.0f} ms, p95 {s['p95_ms']:.0f} ms, {s['error_count']} errors",
                "≥ 150 req/s, p95 ≤ 100 ms, 0 errors",
                ", ".join(f"{k} {v}" for k, v in r["targets"].items()),
                load_line(r),
            )
        )
    r = load("pandas_vs_sql")
    if r:
        f = r["figures"]
        scope = (
            f["scope"]
            if isinstance(f["scope"], str)
            else f"{len(f['scope'])} largest organisations"
        )
        rows.append(
            (
                "6. pandas vs SQL",
                f"{scope}, {n(f['sql']['events_read'])} events: pandas {f['pandas']['seconds']:.1f} s "
                f"(peak {f['pandas'].get('peak_total_mb', 0):.0f} MB), SQL {f['sql']['seconds']:.1f} s "
                f"→ {f['ratio_pandas_to_sql']:.1f}×; same rows: {f['same_rows']}",
                "(no target) figures match",
                "met" if f["same_rows"] else "missed",
                load_line(r),
            )
        )
    print("| benchmark | measured | target | verdict | machine |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
