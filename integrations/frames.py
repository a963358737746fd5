"""Decision mode, return rate and yearly lead times as pure pandas functions (no database).

They follow DESIGN.md's rules as reports' rollups do, and reuse reports' pairing
(`reports.frames.pair_starts`) so a lead time pairs exactly as on the dashboards:

- attribution: a decision counts in its month for the unit named on it; a duration in the
  month (year) of its end event, for the end event's unit; an exit in its month, for the
  exit's unit;
- pooling: every figure is joined to each ancestor of its unit through the closure table
  (descendant → ancestor, itself included) and aggregated there, so a parent's median is
  over the pooled durations and a client is counted once per parent and month;
- percentiles: linear interpolation between closest ranks (pandas' default, NumPy's
  `linear`), median of [2, 4] is 3.0.

Return rate: a client who exited to work or studies in month M (at the unit of the exit)
has *returned* when a new `application_received` of the same client (any case of the
organisation) is dated after the exit and no later than the same day 12 months on. A client
exiting twice in one month is counted once, from their last exit that month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reports.frames import LeadTimeSpec, pair_starts
from trelleborg.vocabulary import COUNTING_EXIT_REASONS, DecisionMode

EVENT_COLUMNS = [
    "id",
    "case_id",
    "client_id",
    "unit_id",
    "event_type",
    "day",
    "reason",
    "decision_mode",
]
MODES = list(DecisionMode.values)  # position = code packed into the unit (see below)
_MODE_CODES = {mode: code for code, mode in enumerate(MODES)}
_PACK = len(MODES) + 1


def events_frame(rows) -> pd.DataFrame:
    """Events from (id, case_id, client_id, unit_id, event_type, occurred_on, reason, mode)."""
    frame = pd.DataFrame(
        list(rows),
        columns=[
            "id",
            "case_id",
            "client_id",
            "unit_id",
            "event_type",
            "occurred_on",
            "reason",
            "decision_mode",
        ],
    )
    days = np.array(frame["occurred_on"].tolist(), dtype="datetime64[D]").astype("int64")
    frame = frame.drop(columns="occurred_on").assign(day=days)
    return frame.astype(
        {"id": "int64", "case_id": "int64", "client_id": "int64", "unit_id": "int64"}
    )[EVENT_COLUMNS]


def _month(days: pd.Series | np.ndarray) -> np.ndarray:
    """Month numbers (months since 1970-01) of day numbers."""
    return (
        np.asarray(days, dtype="int64")
        .astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype("int64")
    )


def _pool(frame: pd.DataFrame, unit_column: str, closure: pd.DataFrame) -> pd.DataFrame:
    """Each row once per ancestor of its unit (column `anc`)."""
    return frame.merge(closure, left_on=unit_column, right_on="desc", how="inner").drop(
        columns="desc"
    )


def _percentile_table(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    grouped = frame.groupby(keys, sort=True)["duration"]
    return pd.DataFrame(
        {
            "n": grouped.size(),
            "median": grouped.quantile(0.5),
            "p90": grouped.quantile(0.9),
        }
    ).reset_index()


def decision_mode_rows(events: pd.DataFrame, closure: pd.DataFrame) -> pd.DataFrame:
    """(anc, month, mode, decisions, n, median, p90) for every pooled unit, month and mode
    with at least one decision."""
    decisions = events[events["event_type"] == "decision"]
    decisions = decisions.assign(month=_month(decisions["day"]), mode=decisions["decision_mode"])
    counts = (
        _pool(decisions, "unit_id", closure)
        .groupby(["anc", "month", "mode"], sort=True)
        .size()
        .rename("decisions")
        .reset_index()
    )
    # The pairing is reports' own. It reports the end event's unit, not its mode, so the
    # mode travels packed into the unit id of decision rows (unit * _PACK + 1 + mode code)
    # and is unpacked after; starts carry unit * _PACK. Pairing never looks at units.
    packed = events[events["event_type"].isin(["application_received", "decision"])]
    mode_code = packed["decision_mode"].map(_MODE_CODES).fillna(-1).astype("int64") + 1
    packed = packed.assign(unit_id=packed["unit_id"] * _PACK + mode_code)
    pairs = pair_starts(packed, LeadTimeSpec(0, "application_received", "decision"))
    pairs = pairs[pairs["end_day"] >= 0]
    durations = pd.DataFrame(
        {
            "end_unit": pairs["end_unit"].to_numpy() // _PACK,
            "mode": pd.Series(
                [MODES[c - 1] for c in pairs["end_unit"].to_numpy() % _PACK], dtype="object"
            ),
            "month": _month(pairs["end_day"]),
            "duration": (pairs["end_day"] - pairs["start_day"]).to_numpy(dtype="float64"),
        }
    )
    lead = _percentile_table(_pool(durations, "end_unit", closure), ["anc", "month", "mode"])
    out = counts.merge(lead, on=["anc", "month", "mode"], how="outer")
    out["decisions"] = out["decisions"].fillna(0).astype("int64")
    out["n"] = out["n"].fillna(0).astype("int64")
    return out.sort_values(["anc", "month", "mode"]).reset_index(drop=True)


def year_lead_rows(
    events: pd.DataFrame, closure: pd.DataFrame, specs: list[LeadTimeSpec]
) -> pd.DataFrame:
    """(anc, indicator_id, year, n, median, p90) of completed pairs by the end's year."""
    frames = []
    for spec in specs:
        pairs = pair_starts(events, spec)
        pairs = pairs[pairs["end_day"] >= 0]
        frames.append(
            pd.DataFrame(
                {
                    "indicator_id": spec.indicator_id,
                    "end_unit": pairs["end_unit"].to_numpy(),
                    "year": _month(pairs["end_day"]) // 12 + 1970,
                    "duration": (pairs["end_day"] - pairs["start_day"]).to_numpy(dtype="float64"),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["anc", "indicator_id", "year", "n", "median", "p90"])
    durations = pd.concat(frames, ignore_index=True)
    return _percentile_table(_pool(durations, "end_unit", closure), ["anc", "indicator_id", "year"])


def _plus_12_months(days: pd.Series) -> np.ndarray:
    """The same calendar day 12 months later (29 February → 28 February), as day numbers."""
    dates = pd.to_datetime(days.to_numpy(dtype="int64"), unit="D")
    later = dates + pd.DateOffset(months=12)
    return np.asarray(later.to_numpy(dtype="datetime64[D]").astype("int64"))


def return_rows(
    events: pd.DataFrame, closure: pd.DataFrame, reasons=COUNTING_EXIT_REASONS
) -> pd.DataFrame:
    """(anc, month, clients, returned) for every pooled unit and month with exits for one
    of `reasons` (default: work and studies)."""
    exits = events[(events["event_type"] == "exit") & events["reason"].isin(list(reasons))][
        ["id", "client_id", "unit_id", "day"]
    ]
    if exits.empty:
        return pd.DataFrame(columns=["anc", "month", "clients", "returned"])
    exits = exits.assign(month=_month(exits["day"]), until=_plus_12_months(exits["day"]))
    applications = events[events["event_type"] == "application_received"][["client_id", "day"]]
    window = exits.merge(applications, on="client_id", suffixes=("", "_app"))
    hit = window[(window["day_app"] > window["day"]) & (window["day_app"] <= window["until"])]
    exits = exits.assign(returned=exits["id"].isin(hit["id"]))
    pooled = _pool(exits, "unit_id", closure).sort_values(["day", "id"])
    # one client once per pooled unit and month: their last exit that month decides
    pooled = pooled.drop_duplicates(["anc", "month", "client_id"], keep="last")
    out = (
        pooled.groupby(["anc", "month"], sort=True)
        .agg(clients=("client_id", "size"), returned=("returned", "sum"))
        .reset_index()
    )
    return out.astype({"clients": "int64", "returned": "int64"})
