"""Pure shaping and plotly figures for the integrations pages (no database here).

The plumbing is reports': `reports.charts` gives the palette, layout, JSON conversion and
the small-number rule; pages embed figures as JSON data blocks plotted by static/js/charts.js.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from reports.charts import (
    BLUE,
    GREEN,
    GREY,
    INK,
    ORANGE,
    PURPLE,
    SERIES_COLOURS,
    _layout,
    month_label,
    percentiles_shown,
)
from trelleborg.months import add_months
from trelleborg.vocabulary import DecisionMode

from .compute import return_rate_final

MODE_STYLE = {
    DecisionMode.MANUAL: (BLUE, "solid", "circle"),
    DecisionMode.AUTOMATED: (ORANGE, "dash", "square"),
    DecisionMode.ASSISTED: (GREEN, "dot", "diamond"),
}


# --- Decision mode --------------------------------------------------------------------------


@dataclass
class ModeMonth:
    month: dt.date
    label: str
    decisions: dict[str, int] = field(default_factory=dict)
    total: int = 0
    automated_share: float | None = None  # 0..1; None: no decisions, or too few to show
    share_masked: bool = False
    medians: dict[str, float | None] = field(default_factory=dict)
    n: dict[str, int] = field(default_factory=dict)
    masked: dict[str, bool] = field(default_factory=dict)


def mode_months(
    months: Sequence[dt.date],
    figures: Mapping[dt.date, Mapping[str, object]],
    *,
    full: bool,
    min_n: int,
) -> list[ModeMonth]:
    """One row per month: decisions by mode, the share decided automatically and the median
    utredningstid by mode, under the small-number rule for viewers outside the unit."""
    out = []
    for month in months:
        row = ModeMonth(month=month, label=month_label(month))
        for mode in DecisionMode.values:
            figure = figures.get(month, {}).get(mode)
            decisions = figure.decisions if figure else 0
            n = figure.n if figure else 0
            row.decisions[mode] = decisions
            row.n[mode] = n
            shown = percentiles_shown(n, min_n=min_n, full=full)
            row.medians[mode] = figure.median if (figure and shown) else None
            row.masked[mode] = bool(n) and not shown
        row.total = sum(row.decisions.values())
        if row.total:
            if full or row.total >= min_n:
                row.automated_share = row.decisions[DecisionMode.AUTOMATED] / row.total
            else:
                row.share_masked = True
        out.append(row)
    return out


def mode_share_figure(rows: Sequence[ModeMonth]) -> go.Figure:
    labels = [r.label for r in rows]
    fig = go.Figure()
    for mode, label in DecisionMode.choices:
        colour, _dash, symbol = MODE_STYLE[mode]
        fig.add_bar(
            x=labels,
            y=[r.decisions[mode] for r in rows],
            name=str(label),
            marker={
                "color": colour,
                "pattern": {"shape": {"manual": "", "automated": "/", "assisted": "."}[mode]},
            },
        )
    fig.add_scatter(
        x=labels,
        y=[None if r.automated_share is None else round(100 * r.automated_share, 1) for r in rows],
        name=_("Andel automatiserade (%)"),
        mode="lines+markers",
        yaxis="y2",
        line={"color": INK, "width": 2},
        marker={"symbol": "diamond", "size": 8},
    )
    fig.update_layout(
        _layout(
            _("Beslut per beslutssätt"),
            y_title=_("antal beslut"),
            barmode="stack",
            yaxis2={
                "title": {"text": _("andel automatiserade, %")},
                "overlaying": "y",
                "side": "right",
                "range": [0, 100],
                "tickmode": "linear",
                "dtick": 20,
                "showgrid": False,
            },
        )
    )
    return fig


def mode_lead_figure(rows: Sequence[ModeMonth]) -> go.Figure:
    labels = [r.label for r in rows]
    fig = go.Figure()
    for mode, label in DecisionMode.choices:
        colour, dash, symbol = MODE_STYLE[mode]
        fig.add_scatter(
            x=labels,
            y=[r.medians[mode] for r in rows],
            name=str(label),
            mode="lines+markers",
            connectgaps=False,
            line={"color": colour, "dash": dash, "width": 2},
            marker={"symbol": symbol, "size": 8},
        )
    fig.update_layout(_layout(_("Utredningstid per beslutssätt (median)"), y_title=_("dagar")))
    return fig


# --- Return rate ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnMonth:
    month: dt.date
    label: str
    clients: int
    stayed: int | None  # None when not shown
    rate: float | None  # share with no new application within 12 months, 0..1
    final: bool
    final_from: dt.date  # the day the month's figure becomes final
    masked: bool


def return_months(
    months: Sequence[dt.date],
    figures: Mapping[dt.date, object],
    *,
    today: dt.date,
    full: bool,
    min_n: int,
) -> list[ReturnMonth]:
    """The return rate per month: shown only once final (12 months after the month) and,
    for viewers outside the unit, only over at least `min_n` clients."""
    out = []
    for month in months:
        figure = figures.get(month)
        clients = figure.clients if figure else 0
        final = return_rate_final(month, today)
        masked = bool(clients) and not (full or clients >= min_n)
        shown = final and bool(clients) and not masked
        stayed = clients - figure.returned if (figure and shown) else None
        out.append(
            ReturnMonth(
                month=month,
                label=month_label(month),
                clients=clients,
                stayed=stayed,
                rate=(stayed / clients) if stayed is not None else None,
                final=final,
                final_from=add_months(month, 13),
                masked=masked,
            )
        )
    return out


def return_rate_figure(rows: Sequence[ReturnMonth], *, title: str) -> go.Figure:
    labels = [r.label for r in rows]
    fig = go.Figure()
    fig.add_scatter(
        x=labels,
        y=[None if r.rate is None else round(100 * r.rate, 1) for r in rows],
        name=_("Utan ny ansökan inom 12 månader (%)"),
        mode="lines+markers",
        connectgaps=False,
        line={"color": PURPLE, "width": 3},
        marker={"symbol": "circle", "size": 8},
    )
    layout = _layout(title, y_title=_("procent"))
    layout["yaxis"]["range"] = [0, 100]
    fig.update_layout(layout)
    return fig


def year_return(rows: Sequence[object], *, year: int, today: dt.date) -> tuple[int, int] | None:
    """(clients, stayed) over a whole year's exits, once every month of it is final."""
    if not return_rate_final(dt.date(year, 12, 1), today):
        return None
    clients = sum(r.clients for r in rows)
    returned = sum(r.returned for r in rows)
    return (clients, clients - returned) if clients else None


