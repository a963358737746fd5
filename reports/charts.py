"""Pure shaping (pandas) and rendering (plotly) for the dashboards: no database here.

The views read rollup rows and goals into plain mappings; the functions here turn them into
one DataFrame per chart, the figures leadership reads (year to date, pace, projection,
record month) and plotly figures as JSON-ready dicts. Everything is tested without a DB.

Small numbers (DESIGN.md, issue 5): a median or p90 over very few durations tells about
individuals, so viewers outside the unit get none below the threshold; exports meant for a
wider audience also mask counts 1–4 as "<5".
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from trelleborg.months import add_months, months_of_year

# Okabe–Ito: distinguishable with the common colour-vision deficiencies. Every series also
# differs by dash or marker and is named in the legend, so colour never carries meaning alone.
INK = "#1a1a1a"
BLUE = "#0072B2"
ORANGE = "#D55E00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
GREY = "#6b6b6b"
SKY = "#56B4E9"
YELLOW = "#E69F00"
SERIES_COLOURS = [BLUE, ORANGE, GREEN, PURPLE, SKY, YELLOW, INK, GREY]

MASKED = "<5"


# --- Small numbers --------------------------------------------------------------------------


def mask_count(value: int | None, *, threshold: int = 5) -> int | str | None:
    """A count for a wider audience: 1..threshold-1 become "<5". Zero stays 0 (it reveals no
    individual, and "none" must stay distinguishable from "a few"); None stays None."""
    if value is None or value == 0 or value >= threshold:
        return value
    return f"<{threshold}"


def percentiles_shown(n: int | None, *, min_n: int, full: bool) -> bool:
    """Whether a median/p90 over `n` durations may be shown (`full`: the viewer is a member
    of the unit, who sees their own figures in full)."""
    if not n:
        return False
    return full or n >= min_n


# --- Where in the year are we ---------------------------------------------------------------


@dataclass(frozen=True)
class YearPosition:
    """Which months of `year` are over (closed) and which one is running, seen from `today`."""

    year: int
    closed: int  # months of the year that have ended
    current: dt.date | None  # the running month, when `today` is inside the year

    @property
    def months_with_data(self) -> int:
        return self.closed + (1 if self.current else 0)

    @property
    def months_left(self) -> int:
        """Months still to play for, the running one included (it is not over)."""
        return 12 - self.closed


def year_position(year: int, today: dt.date) -> YearPosition:
    if year < today.year:
        return YearPosition(year, 12, None)
    if year > today.year:
        return YearPosition(year, 0, None)
    return YearPosition(year, today.month - 1, today.replace(day=1))


def month_label(month: dt.date, *, with_year: bool = False) -> str:
    return date_format(month, "M Y" if with_year else "M")


# --- Exits ----------------------------------------------------------------------------------


def exits_year_frame(
    *,
    year: int,
    position: YearPosition,
    exits: Mapping[dt.date, int],
    eor: Mapping[dt.date, int | None],
    targets: Mapping[dt.date, int | None],
    verdicts: Mapping[dt.date, bool | None] | None = None,
) -> pd.DataFrame:
    """One row per month of `year`: exits (None for months not yet begun), the EOR in force,
    the sum of individual targets, the running total, and whether the EOR was met: the
    verdict of reports.judging where the caller passes `verdicts` (pages do), else the
    plain comparison for months that are over."""
    months = months_of_year(year)
    rows = []
    running = 0
    for index, month in enumerate(months):
        started = index < position.months_with_data
        value = int(exits.get(month, 0)) if started else None
        if value is not None:
            running += value
        decided = eor.get(month)
        closed = index < position.closed
        rows.append(
            {
                "month": month,
                "label": month_label(month),
                "exits": value,
                "eor": decided,
                "targets_sum": targets.get(month),
                "cumulative": running if started else None,
                "closed": closed,
                # None while the month runs or without an EOR: not yet a verdict.
                "met_eor": verdicts.get(month)
                if verdicts is not None
                else ((value >= decided) if (closed and decided is not None) else None),
            }
        )
    # object dtype: a month without a figure stays None (not NaN) for templates and JSON
    return pd.DataFrame(rows, dtype="object").set_index("month")


@dataclass(frozen=True)
class YearProgress:
    goal: float | None
    ytd: int  # every exit so far this year, the running month included
    ytd_closed: int  # exits in the months that are over
    closed_months: int
    months_left: int
    pace_needed: float | None  # exits each remaining month needs to reach the goal
    projected: float | None  # year end at the pace of the months that are over
    on_track: bool | None


def year_progress(
    frame: pd.DataFrame, *, goal: float | None, position: YearPosition
) -> YearProgress:
    exits = frame["exits"]
    ytd = int(sum(v for v in exits if v is not None and not _isnan(v)))
    closed_values = [int(v) for v, closed in zip(exits, frame["closed"], strict=True) if closed]
    ytd_closed = sum(closed_values)
    closed = position.closed
    left = position.months_left
    projected: float | None
    if closed == 12:
        projected = float(ytd)
    elif closed:
        projected = ytd_closed + ytd_closed / closed * left
    else:
        projected = None
    pace = None
    if goal is not None and left:
        pace = max(0.0, float(goal) - ytd_closed) / left
    on_track = None
    if goal is not None and projected is not None:
        on_track = projected >= float(goal)
    return YearProgress(
        goal=float(goal) if goal is not None else None,
        ytd=ytd,
        ytd_closed=ytd_closed,
        closed_months=closed,
        months_left=left,
        pace_needed=pace,
        projected=projected,
        on_track=on_track,
    )


def goal_target(
    *, target: float | None, baseline_value: float | None, factor: float | None
) -> float | None:
    """A year goal's target: absolute, or baseline value × factor (None when the baseline
    year has no figure)."""
    if target is not None:
        return float(target)
    if baseline_value is None or factor is None:
        return None
    return float(baseline_value) * float(factor)


def record_month(values: Mapping[dt.date, int]) -> tuple[dt.date, int] | None:
    """The all-time record: the highest monthly count, held by the first month that reached
    it (a later tie equals the record, it does not break it). None without a positive month."""
    best: tuple[dt.date, int] | None = None
    for month in sorted(values):
        value = values[month]
        if value and (best is None or value > best[1]):
            best = (month, int(value))
    return best


# --- Lead times -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadMonth:
    n: int
    median: float | None
    p90: float | None
    open: int


def lead_time_frame(
    *,
    year: int,
    position: YearPosition,
    rows: Mapping[dt.date, LeadMonth],
    min_n: int,
    full: bool,
) -> pd.DataFrame:
    """One row per month: n, median and p90 (None when hidden by the small-number rule, with
    `masked` saying so), and the open starts at the month's end."""
    out = []
    for index, month in enumerate(months_of_year(year)):
        started = index < position.months_with_data
        row = rows.get(month) if started else None
        n = row.n if row else (0 if started else None)
        shown = bool(row) and percentiles_shown(row.n, min_n=min_n, full=full)
        out.append(
            {
                "month": month,
                "label": month_label(month),
                "n": n,
                "median": row.median if shown else None,
                "p90": row.p90 if shown else None,
                "open": row.open if row else (0 if started else None),
                "masked": bool(row and row.n and not shown),
            }
        )
    return pd.DataFrame(out, dtype="object").set_index("month")


