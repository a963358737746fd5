"""The PostgreSQL path of the rollup computation: set-based INSERT … SELECT statements.

Mirrors `reports/frames.py` step for step (see its docstring for the rules):

- pairing is one window pass: per (indicator, case), events ordered by (date, starts before
  ends, id); a start pairs with the next row when that row is an end (LEAD). The sort is the
  largest cost, one per run, and no row ever travels to Python. The pairs go into a
  temporary table (CREATE TABLE AS, which PostgreSQL may run with parallel workers; an
  INSERT … SELECT never is) that the figures statement then reads.
- pooling joins leaf figures to a unit closure (descendant → ancestor, built from
  Unit.path and passed in as two arrays) and aggregates per ancestor. Durations are whole
  days, so they are pooled as histograms (leaf, month, days → count) instead of one row
  per pair and ancestor; median and p90 are read off the cumulative counts with
  percentile_cont's own arithmetic (ranks floor/ceil(q·(n−1)), lo + (hi − lo)·fraction),
  which gives the same floats as percentile_cont over the pooled durations without
  sorting them (the sort of every pair times every ancestor was the largest cost).
- open starts are +1 in the start's month and -1 in its pair's end month (the pairs
  grouped once by start unit, start month and end month), summed per ancestor and then
  run over the months with SUM() OVER (ORDER BY month).

All statements take the same parameters (see `params`) and filter events by organisation
only when the run does not cover every organisation, so a full recompute is plain scans.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection

from .frames import REASON_COLUMNS, ExitsSpec, LeadTimeSpec

INSERT_COLUMNS = (
    "unit_id, indicator_id, month, count, exits_work, exits_studies, exits_other_benefit, "
    "exits_moved, exits_other, median, p90, open_starts, computed_at, run_id"
)

CLOSURE = (
    "closure AS (SELECT * FROM unnest(%(desc)s::bigint[], %(anc)s::bigint[])"
    " AS c(descendant, ancestor))"
)


def _org_filter(all_organisations: bool) -> str:
    return "" if all_organisations else "AND e.organisation_id = ANY(%(orgs)s::bigint[])"


def pairs_sql(all_organisations: bool) -> str:
    """Pair every start with its end into a temporary table (see write_rollups).

    CREATE TABLE AS may run in parallel where INSERT … SELECT may not (PostgreSQL runs
    any statement that writes to a table serially), so the run's big sort, the window over
    every lead-time event, is split across the parallel workers. Event types are matched
    through an equi-join on (type → indicator, is_end) instead of an OR join, which keeps
    the plan parallel-safe and hashable."""
    return f"""
CREATE TEMPORARY TABLE rollup_pairs AS
WITH ev AS (
    SELECT m.indicator_id, e.case_id, e.unit_id, e.occurred_on, e.id, m.is_end
    FROM cases_caseevent e
    JOIN unnest(%(lt_map_ind)s::bigint[], %(lt_map_type)s::text[], %(lt_map_end)s::boolean[])
        AS m(indicator_id, event_type, is_end) ON m.event_type = e.event_type
    WHERE e.event_type = ANY(%(lt_types)s::text[]) {_org_filter(all_organisations)}
),
seq AS (
    SELECT indicator_id, is_end, unit_id, occurred_on,
           LEAD(is_end) OVER w AS next_is_end,
           LEAD(unit_id) OVER w AS next_unit,
           LEAD(occurred_on) OVER w AS next_on
    FROM ev
    WINDOW w AS (PARTITION BY indicator_id, case_id ORDER BY occurred_on, is_end, id)
)
SELECT indicator_id, unit_id AS start_unit, occurred_on AS start_on,
       CASE WHEN next_is_end THEN next_unit END AS end_unit,
       CASE WHEN next_is_end THEN next_on END AS end_on
FROM seq
WHERE NOT is_end
"""  # noqa: S608


def lead_time_sql(all_organisations: bool) -> str:
    # only constant fragments are interpolated; every value is a bound parameter
    return f"""
