"""Pages: the Kolada comparison ("Jämförelse") and decisions and returns ("Beslut och återkomst").

Both read derived tables only (integrations.selectors), for a unit the user may see
(goals.access.visible_units; 404 otherwise), and apply the small-number rule to viewers
outside the unit (reports.figures.sees_in_full). htmx swaps the named body partial when
the filters change; without JavaScript the form submits as a plain GET.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from goals.access import visible_units
from reports.charts import figure_json
from reports.dashboards import BadParameter, _bad_request, _pick_unit, _year
from reports.figures import sees_in_full
from trelleborg.months import months_of_year, today
from trelleborg.vocabulary import DecisionMode

from . import charts, selectors
from .kolada import KoladaError
from .services import comparison_municipalities

# The key figures the comparison shows (Kolada ids), with what they measure.
KPIS = {
    "U31402": (
        gettext_lazy("Väntetid från ansökan till beslut om ekonomiskt bistånd"),
        gettext_lazy("dagar (medelvärde)"),
    ),
    "N31807": (
        gettext_lazy("Invånare som fått ekonomiskt bistånd under året"),
        gettext_lazy("andel av invånarna, %"),
    ),
    "N31814": (
        gettext_lazy("Invånare med långvarigt ekonomiskt bistånd"),
        gettext_lazy("andel av invånarna, %"),
    ),
}
COMPARISON_YEARS = 10  # the last ten years with any figure


@dataclass(frozen=True)
class Chart:
    id: str
    figure: dict
    label: str


@dataclass(frozen=True)
class Cell:
    value: float | None
    masked: bool = False


def _units(request: HttpRequest):
    return list(visible_units(request.user))


def _template(request: HttpRequest, page: str, body: str, target: str) -> str:
    return body if (request.htmx and request.htmx.target == target) else page


@login_required
@require_GET
def comparison(request: HttpRequest) -> HttpResponse:
    units = _units(request)
    unit = _pick_unit(units, request.GET.get("unit"))
    full = sees_in_full(request.user, unit)
    min_n = settings.EOR_MIN_DURATIONS_FOR_PERCENTILES
    context = {"units": units, "unit": unit, "current": "comparison", "kpis": []}
    try:
        places = [
            charts.Place(code, name, own=index == 0)
            for index, (code, name) in enumerate(comparison_municipalities(unit.root()))
        ]
    except KoladaError as exc:
        places = []
        context["setup_error"] = str(exc)
    own_lead = selectors.year_lead_times(unit)
    exits = selectors.yearly_exits(unit)
    returns = selectors.yearly_returns(unit)
    series = selectors.kolada_series(
        kpis=KPIS, municipalities=[p.code for p in places], years=range(1990, 2101)
    )
    kolada_years = {year for values in series.values() for year in values}
    years = sorted(kolada_years | set(own_lead) | set(exits))[-COMPARISON_YEARS:]
    peers = [p.code for p in places if not p.own and p.code != "0000"]
    own_median = {
        year: (row.median if (full or row.n >= min_n) else None) for year, row in own_lead.items()
    }
    for kpi, (title, unit_label) in KPIS.items():
        by_place = {p.code: series.get((kpi, p.code), {}) for p in places}
        own = own_median if kpi == "U31402" else None
        rows = []
        for year in years:
            lead = own_lead.get(year)
            rows.append(
                {
                    "year": year,
                    "own": Cell(own.get(year), masked=bool(lead) and own.get(year) is None)
                    if own is not None
                    else None,
                    "own_n": lead.n if lead else 0,
                    "places": [by_place[p.code].get(year) for p in places],
                    "group": charts.group_mean(by_place, peers, year),
                }
            )
        figure = charts.comparison_figure(
            title=str(title),
            y_title=str(unit_label),
            years=years,
            places=places,
            series=by_place,
            own_label=_("%(unit)s: median utredningstid") % {"unit": unit.name},
            own=own,
        )
        context["kpis"].append(
            {
                "code": kpi,
                "title": title,
                "unit_label": unit_label,
                "has_own": own is not None,
                "rows": rows,
                "chart": Chart(f"chart-{kpi}", figure_json(figure), str(title)),
                "any_values": any(by_place.values()),
                # own figures beside Kolada's only mean something for years both have
                "overlap": own is None or _overlap(own, by_place),
                "own_years": sorted(y for y, v in (own or {}).items() if v is not None),
                "kolada_years": sorted({y for v in by_place.values() for y in v}),
            }
        )
    context.update(
        {
            "places": places,
            "years": years,
            "full": full,
            "min_n": min_n,
            "own_years": [
                {
                    "year": year,
                    "exits": exits.get(year),  # None: no figures that year
                    "returns": charts.year_return(returns.get(year, []), year=year, today=today()),
                }
                for year in years
            ],
        }
    )
    template = _template(
        request,
        "integrations/comparison.html",
        "integrations/_comparison_body.html",
        "integrations-page",
    )
    return render(request, template, context)


@login_required
@require_GET
def decisions(request: HttpRequest) -> HttpResponse:
    units = _units(request)
    unit = _pick_unit(units, request.GET.get("unit"))
    try:
        year = _year(request.GET.get("year"), today().year)
    except BadParameter as exc:
        return _bad_request(request, str(exc))
    full = sees_in_full(request.user, unit)
    min_n = settings.EOR_MIN_DURATIONS_FOR_PERCENTILES
    months = months_of_year(year)
    modes = charts.mode_months(
        months, selectors.mode_figures(unit, months[0], months[-1]), full=full, min_n=min_n
    )
    returns = charts.return_months(
        months,
        selectors.return_figures(unit, months[0], months[-1]),
        today=today(),
        full=full,
        min_n=min_n,
    )
    title = _("Självförsörjning efter avslut, %(year)s") % {"year": year}
    context = {
        "units": units,
        "unit": unit,
        "year": year,
        "years": list(range(today().year, today().year - 10, -1)),
        "current": "decisions",
        "full": full,
        "min_n": min_n,
        "modes": modes,
        "mode_choices": DecisionMode.choices,
        "returns": returns,
        "any_mode_masked": any(any(r.masked.values()) or r.share_masked for r in modes),
        "any_return_masked": any(r.masked for r in returns),
        "charts": [
            Chart(
                "chart-modes",
                figure_json(charts.mode_share_figure(modes)),
                _("Beslut per beslutssätt"),
            ),
            Chart(
                "chart-mode-lead",
                figure_json(charts.mode_lead_figure(modes)),
                _("Utredningstid per beslutssätt (median)"),
            ),
        ],
        "return_chart": Chart(
            "chart-returns", figure_json(charts.return_rate_figure(returns, title=title)), title
        ),
    }
    template = _template(
        request,
        "integrations/decisions.html",
        "integrations/_decisions_body.html",
        "integrations-page",
    )
    return render(request, template, context)


def _overlap(own: dict, by_place: dict) -> bool:
    """Whether a year has both an own figure and a Kolada value (issue 15: a comparison whose
    own years never meet Kolada's says so instead of drawing two disjoint lines)."""
    own_years = {year for year, value in own.items() if value is not None}
    kolada_years = {y for values in by_place.values() for y, v in values.items() if v is not None}
    if not own_years or not kolada_years:
        return True  # one side alone: its chart is no comparison and misleads no one
    return any(
        own_years & {y for y, v in values.items() if v is not None} for values in by_place.values()
    )
