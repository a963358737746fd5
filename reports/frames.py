"""The DESIGN.md indicator rules as pure functions over pandas DataFrames (no database).

This is the SQLite path of the rollup computation, and the reference the PostgreSQL path is
tested against. It mirrors `reports/sql.py` step by step so the two give identical figures:

- pairing: on one case, sort the indicator's start and end events by (date, starts before
  ends on the same date, id). A start pairs with the row right after it when that row is an
  end: such an end is dated on or after the start and before the next start (an end on the
  same date as the next start sorts after it and belongs to it). Everything else is open.
- percentiles: linear interpolation, with the very floating-point steps of PostgreSQL's
  percentile_cont (lo + (hi − lo) × fraction), so the paths agree to the last bit.
- pooling: every leaf figure is joined to each of its ancestors through a closure table
  (descendant → ancestor, itself included) and aggregated there: a parent's median is over
  the pooled durations, never a median of medians.

Dates travel as int64 day numbers (days since 1970-01-01) and months as int64 month numbers
(months since 1970-01); `month_number` and `month_date` convert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

EVENT_COLUMNS = ["id", "case_id", "unit_id", "event_type", "day", "reason", "program"]
REASON_COLUMNS = {
    "work": "exits_work",
    "studies": "exits_studies",
    "other_benefit": "exits_other_benefit",
    "moved": "exits_moved",
    "other": "exits_other",
}
ROLLUP_COLUMNS = [
    "unit_id",
    "indicator_id",
    "month",
    "count",
    *REASON_COLUMNS.values(),
    "median",
    "p90",
    "open_starts",
]


@dataclass(frozen=True)
class ExitsSpec:
    indicator_id: int
    reasons: tuple[str, ...]
    program: str = ""  # "" = every program


@dataclass(frozen=True)
class LeadTimeSpec:
    indicator_id: int
    start_type: str
    end_type: str


def month_number(month: dt.date) -> int:
    return (month.year - 1970) * 12 + month.month - 1


def month_date(number: int) -> dt.date:
    return dt.date(1970 + number // 12, number % 12 + 1, 1)


def day_number(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def events_frame(rows: Iterable[Sequence]) -> pd.DataFrame:
    """Events from (id, case_id, unit_id, event_type, occurred_on: date, reason, program)."""
    frame = pd.DataFrame(
        list(rows),
        columns=["id", "case_id", "unit_id", "event_type", "occurred_on", "reason", "program"],
    )
    days = np.array(frame["occurred_on"].tolist(), dtype="datetime64[D]").astype("int64")
    frame = frame.drop(columns="occurred_on").assign(day=days)
    return frame.astype({"id": "int64", "case_id": "int64", "unit_id": "int64"})[EVENT_COLUMNS]


def closure_frame(pairs: Iterable[tuple[int, int]]) -> pd.DataFrame:
    """The unit closure from (descendant_id, ancestor_id) pairs, each unit its own ancestor."""
    return pd.DataFrame(list(pairs), columns=["desc", "anc"], dtype="int64")


def _months_of_days(days: pd.Series) -> np.ndarray:
    return (
        days.to_numpy(dtype="int64").astype("datetime64[D]").astype("datetime64[M]").astype("int64")
    )


def pair_starts(events: pd.DataFrame, spec: LeadTimeSpec) -> pd.DataFrame:
    """One row per start event of the indicator: start_unit, start_day, and end_unit/end_day
    of the end it pairs with (-1 for an open start)."""
    sel = events[events["event_type"].isin([spec.start_type, spec.end_type])]
    sel = sel.assign(is_end=sel["event_type"] == spec.end_type)
    sel = sel.sort_values(["case_id", "day", "is_end", "id"], kind="mergesort")
    case = sel["case_id"].to_numpy()
    is_end = sel["is_end"].to_numpy()
    day = sel["day"].to_numpy()
    unit = sel["unit_id"].to_numpy()
    n = len(sel)
    nxt = np.arange(1, n + 1)
    has_next = nxt < n
    nxt = np.where(has_next, nxt, 0)
    # a start pairs with the very next row of its case when that row is an end
    paired = (~is_end) & has_next & (case[nxt] == case) & is_end[nxt]
    starts = ~is_end
    return pd.DataFrame(
        {
            "indicator_id": np.full(int(starts.sum()), spec.indicator_id, dtype="int64"),
            "start_unit": unit[starts],
            "start_day": day[starts],
            "end_unit": np.where(paired, unit[nxt], -1)[starts],
            "end_day": np.where(paired, day[nxt], -1)[starts],
        }
    )


def _percentiles(sorted_days: np.ndarray, starts: np.ndarray, n: np.ndarray, q: float):
    """percentile_cont(q) of each group of `sorted_days` (groups given by start and size),
    with PostgreSQL's arithmetic: lo + (hi - lo) * (q * (n - 1) - floor)."""
    position = q * (n - 1).astype("float64")
    low = np.floor(position)
    high = np.ceil(position)
    lo_values = sorted_days[starts + low.astype("int64")].astype("float64")
    hi_values = sorted_days[starts + high.astype("int64")].astype("float64")
    return lo_values + (hi_values - lo_values) * (position - low)


