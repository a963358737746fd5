"""CSV and Excel exports of monthly figures: one row per unit and month of a unit subtree
and year, one column per figure of each indicator. Reads rollup and goals tables only.

Which small-number rules apply is a setting per export (`settings.EOR_EXPORTS`): an export
for a wider audience (`mask_small_counts`) shows counts 1–4 as "<5" and no median or p90 over
fewer than EOR_MIN_DURATIONS_FOR_PERCENTILES durations, for everybody; the staff export shows
counts as they are and hides those percentiles only from viewers outside the unit. In the
wide-audience export a count is also hidden ("..") where a small one could otherwise be
worked out from a sum (secondary suppression, `reports.suppression`).

Both are exports for people: headers as on screen in the reader's language, measured values
to one decimal, and every cell written through `trelleborg.spreadsheets` (no formulas).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from goals.access import visible_units
from goals.models import Indicator, IndividualTarget, ManualValue, Unit
from trelleborg import spreadsheets
from trelleborg.months import format_month, months_of_year, today

from . import charts, figures, judging
from .judging import json_number
from .report import EXITS_CODE
from .suppression import suppress

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# A count hidden only so that a small one beside it cannot be worked out from a sum.
SECONDARY_MARK = ".."


class ExportError(ValueError):
    pass


@dataclass(frozen=True)
class Export:
    keys: list[str]  # one stable key per column (the code's and the tests' names)
    columns: list[str]  # the headers people read, as on screen, in the reader's language
    rows: list[list]


def export_indicators() -> list[Indicator]:
    kinds = [Indicator.Kind.EXITS, Indicator.Kind.LEAD_TIME, Indicator.Kind.MANUAL]
    return list(
        Indicator.objects.filter(active=True, kind__in=kinds).order_by("sort_order", "code")
    )


def _columns(indicators: Sequence[Indicator]) -> list[tuple[str, str]]:
    """(key, header) per column; the headers are the dashboard's words."""
    columns = [
        ("unit", _("Enhetskod")),
        ("unit_name", _("Enhet")),
        ("month", _("Månad")),
        ("eor", _("EOR")),
        ("individual_targets_sum", _("Summa individuella mål")),
        ("eors", _("Månadens EOR: mål, utfall, status")),
    ]
    for indicator in indicators:
        code, name = indicator.code, indicator.display_name
        if indicator.kind == Indicator.Kind.EXITS:
            columns += [
                (code, name),
                (f"{code}_work", _("%(name)s: varav till arbete") % {"name": name}),
                (f"{code}_studies", _("%(name)s: varav till studier") % {"name": name}),
            ]
        elif indicator.kind == Indicator.Kind.LEAD_TIME:
            columns += [
                (f"{code}_n", _("%(name)s: avslutade (n)") % {"name": name}),
                (f"{code}_median", _("%(name)s: median (dagar)") % {"name": name}),
                (f"{code}_p90", _("%(name)s: 90:e percentil (dagar)") % {"name": name}),
                (f"{code}_open", _("%(name)s: öppna starter") % {"name": name}),
            ]
        else:
            columns.append((code, name))
    return columns


def one_decimal(value):
    """A measured value as people read it: one decimal, halves rounded up (a float sum such
    as 60.50000000000001 becomes 60.5). Counts (int) stay whole numbers."""
    if value is None or isinstance(value, int):
        return value
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _count_sums(
    units: Sequence[Unit], months: Sequence[dt.date], indicators: Sequence[Indicator]
) -> list:
    """The sums a reader can form from the export's counts: an exit count is its work and
    studies parts, and a unit's count pools those of the units right below it."""
    keys = []
    sums = []
    for indicator in indicators:
        code = indicator.code
        if indicator.kind == Indicator.Kind.EXITS:
            keys += [code, f"{code}_work", f"{code}_studies"]
        elif indicator.kind == Indicator.Kind.LEAD_TIME:
            keys += [f"{code}_n", f"{code}_open"]
    for month in months:
        for unit in units:
            for indicator in indicators:
                if indicator.kind == Indicator.Kind.EXITS:
                    code = indicator.code
                    sums.append(
                        (
                            (unit.pk, month, code),
                            [(unit.pk, month, f"{code}_work"), (unit.pk, month, f"{code}_studies")],
                        )
                    )
            children = [u.pk for u in units if u.parent_id == unit.pk]
            if children:
                for key in keys:
                    sums.append(((unit.pk, month, key), [(c, month, key) for c in children]))
    return sums