# --- Manual values -------------------------------------------------------------------------


def manual_frame(
    *, year: int, position: YearPosition, values: Mapping[dt.date, float]
) -> pd.DataFrame:
    """One row per month: the value entered (None where none was), months not begun empty."""
    out = []
    for index, month in enumerate(months_of_year(year)):
        started = index < position.months_with_data
        out.append(
            {
                "month": month,
                "label": month_label(month),
                "value": values.get(month) if started else None,
            }
        )
    return pd.DataFrame(out, dtype="object").set_index("month")


def manual_figure(
    frame: pd.DataFrame, *, title: str, unit_label: str, goal: float | None
) -> go.Figure:
    labels = list(frame["label"])
    fig = go.Figure()
    fig.add_scatter(
        x=labels,
        y=_clean(frame["value"]),
        name=title,
        mode="lines+markers",
        connectgaps=False,
        line={"color": BLUE, "width": 3},
    )
    if goal is not None:
        fig.add_scatter(
            x=labels,
            y=[goal] * len(labels),
            name=_("Årsmål"),
            mode="lines",
            line={"color": GREEN, "dash": "longdash", "width": 2},
        )
    fig.update_layout(_layout(title, y_title=unit_label))
    return fig


# --- Forecast hit rate ----------------------------------------------------------------------


def hit_rate_frame(
    series: Mapping[str, Mapping[dt.date, float | None]], months: Sequence[dt.date]
) -> pd.DataFrame:
    """Rows: months; columns: groups; values: hit rate 0..1 or None (no named clients)."""
    data = {group: [values.get(m) for m in months] for group, values in series.items()}
    frame = pd.DataFrame(data, index=list(months), dtype="object")
    frame.index.name = "month"
    return frame