WITH {CLOSURE},
pairs AS NOT MATERIALIZED (SELECT * FROM rollup_pairs),
leaf_hist AS (
    SELECT end_unit AS unit_id, indicator_id,
           date_trunc('month', end_on::timestamp)::date AS month,
           end_on - start_on AS days, count(*) AS k
    FROM pairs
    WHERE end_on BETWEEN %(first)s AND %(last_day)s
    GROUP BY 1, 2, 3, 4
),
hist AS (
    SELECT unit_id, indicator_id, month, days, k,
           sum(k) OVER (PARTITION BY unit_id, indicator_id, month ORDER BY days
                        ROWS UNBOUNDED PRECEDING) AS upto,  -- days are unique here
           (sum(k) OVER (PARTITION BY unit_id, indicator_id, month))::bigint AS n
    FROM (SELECT c.ancestor AS unit_id, h.indicator_id, h.month, h.days, sum(h.k) AS k
          FROM leaf_hist h JOIN closure c ON c.descendant = h.unit_id
          GROUP BY 1, 2, 3, 4) pooled
),
ranks AS (
    SELECT unit_id, indicator_id, month, n,
           min(days) FILTER (WHERE upto > floor(0.5::float8 * (n - 1)::float8)) AS m_lo,
           min(days) FILTER (WHERE upto > ceil(0.5::float8 * (n - 1)::float8)) AS m_hi,
           min(days) FILTER (WHERE upto > floor(0.9::float8 * (n - 1)::float8)) AS p_lo,
           min(days) FILTER (WHERE upto > ceil(0.9::float8 * (n - 1)::float8)) AS p_hi
    FROM hist
    GROUP BY 1, 2, 3, 4
),
stats AS (
    SELECT unit_id, indicator_id, month, n,
           ARRAY[
               m_lo + (m_hi - m_lo)::float8
                   * (0.5::float8 * (n - 1)::float8 - floor(0.5::float8 * (n - 1)::float8)),
               p_lo + (p_hi - p_lo)::float8
                   * (0.9::float8 * (n - 1)::float8 - floor(0.9::float8 * (n - 1)::float8))
           ] AS q
    FROM ranks
),
spans AS (
    -- each pair once, by where and when it starts and when (if ever) it ends
    SELECT start_unit AS unit_id, indicator_id,
           GREATEST(date_trunc('month', start_on::timestamp)::date, %(first)s) AS s_month,
           CASE WHEN end_on <= %(last_day)s
                THEN GREATEST(date_trunc('month', end_on::timestamp)::date, %(first)s) END
               AS e_month,
           count(*) AS n
    FROM pairs WHERE start_on <= %(last_day)s
    GROUP BY 1, 2, 3, 4
),
leaf_diffs AS (
    SELECT unit_id, indicator_id, month, sum(d) AS d
    FROM (SELECT unit_id, indicator_id, s_month AS month, n AS d FROM spans
          UNION ALL
          SELECT unit_id, indicator_id, e_month, -n FROM spans WHERE e_month IS NOT NULL) x
    GROUP BY 1, 2, 3
),
anc_diffs AS (
    SELECT c.ancestor AS unit_id, l.indicator_id, l.month, sum(l.d) AS d
    FROM leaf_diffs l JOIN closure c ON c.descendant = l.unit_id
    GROUP BY 1, 2, 3
),
open_grid AS (
    SELECT k.unit_id, k.indicator_id, g.month::date AS month
    FROM (SELECT DISTINCT unit_id, indicator_id FROM anc_diffs) k
    CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 month') AS g(month)
),
open_starts AS (
    SELECT o.unit_id, o.indicator_id, o.month,
           sum(coalesce(a.d, 0)) OVER (
               PARTITION BY o.unit_id, o.indicator_id ORDER BY o.month
           ) AS open_starts
    FROM open_grid o
    LEFT JOIN anc_diffs a
        ON a.unit_id = o.unit_id AND a.indicator_id = o.indicator_id AND a.month = o.month
)
INSERT INTO reports_rollup ({INSERT_COLUMNS})
SELECT coalesce(s.unit_id, o.unit_id), coalesce(s.indicator_id, o.indicator_id),
       coalesce(s.month, o.month), coalesce(s.n, 0), 0, 0, 0, 0, 0, s.q[1], s.q[2],
       coalesce(o.open_starts, 0), %(now)s, %(run)s
FROM stats s
FULL JOIN open_starts o
    ON o.unit_id = s.unit_id AND o.indicator_id = s.indicator_id AND o.month = s.month
WHERE coalesce(s.n, 0) > 0 OR coalesce(o.open_starts, 0) > 0
"""  # noqa: S608


def exits_sql(all_organisations: bool) -> str:
    by_reason = ",\n       ".join(
        f"coalesce(sum(l.n) FILTER (WHERE l.reason = '{reason}'), 0)" for reason in REASON_COLUMNS
    )
    return f"""
