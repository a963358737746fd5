"""CSV and Excel exports of monthly figures: one row per unit and month of a unit subtree
and year, one column per figure of each indicator. Reads rollup and goals tables only.

Which small-number rules apply is a setting per export (`settings.EOR_EXPORTS`): an export
for a wider audience (`mask_small_counts`) shows counts 1–4 as "<5" and no median or p90 over
fewer than EOR_MIN_DURATIONS_FOR_PERCENTILES durations, for everybody; the staff export shows
counts as they are and hides those percentiles only from viewers outside the unit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from goals.access import visible_units
from goals.models import Indicator, IndividualTarget, ManualValue, Unit
from trelleborg.months import format_month, months_of_year, today

from . import charts, figures

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ExportError(ValueError):
    pass


@dataclass(frozen=True)
class Export:
    columns: list[str]
    rows: list[list]


def export_indicators() -> list[Indicator]:
    kinds = [Indicator.Kind.EXITS, Indicator.Kind.LEAD_TIME, Indicator.Kind.MANUAL]
    return list(
        Indicator.objects.filter(active=True, kind__in=kinds).order_by("sort_order", "code")
    )


def _columns(indicators: Sequence[Indicator]) -> list[str]:
    columns = ["unit", "unit_name", "month", "eor", "individual_targets_sum"]
    for indicator in indicators:
        code = indicator.code
        if indicator.kind == Indicator.Kind.EXITS:
            columns += [code, f"{code}_work", f"{code}_studies"]
        elif indicator.kind == Indicator.Kind.LEAD_TIME:
            columns += [f"{code}_n", f"{code}_median", f"{code}_p90", f"{code}_open"]
        else:
            columns.append(code)
    return columns


def monthly_export(
    *, units: Sequence[Unit], year: int, mask_small_counts: bool, full_unit_ids: set[int]
) -> Export:
    """The rows of the monthly export. `full_unit_ids`: units whose percentiles the viewer
    sees in full (ignored when masking for a wider audience)."""
    indicators = export_indicators()
    months = months_of_year(year)
    first, last = months[0], months[-1]
    rollups = figures.rollups_for_units(
        units, [i for i in indicators if i.kind != Indicator.Kind.MANUAL], first, last
    )
    eor = figures.eor_over_subtrees(units, figures.decisions_in_force(units, first, last), months)
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

    def count(value: int | None):
        return charts.mask_count(value, threshold=threshold) if mask_small_counts else value

    position = charts.year_position(year, today())
    rows = []
    for unit in units:
        full = not mask_small_counts and unit.pk in full_unit_ids
        for index, month in enumerate(months):
            if index >= position.months_with_data:
                break  # no rows for months that have not begun
            row: list = [
                unit.code,
                unit.name,
                format_month(month),
                eor.get((unit.pk, month)),
                targets.get((unit.pk, month)),
            ]
            for indicator in indicators:
                if indicator.kind == Indicator.Kind.MANUAL:
                    value = manual.get((unit.pk, indicator.pk, month))
                    row.append(float(value) if value is not None else None)
                    continue
                r = rollups.get((unit.pk, indicator.pk, month))
                if indicator.kind == Indicator.Kind.EXITS:
                    row += [
                        count(r.count if r else 0),
                        count(r.exits_work if r else 0),
                        count(r.exits_studies if r else 0),
                    ]
                else:
                    n = r.count if r else 0
                    shown = charts.percentiles_shown(n, min_n=min_n, full=full)
                    row += [
                        count(n),
                        r.median if (r and shown) else None,
                        r.p90 if (r and shown) else None,
                        count(r.open_starts if r else 0),
                    ]
            rows.append(row)
    return Export(columns=_columns(indicators), rows=rows)


def as_csv(export: Export) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(export.columns)
    for row in export.rows:
        writer.writerow(["" if v is None else v for v in row])
    # A BOM so that Excel opens the UTF-8 (å, ä, ö in unit names) correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(export: Export, *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(export.columns)
    for row in export.rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