# --- Figures ----------------------------------------------------------------------------------


def _isnan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _clean(values: Iterable[object]) -> list:
    """Plain JSON values: NaN and pandas NA become null, numpy scalars Python numbers."""
    out = []
    for value in values:
        if value is None or value is pd.NA or _isnan(value):
            out.append(None)
        elif hasattr(value, "item"):
            out.append(value.item())
        else:
            out.append(value)
    return out


def _layout(title: str, *, y_title: str, **extra) -> dict:
    return {
        "title": {"text": title, "x": 0, "font": {"size": 16}},
        "separators": ", ",  # Swedish: decimal comma, space between thousands
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "color": INK},
        "margin": {"l": 56, "r": 16, "t": 48, "b": 48},
        "legend": {"orientation": "h", "y": -0.18},
        "hovermode": "x unified",
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", "gridcolor": "#e3e3e3"},
        "xaxis": {"type": "category"},
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "height": 360,
        **extra,
    }


def plot_config(language: str | None = None) -> dict:
    """plotly's `config` for every chart: the toolbar offers "download as PNG" and nothing
    else, and plotly's own strings follow the page's language.

    The figures fall under secrecy law (OSL), so the "Share chart…" button (uploads to Plotly
    Cloud), the Chart Studio edit link and the plotly logo link must not exist; listing the
    one button we want (`modeBarButtons`) keeps buttons added by a future plotly.js out too.
    The Swedish dictionary is static/vendor/plotly/plotly-locale-sv.js; English is built in.
    """
    language = (language or get_language() or "sv").split("-")[0]
    return {
        "responsive": True,
        "displaylogo": False,
        "showSendToCloud": False,
        "plotlyServerURL": "",
        "modeBarButtons": [["toImage"]],
        "toImageButtonOptions": {"format": "png", "filename": "eor-diagram", "scale": 2},
        "locale": "sv" if language == "sv" else "en",
    }


def figure_has_data(figure: dict) -> bool:
    """Whether any trace of a figure (as figure_json gives it) has a value to draw."""
    for trace in figure.get("data") or []:
        # the values axis: y, x for horizontal bars, `values` for pies (categories don't count)
        key = "values" if "values" in trace else "x" if trace.get("orientation") == "h" else "y"
        values = trace.get(key)
        if isinstance(values, dict):  # plotly's typed-array form: {"dtype", "bdata"}
            if values.get("bdata"):
                return True
        elif any(v is not None for v in values or []):
            return True
    return False


def figure_json(fig: go.Figure) -> dict:
    """The figure as the plain dict `json_script` embeds and static/js/charts.js plots, with
    its `config` (plot_config) alongside `data` and `layout`."""
    figure = json.loads(fig.to_json())
    figure["config"] = plot_config()
    return figure


def exits_figure(frame: pd.DataFrame, *, record: tuple[dt.date, int] | None) -> go.Figure:
    labels = list(frame["label"])
    colours = [BLUE] * len(frame)
    patterns = [""] * len(frame)
    texts = [""] * len(frame)
    if record is not None and record[0] in frame.index:
        at = list(frame.index).index(record[0])
        colours[at] = ORANGE
        patterns[at] = "/"  # record bar differs by pattern and a label, not by colour alone
        texts[at] = _("Rekord")
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=_clean(frame["exits"]),
        name=_("Avslut"),
        marker={"color": colours, "pattern": {"shape": patterns}},
        text=texts,
        textposition="outside",
    )
    fig.add_scatter(
        x=labels,
        y=_clean(frame["eor"]),
        name=_("EOR (beslut)"),
        mode="lines+markers",
        line={"color": INK, "width": 2},
        marker={"symbol": "diamond", "size": 9},
    )
    fig.add_scatter(
        x=labels,
        y=_clean(frame["targets_sum"]),
        name=_("Summa individuella mål"),
        mode="lines+markers",
        line={"color": GREEN, "dash": "dash", "width": 2},
        marker={"symbol": "circle-open", "size": 8},
    )
    fig.update_layout(_layout(_("Avslut per månad"), y_title=_("antal")))
    return fig