WITH {CLOSURE},
xs AS (
    SELECT * FROM unnest(%(x_ind)s::bigint[], %(x_reason)s::text[], %(x_program)s::text[])
        AS x(indicator_id, reason, program)
),
leaf AS (
    SELECT e.unit_id, x.indicator_id, date_trunc('month', e.occurred_on::timestamp)::date AS month,
           e.reason, count(*) AS n
    FROM cases_caseevent e
    JOIN xs x ON e.reason = x.reason AND (x.program = '' OR e.program = x.program)
    WHERE e.event_type = 'exit' AND e.occurred_on BETWEEN %(first)s AND %(last_day)s
          {_org_filter(all_organisations)}
    GROUP BY 1, 2, 3, 4
)
INSERT INTO reports_rollup ({INSERT_COLUMNS})
SELECT c.ancestor, l.indicator_id, l.month, sum(l.n),
       {by_reason},
       NULL, NULL, 0, %(now)s, %(run)s
FROM leaf l JOIN closure c ON c.descendant = l.unit_id
GROUP BY 1, 2, 3
"""  # noqa: S608


COVERAGE_SQL = """
INSERT INTO reports_refreshstate (unit_id, month, status, generation, computed_at, run_id, error)
SELECT u, g.month::date, 'done', 0, %(now)s, %(run)s, ''
FROM unnest(%(units)s::bigint[]) AS u
CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 month') AS g(month)
ON CONFLICT (unit_id, month) DO UPDATE
    SET computed_at = EXCLUDED.computed_at, run_id = EXCLUDED.run_id
"""


def params(
    *,
    closure: Sequence[tuple[int, int]],
    organisation_ids: Sequence[int],
    exits: Sequence[ExitsSpec],
    lead_times: Sequence[LeadTimeSpec],
    first: dt.date,
    last: dt.date,
    last_day: dt.date,
    now: dt.datetime,
    run_id: int,
) -> dict:
    exploded = [(s.indicator_id, reason, s.program) for s in exits for reason in s.reasons]
    mapping = [
        (s.indicator_id, s.start_type, False) for s in lead_times if s.start_type != s.end_type
    ] + [(s.indicator_id, s.end_type, True) for s in lead_times]
    return {
        "desc": [d for d, _ in closure],
        "anc": [a for _, a in closure],
        "orgs": list(organisation_ids),
        "lt_ind": [s.indicator_id for s in lead_times],
        "lt_start": [s.start_type for s in lead_times],
        "lt_end": [s.end_type for s in lead_times],
        "lt_types": sorted({t for s in lead_times for t in (s.start_type, s.end_type)}),
        # type -> (indicator, is_end); an indicator whose start and end type are the same
        # has only its end row (an event of that type is an end, as the OR join had it)
        "lt_map_ind": [i for i, _t, _e in mapping],
        "lt_map_type": [t for _i, t, _e in mapping],
        "lt_map_end": [e for _i, _t, e in mapping],
        "x_ind": [x[0] for x in exploded],
        "x_reason": [x[1] for x in exploded],
        "x_program": [x[2] for x in exploded],
        "first": first,
        "last": last,
        "last_day": last_day,
        "now": now,
        "run": run_id,
    }


def write_rollups(
    values: dict, *, all_organisations: bool, has_exits: bool, has_lead_times: bool
) -> int:
    """Insert every non-zero rollup row of the scope; the caller has deleted the old ones."""
    written = 0
    with connection.cursor() as cursor:
        # One run's sorts fit in memory instead of spilling to disk, and JIT compilation
        # (a second or more for these plans) never pays off for a statement run once.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
        if has_exits:
            cursor.execute(exits_sql(all_organisations), values)
            written += cursor.rowcount
        if has_lead_times:
            cursor.execute("DROP TABLE IF EXISTS rollup_pairs")
            cursor.execute(pairs_sql(all_organisations), values)
            cursor.execute("ANALYZE rollup_pairs")  # temp tables are never auto-analysed
            cursor.execute(lead_time_sql(all_organisations), values)
            written += cursor.rowcount
            cursor.execute("DROP TABLE rollup_pairs")
    return written


def write_coverage(*, unit_ids: Sequence[int], values: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute(COVERAGE_SQL, {**values, "units": list(unit_ids)})


def lock_organisations(organisation_ids: Sequence[int]) -> None:
    """Serialise runs per organisation for the rest of the transaction (sorted: no deadlock),
    so two refreshes at once give the same rows instead of a unique violation."""
    with connection.cursor() as cursor:
        for org_id in sorted(set(organisation_ids)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5E0A, org_id % 2**31])