def lead_time_figures(
    pairs: pd.DataFrame, closure: pd.DataFrame, first: int, last: int
) -> pd.DataFrame:
    """n, median, p90 (by end month, end unit) and open starts (by start unit) per ancestor,
    indicator and month number in [first, last]."""
    keys = ["unit_id", "indicator_id", "month"]
    ended = pairs[pairs["end_day"] >= 0]
    ended = ended.assign(month=_months_of_days(ended["end_day"]))
    ended = ended[(ended["month"] >= first) & (ended["month"] <= last)]
    durations = pd.DataFrame(
        {
            "desc": ended["end_unit"].to_numpy(),
            "indicator_id": ended["indicator_id"].to_numpy(),
            "month": ended["month"].to_numpy(),
            "days": (ended["end_day"] - ended["start_day"]).to_numpy(),
        }
    ).merge(closure, on="desc")
    durations = durations.rename(columns={"anc": "unit_id"}).sort_values(
        [*keys, "days"], kind="mergesort"
    )
    sizes = durations.groupby(keys, sort=True).size()
    n = sizes.to_numpy(dtype="int64")
    starts = np.concatenate([[0], np.cumsum(n)[:-1]]).astype("int64")
    sorted_days = durations["days"].to_numpy(dtype="int64")
    stats = sizes.rename("count").reset_index()
    stats["median"] = _percentiles(sorted_days, starts, n, 0.5) if len(n) else []
    stats["p90"] = _percentiles(sorted_days, starts, n, 0.9) if len(n) else []

    # Open starts: +1 in the start's month, -1 in the month its pair ends, then a running
    # sum over months. Months before `first` are folded into `first`.
    start_month = _months_of_days(pairs["start_day"])
    end_month = np.where(
        pairs["end_day"].to_numpy() >= 0, _months_of_days(pairs["end_day"].clip(lower=0)), -1
    )
    plus = pd.DataFrame(
        {
            "desc": pairs["start_unit"].to_numpy(),
            "indicator_id": pairs["indicator_id"].to_numpy(),
            "month": np.maximum(start_month, first),
            "d": 1,
        }
    )[start_month <= last]
    closed = (end_month >= 0) & (end_month <= last)
    minus = pd.DataFrame(
        {
            "desc": pairs["start_unit"].to_numpy()[closed],
            "indicator_id": pairs["indicator_id"].to_numpy()[closed],
            "month": np.maximum(end_month[closed], first),
            "d": -1,
        }
    )
    diffs = pd.concat([plus, minus], ignore_index=True)
    diffs = diffs.groupby(["desc", "indicator_id", "month"], as_index=False)["d"].sum()
    diffs = diffs.merge(closure, on="desc").rename(columns={"anc": "unit_id"})
    diffs = diffs.groupby(keys)["d"].sum()
    if len(diffs):
        grid = diffs.unstack("month", fill_value=0).reindex(
            columns=range(first, last + 1), fill_value=0
        )
        open_starts = grid.cumsum(axis=1).stack().rename("open_starts").reset_index()
    else:
        open_starts = pd.DataFrame(columns=[*keys, "open_starts"], dtype="int64")
    out = stats.merge(open_starts, on=keys, how="outer")
    out["count"] = out["count"].fillna(0).astype("int64")
    out["open_starts"] = out["open_starts"].fillna(0).astype("int64")
    return out[(out["count"] > 0) | (out["open_starts"] > 0)]


def exits_figures(
    events: pd.DataFrame,
    specs: Sequence[ExitsSpec],
    closure: pd.DataFrame,
    first: int,
    last: int,
) -> pd.DataFrame:
    """Exit counts in total and by reason per ancestor, indicator and month number."""
    exits = events[events["event_type"] == "exit"]
    exits = exits.assign(month=_months_of_days(exits["day"]))
    exits = exits[(exits["month"] >= first) & (exits["month"] <= last)]
    parts = []
    for spec in specs:
        chosen = exits[exits["reason"].isin(spec.reasons)]
        if spec.program:
            chosen = chosen[chosen["program"] == spec.program]
        leaf = chosen.groupby(["unit_id", "month", "reason"]).size().rename("n").reset_index()
        parts.append(leaf.assign(indicator_id=spec.indicator_id))
    keys = ["unit_id", "indicator_id", "month"]
    if not parts or not sum(len(p) for p in parts):
        return pd.DataFrame(columns=[*keys, "count", *REASON_COLUMNS.values()], dtype="int64")
    leaf = pd.concat(parts, ignore_index=True).rename(columns={"unit_id": "desc"})
    pooled = leaf.merge(closure, on="desc").rename(columns={"anc": "unit_id"})
    table = pooled.pivot_table(
        index=keys, columns="reason", values="n", aggfunc="sum", fill_value=0
    )
    table = table.reindex(columns=list(REASON_COLUMNS), fill_value=0).rename(columns=REASON_COLUMNS)
    table["count"] = table.sum(axis=1)
    return table.reset_index()


def rollup_rows(
    events: pd.DataFrame,
    *,
    exits: Sequence[ExitsSpec],
    lead_times: Sequence[LeadTimeSpec],
    closure: pd.DataFrame,
    first: dt.date,
    last: dt.date,
) -> pd.DataFrame:
    """Every non-zero rollup row (ROLLUP_COLUMNS, `month` as a date) for months first..last."""
    lo, hi = month_number(first), month_number(last)
    parts = [exits_figures(events, exits, closure, lo, hi)]
    if lead_times:
        pairs = pd.concat([pair_starts(events, spec) for spec in lead_times], ignore_index=True)
        parts.append(lead_time_figures(pairs, closure, lo, hi))
    frame = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame(columns=ROLLUP_COLUMNS)
    )
    for column in ["count", *REASON_COLUMNS.values(), "open_starts"]:
        if column not in frame:
            frame[column] = 0
        frame[column] = frame[column].fillna(0).astype("int64")
    for column in ["median", "p90"]:
        if column not in frame:
            frame[column] = np.nan
        frame[column] = frame[column].astype("float64")
    frame["month"] = [month_date(int(m)) for m in frame["month"]]
    return (
        frame[ROLLUP_COLUMNS]
        .sort_values(["unit_id", "indicator_id", "month"])
        .reset_index(drop=True)
    )