def monthly_export(
    *, units: Sequence[Unit], year: int, mask_small_counts: bool, full_unit_ids: set[int]
) -> Export:
    """The rows of the monthly export. `full_unit_ids`: units whose percentiles the viewer
    sees in full (ignored when masking for a wider audience)."""
    indicators = export_indicators()
    months = months_of_year(year)
    first, last = months[0], months[-1]
    # For a wide audience the hidden cells are chosen over the whole organisation tree, so
    # that every export (any unit, any reader) shows a part of one and the same table: two
    # exports of different subtrees must not show a cell that the other hides.
    counted = units
    if mask_small_counts and units:
        counted = list(Unit.objects.filter(path__startswith=f"/{units[0].root_code}/"))
    rollups = figures.rollups_for_units(
        counted, [i for i in indicators if i.kind != Indicator.Kind.MANUAL], first, last
    )
    # Every EOR of each unit and month, judged by the one judge (own, or a parent's labelled
    # sum of the groups' exit EORs); the rollups read above cover their outcomes.
    judged = judging.judge_many(units, first, last, rollups=rollups)
    eor = {
        key: json_number(j.target)
        for key, js in judged.items()
        for j in js
        if j.indicator.code == EXITS_CODE
    }
    targets_own: dict[tuple[int, dt.date], int] = defaultdict(int)
    for unit_id, month, target in IndividualTarget.objects.filter(
        unit__in=[u.pk for u in units], month__range=(first, last)
    ).values_list("unit_id", "month", "target"):
        targets_own[(unit_id, month)] += target
    targets = figures.pool_over_subtrees(units, targets_own, months)
    manual = {
        (v.unit_id, v.indicator_id, v.month): v.value
        for v in ManualValue.objects.filter(
            unit__in=[u.pk for u in units], month__range=(first, last)
        )
    }
    threshold = settings.EOR_SMALL_COUNT_THRESHOLD
    min_n = settings.EOR_MIN_DURATIONS_FOR_PERCENTILES
    position = charts.year_position(year, today())
    shown_months = months[: position.months_with_data]  # no rows for months not begun

    # Every count first, so that the wide-audience masking can look at whole sums.
    counts: dict[tuple[int, dt.date, str], int] = {}
    for unit in counted:
        for month in shown_months:
            for indicator in indicators:
                r = rollups.get((unit.pk, indicator.pk, month))
                code = indicator.code
                if indicator.kind == Indicator.Kind.EXITS:
                    counts[(unit.pk, month, code)] = r.count if r else 0
                    counts[(unit.pk, month, f"{code}_work")] = r.exits_work if r else 0
                    counts[(unit.pk, month, f"{code}_studies")] = r.exits_studies if r else 0
                elif indicator.kind == Indicator.Kind.LEAD_TIME:
                    counts[(unit.pk, month, f"{code}_n")] = r.count if r else 0
                    counts[(unit.pk, month, f"{code}_open")] = r.open_starts if r else 0
    hidden = None
    if mask_small_counts:
        hidden = suppress(
            counts, _count_sums(counted, shown_months, indicators), threshold=threshold
        )

    def count(unit: Unit, month: dt.date, key: str):
        cell = (unit.pk, month, key)
        if hidden is not None and cell in hidden.primary:
            return f"<{threshold}"
        if hidden is not None and cell in hidden.secondary:
            return SECONDARY_MARK
        return counts[cell]

    rows = []
    for unit in units:
        full = not mask_small_counts and unit.pk in full_unit_ids
        for month in shown_months:
            row: list = [
                unit.code,
                unit.name,
                format_month(month),
                one_decimal(eor.get((unit.pk, month))),
                targets.get((unit.pk, month)),
                "; ".join(
                    _eor_text(j, full=full, count=count if mask_small_counts else None)
                    for j in judged.get((unit.pk, month), [])
                ),
            ]
            for indicator in indicators:
                code = indicator.code
                if indicator.kind == Indicator.Kind.MANUAL:
                    row.append(one_decimal(manual.get((unit.pk, indicator.pk, month))))
                    continue
                if indicator.kind == Indicator.Kind.EXITS:
                    row += [
                        count(unit, month, code),
                        count(unit, month, f"{code}_work"),
                        count(unit, month, f"{code}_studies"),
                    ]
                else:
                    r = rollups.get((unit.pk, indicator.pk, month))
                    shown = charts.percentiles_shown(
                        counts[(unit.pk, month, f"{code}_n")], min_n=min_n, full=full
                    )
                    row += [
                        count(unit, month, f"{code}_n"),
                        one_decimal(r.median) if (r and shown) else None,
                        one_decimal(r.p90) if (r and shown) else None,
                        count(unit, month, f"{code}_open"),
                    ]
            rows.append(row)
    columns = _columns(indicators)
    return Export(keys=[k for k, _h in columns], columns=[h for _k, h in columns], rows=rows)