# --- Kolada comparison ----------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    own: bool


def group_mean(
    series: Mapping[str, Mapping[int, Decimal | None]], codes: Sequence[str], year: int
) -> float | None:
    """Unweighted mean of the comparison municipalities' values (Kolada's own way of
    averaging groups), over those that have one."""
    values = [series.get(code, {}).get(year) for code in codes]
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def comparison_figure(
    *,
    title: str,
    y_title: str,
    years: Sequence[int],
    places: Sequence[Place],
    series: Mapping[str, Mapping[int, Decimal | None]],
    own_label: str | None = None,
    own: Mapping[int, float | None] | None = None,
) -> go.Figure:
    """Kolada's values for the municipality and its comparison group, with the
    organisation's own yearly figure beside them when there is one."""
    labels = [str(y) for y in years]
    fig = go.Figure()
    if own is not None:
        fig.add_scatter(
            x=labels,
            y=[own.get(y) for y in years],
            name=own_label,
            mode="lines+markers",
            connectgaps=False,
            line={"color": INK, "width": 4},
            marker={"symbol": "star", "size": 12},
        )
    dashes = ["dash", "dot", "dashdot", "longdash", "longdashdot"]
    symbols = ["square", "diamond", "triangle-up", "cross", "x", "triangle-down"]
    others = 0
    for place in places:
        values = series.get(place.code, {})
        if place.own:
            style = {"color": BLUE, "width": 3}
            marker = {"symbol": "circle", "size": 9}
        else:
            colour = SERIES_COLOURS[(others + 1) % len(SERIES_COLOURS)]
            if colour in (BLUE, INK):
                colour = GREY
            style = {"color": colour, "width": 2, "dash": dashes[others % len(dashes)]}
            marker = {"symbol": symbols[others % len(symbols)], "size": 7}
            others += 1
        fig.add_scatter(
            x=labels,
            y=[None if values.get(y) is None else float(values[y]) for y in years],
            name=place.name,
            mode="lines+markers",
            connectgaps=False,
            line=style,
            marker=marker,
        )
    fig.update_layout(_layout(title, y_title=y_title))
    return fig
