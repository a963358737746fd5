"""The htmx partials the goals pages compose (DESIGN.md "Architecture": a lower app's page
shows a higher app's figures through a partial served by the higher app).

Each view: access helper (404 out of reach) → selector → the `_` template. Without an
HX-Request header the same fragment is wrapped in a full page, so no-JS links work.
"""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from goals.access import CLIENT_ROLES, get_unit_for_user
from goals.models import Indicator, YearGoal
from trelleborg import accesslog
from trelleborg.months import current_month, parse_month, today

from . import figures, judging, selectors, snapshots
from .charts import percentiles_shown


def _month(text: str):
    try:
        return parse_month(text)
    except ValueError:
        raise Http404("Not a month") from None


def _render(request: HttpRequest, template: str, title: str, context: dict) -> HttpResponse:
    if request.headers.get("HX-Request") == "true":
        return render(request, template, context)
    return render(
        request,
        "reports/partial_page.html",
        {**context, "partial_template": template, "page_title": title},
    )


@login_required
def recent_outcomes(request: HttpRequest, unit_code: str, month: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, unit_code)
    m = _month(month)
    rows = selectors.recent_outcomes(unit, m)
    return _render(
        request,
        "reports/_recent_outcomes.html",
        _("Senaste utfall"),
        {"unit": unit, "month": m, "rows": rows},
    )


@login_required
def record_month(request: HttpRequest, unit_code: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, unit_code)
    record = selectors.record_month(unit)
    return _render(
        request,
        "reports/_record_month.html",
        _("Rekordmånad"),
        {"unit": unit, "record": record},
    )


@login_required
def pace(request: HttpRequest, unit_code: str, month: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, unit_code)
    m = _month(month)
    return _render(
        request,
        "reports/_pace.html",
        _("Takt mot årsmålet"),
        {"unit": unit, "month": m, "pace": selectors.pace(unit, m)},
    )


@login_required
def baseline(request: HttpRequest, unit_code: str, indicator: str, year: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, unit_code)
    ind = get_object_or_404(
        Indicator, code=indicator, kind__in=[Indicator.Kind.EXITS, Indicator.Kind.LEAD_TIME]
    )
    value = selectors.baseline_value(unit, ind, year)
    goals = [
        (goal, selectors.goal_target(goal, value))
        for goal in YearGoal.objects.filter(unit=unit, indicator=ind, baseline_year=year).order_by(
            "year"
        )
    ]
    return _render(
        request,
        "reports/_baseline.html",
        _("Basår"),
        {"unit": unit, "indicator": ind, "year": year, "value": value, "goals": goals},
    )


@login_required
def followup(request: HttpRequest, unit_code: str, month: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, unit_code, roles=CLIENT_ROLES)
    m = _month(month)
    f = selectors.followup(unit, m)
    shown = [ref for ref, _cw in (*f.named_exited, *f.named_not_exited)] + list(f.unforeseen)
    accesslog.log_read(request, kind="follow_up", records=shown, unit=unit)
    return _render(
        request,
        "reports/_followup.html",
        _("Uppföljning"),
        {"unit": unit, "month": m, "f": f, "eors": judging.unit_eors(unit, m)},
    )


@login_required
def hit_rate(request: HttpRequest, unit_code: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, unit_code, roles=CLIENT_ROLES)
    rows, group = selectors.hit_rate(unit, current_month())
    return _render(
        request,
        "reports/_hit_rate.html",
        _("Träffsäkerhet"),
        {"unit": unit, "rows": rows, "group": group},
    )


@login_required
def restated(request: HttpRequest, unit_code: str, month: str) -> HttpResponse:
    """A closed month: figures at closing and now, and the corrections (no client named:
    leadership reads it too)."""
    unit = get_unit_for_user(request.user, unit_code)
    m = _month(month)
    return _render(
        request,
        "reports/_restated.html",
        _("Stängd månad: vid stängning och nu"),
        {
            "unit": unit,
            "month": m,
            "r": snapshots.restatement(unit, m, full=figures.sees_in_full(request.user, unit)),
        },
    )


@login_required
def eors(request: HttpRequest, unit_code: str, month: str) -> HttpResponse:
    """The unit's EORs for the month, each judged on its own terms (and, for a parent
    without its own exit EOR, the labelled sum of the groups' exit EORs)."""
    unit = get_unit_for_user(request.user, unit_code)
    m = _month(month)
    full = figures.sees_in_full(request.user, unit)
    judged = [judging.for_audience(j, full=full) for j in judging.unit_eors(unit, m)]
    return _render(
        request,
        "reports/_eors_judged.html",
        _("Månadens EOR"),
        {"unit": unit, "month": m, "eors": judged},
    )


@login_required
def eor_material(request: HttpRequest, unit_code: str, month: str) -> HttpResponse:
    """The meeting's material for a lead-time EOR (backlog, oldest waits, recent medians and
    p90s, best month, the year goal) or a manual one (recent values)."""
    unit = get_unit_for_user(request.user, unit_code)
    m = _month(month)
    indicator = get_object_or_404(
        Indicator,
        code=request.GET.get("indicator", ""),
        kind__in=[Indicator.Kind.LEAD_TIME, Indicator.Kind.MANUAL],
    )
    context = {"unit": unit, "month": m, "indicator": indicator}
    if indicator.kind == Indicator.Kind.MANUAL:
        context["values"] = selectors.manual_recent(unit, indicator, m)
    else:
        backlog = selectors.lead_time_backlog(unit, indicator, today())
        full = figures.sees_in_full(request.user, unit)
        min_n = 1 if full else settings.EOR_MIN_DURATIONS_FOR_PERCENTILES
        material = selectors.lead_time_material(unit, indicator, m, min_n=min_n)
        if not full:
            # Outside the unit (leadership on the administration's EOR): the small-number
            # rule of leadership pages; single cases' waits are not shown at all.
            backlog = replace(backlog, oldest_waits=[])
            material = replace(
                material,
                recent=[
                    (
                        month_,
                        n,
                        *(
                            (median, p90)
                            if percentiles_shown(n, min_n=min_n, full=False)
                            else (None, None)
                        ),
                    )
                    for month_, n, median, p90 in material.recent
                ],
            )
        context.update(backlog=backlog, as_of=today(), material=material)
    return _render(request, "reports/_eor_material.html", indicator.display_name, context)