def cumulative_figure(frame: pd.DataFrame, *, progress: YearProgress) -> go.Figure:
    labels = list(frame["label"])
    fig = go.Figure()
    fig.add_scatter(
        x=labels,
        y=_clean(frame["cumulative"]),
        name=_("Hittills i år"),
        mode="lines+markers",
        line={"color": BLUE, "width": 3},
    )
    if progress.goal is not None:
        fig.add_scatter(
            x=labels,
            y=[round(progress.goal * (i + 1) / 12, 1) for i in range(12)],
            name=_("Årsmål i jämn takt"),
            mode="lines",
            line={"color": INK, "dash": "dot", "width": 2},
        )
    closed = progress.closed_months
    if progress.pace_needed is not None and progress.months_left:
        # From the last month that is over, the pace that reaches the goal in December.
        xs = ([labels[closed - 1]] if closed else []) + labels[closed:]
        start = progress.ytd_closed
        ys = ([start] if closed else []) + [
            round(start + progress.pace_needed * (i + 1), 1) for i in range(progress.months_left)
        ]
        fig.add_scatter(
            x=xs,
            y=ys,
            name=_("Takt som behövs"),
            mode="lines",
            line={"color": ORANGE, "dash": "dash", "width": 2},
        )
    if progress.projected is not None and 0 < closed < 12:
        rate = progress.ytd_closed / closed
        xs = [labels[closed - 1], *labels[closed:]]
        ys = [progress.ytd_closed] + [
            round(progress.ytd_closed + rate * (i + 1), 1) for i in range(progress.months_left)
        ]
        fig.add_scatter(
            x=xs,
            y=ys,
            name=_("Prognos"),
            mode="lines",
            line={"color": GREY, "dash": "longdashdot", "width": 2},
        )
    fig.update_layout(_layout(_("Ackumulerat mot årsmål"), y_title=_("antal")))
    return fig


def lead_time_figure(
    frame: pd.DataFrame,
    *,
    baseline: Sequence[float | None] | None,
    goal: float | None,
    baseline_year: int | None,
) -> go.Figure:
    """Median and p90 per month; the baseline year's median of the same month; the goal."""
    labels = list(frame["label"])
    fig = go.Figure()
    # n on a second axis, light, so the reader sees how many durations each median rests on.
    fig.add_bar(
        x=labels,
        y=_clean(frame["n"]),
        name=_("Avslutade (n)"),
        yaxis="y2",
        marker={"color": "#d9d9d9"},
        opacity=0.7,
    )
    fig.add_scatter(
        x=labels,
        y=_clean(frame["median"]),
        name=_("Median"),
        mode="lines+markers",
        line={"color": BLUE, "width": 3},
        customdata=_clean(frame["n"]),
        hovertemplate="%{y} " + _("dagar") + " (n = %{customdata})<extra></extra>",
    )
    fig.add_scatter(
        x=labels,
        y=_clean(frame["p90"]),
        name=_("90:e percentil"),
        mode="lines+markers",
        line={"color": ORANGE, "dash": "dash", "width": 2},
        marker={"symbol": "square"},
    )
    if baseline is not None:
        fig.add_scatter(
            x=labels,
            y=_clean(baseline),
            name=_("Basår %(year)s (median)") % {"year": baseline_year},
            mode="lines",
            line={"color": GREY, "dash": "dot", "width": 2},
        )
    if goal is not None:
        fig.add_scatter(
            x=labels,
            y=[goal] * len(labels),
            name=_("Årsmål (median)"),
            mode="lines",
            line={"color": GREEN, "dash": "longdash", "width": 2},
        )
    layout = _layout(_("Ledtid per månad"), y_title=_("dagar"))
    layout["yaxis2"] = {
        "title": {"text": _("antal avslutade")},
        "overlaying": "y",
        "side": "right",
        "rangemode": "tozero",
        "showgrid": False,
    }
    layout["margin"]["r"] = 56
    fig.update_layout(layout)
    return fig


def hit_rate_figure(frame: pd.DataFrame, *, names: Mapping[str, str]) -> go.Figure:
    labels = [month_label(m, with_year=True) for m in frame.index]
    fig = go.Figure()
    symbols = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross", "hexagon"]
    for index, group in enumerate(frame.columns):
        values = [None if v is None else round(float(v) * 100, 1) for v in _clean(frame[group])]
        fig.add_scatter(
            x=labels,
            y=values,
            name=names.get(group, group),
            mode="lines+markers",
            connectgaps=False,
            line={"color": SERIES_COLOURS[index % len(SERIES_COLOURS)]},
            marker={"symbol": symbols[index % len(symbols)], "size": 8},
        )
    layout = _layout(_("Träffsäkerhet i prognosen"), y_title=_("procent"))
    layout["yaxis"]["range"] = [0, 105]
    fig.update_layout(layout)
    return fig


def months_back(last: dt.date, count: int) -> list[dt.date]:
    """`count` months ending with `last`, oldest first."""
    return [add_months(last, -i) for i in range(count - 1, -1, -1)]