def _eor_text(judgement: judging.Judgement, *, full: bool, count) -> str:
    """One EOR as the export's readers see it. Lead-time outcomes follow the small-number
    rule; in a wide-audience export (`count` given) an exit outcome is the count the export
    shows for that cell, so the EOR column cannot reveal a count hidden beside it."""
    shown = judging.for_audience(judgement, full=full)
    if count is not None and judgement.indicator.kind == Indicator.Kind.EXITS:
        cell = count(judgement.unit, judgement.month, judgement.indicator.code)
        if not isinstance(cell, int):
            return replace(shown, outcome=None, outcome_shown=str(cell)).text
    return shown.text


def as_csv(export: Export) -> bytes:
    return spreadsheets.csv_bytes(export.columns, export.rows)


def as_xlsx(export: Export, *, title: str) -> bytes:
    return spreadsheets.xlsx_bytes(export.columns, export.rows, title=title)


def _params(request: HttpRequest) -> tuple[str, str, int]:
    kind = request.GET.get("kind", "monthly")
    if kind not in settings.EOR_EXPORTS:
        raise ExportError(
            _("Okänd export %(kind)s. Välj en av: %(choices)s.")
            % {"kind": kind, "choices": ", ".join(sorted(settings.EOR_EXPORTS))}
        )
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise ExportError(_("Formatet måste vara csv eller xlsx, inte %(fmt)s.") % {"fmt": fmt})
    raw_year = request.GET.get("year", "")
    try:
        year = int(raw_year)
    except ValueError:
        raise ExportError(_("Ange året som ett årtal, t.ex. year=2018.")) from None
    if not 2000 <= year <= 2100:
        raise ExportError(_("Året måste ligga mellan 2000 och 2100."))
    return kind, fmt, year


@login_required
@require_GET
def export_monthly(request: HttpRequest) -> HttpResponse:
    try:
        kind, fmt, year = _params(request)
    except ExportError as exc:
        return render(request, "reports/dashboard_error.html", {"message": str(exc)}, status=400)
    code = request.GET.get("unit", "")
    if not code:
        return render(
            request,
            "reports/dashboard_error.html",
            {"message": _("Ange enheten med unit=KOD.")},
            status=400,
        )
    reach = list(visible_units(request.user))
    top = next((u for u in reach if u.code == code), None)
    if top is None:
        raise Http404("No such unit")
    units = [u for u in reach if u.path.startswith(top.path)]
    export = monthly_export(
        units=units,
        year=year,
        mask_small_counts=settings.EOR_EXPORTS[kind].get("mask_small_counts", False),
        full_unit_ids={u.pk for u in units if figures.sees_in_full(request.user, u)},
    )
    name = f"eor-{top.code}-{year}{'-publik' if kind != 'monthly' else ''}.{fmt}"
    body = as_csv(export) if fmt == "csv" else as_xlsx(export, title=f"{top.code} {year}")
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
