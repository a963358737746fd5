"""Closed months: the figures as they stood at closing, the figures now, the corrections.

DESIGN.md "The monthly cycle" 4. When goals closes a month it sends `goals.signals.month_closed`;
`take` (the receiver) stores the unit's indicator figures for that month in the follow-up's
`snapshot`. A month is restated ("omräknad") only when goals recorded a correction for it
(`goals.models.MonthCorrection`, written by every write path of `cases`); `restatement`
answers what the pages show for it: each figure at closing and now, and the corrections.

Figures come from the rollups (pooled over the unit's subtree) and, for manual indicators,
the value entered for the unit itself: the same sources every dashboard reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from goals.models import Indicator, ManualValue, MonthCorrection, MonthFollowUp, Unit

from .charts import percentiles_shown
from .models import Rollup

SNAPSHOT_VERSION = 1
EXITS, LEAD_TIME, MANUAL = Indicator.Kind.EXITS, Indicator.Kind.LEAD_TIME, Indicator.Kind.MANUAL


def _indicators() -> list[Indicator]:
    return list(
        Indicator.objects.filter(kind__in=[EXITS, LEAD_TIME, MANUAL]).order_by("sort_order", "code")
    )


def month_figures(unit: Unit, month: dt.date) -> dict[str, dict]:
    """The unit's figures for `month`, by indicator code (JSON-ready). Two queries.

    exits: total (counted reasons) and per reason; lead_time: n, median, p90, open starts;
    manual: value (None when nothing was entered)."""
    indicators = _indicators()
    rollups = {
        r.indicator_id: r
        for r in Rollup.objects.for_unit(unit).filter(
            month=month, indicator__in=[i for i in indicators if i.kind != MANUAL]
        )
    }
    manual = dict(
        ManualValue.objects.filter(unit=unit, month=month).values_list("indicator_id", "value")
    )
    out: dict[str, dict] = {}
    for ind in indicators:
        row = rollups.get(ind.pk)
        if ind.kind == EXITS:
            out[ind.code] = {
                "kind": EXITS,
                "total": row.count if row else 0,
                "work": row.exits_work if row else 0,
                "studies": row.exits_studies if row else 0,
                "other_benefit": row.exits_other_benefit if row else 0,
                "moved": row.exits_moved if row else 0,
                "other": row.exits_other if row else 0,
            }
        elif ind.kind == LEAD_TIME:
            out[ind.code] = {
                "kind": LEAD_TIME,
                "n": row.count if row else 0,
                "median": row.median if row else None,
                "p90": row.p90 if row else None,
                "open": row.open_starts if row else 0,
            }
        else:
            value = manual.get(ind.pk)
            out[ind.code] = {"kind": MANUAL, "value": None if value is None else str(value)}
    return out


def snapshot_of(unit: Unit, month: dt.date) -> dict:
    return {
        "version": SNAPSHOT_VERSION,
        "taken_at": timezone.now().isoformat(),
        "figures": month_figures(unit, month),
    }


def take(follow_up: MonthFollowUp) -> MonthFollowUp:
    """Store the figures of the follow-up's unit and month as they stand now."""
    follow_up.snapshot = snapshot_of(follow_up.unit, follow_up.month)
    MonthFollowUp.objects.filter(pk=follow_up.pk).update(snapshot=follow_up.snapshot)
    return follow_up


def on_month_closed(sender, *, follow_up: MonthFollowUp, **kwargs) -> None:
    take(follow_up)


def take_missing() -> int:
    """Snapshot closed follow-ups that have none (months closed in bulk, e.g. by the demo,
    once their rollups exist). Returns how many were taken."""
    rows = MonthFollowUp.objects.filter(closed_at__isnull=False, snapshot__isnull=True)
    taken = 0
    for follow_up in rows.select_related("unit"):
        take(follow_up)
        taken += 1
    return taken


# --- what a restated month shows ------------------------------------------------------------


@dataclass(frozen=True)
class FigureChange:
    indicator: str  # display name
    label: str  # what the figure is ("avslut", "median (dagar)", ...)
    at_closing: object
    now: object

    @property
    def changed(self) -> bool:
        return self.at_closing != self.now


@dataclass
class Restatement:
    unit: Unit
    month: dt.date
    follow_up: MonthFollowUp | None
    figures: list[FigureChange] = field(default_factory=list)
    corrections: list[MonthCorrection] = field(default_factory=list)

    @property
    def restated(self) -> bool:
        return bool(self.follow_up and self.follow_up.restated)

    @property
    def has_snapshot(self) -> bool:
        return bool(self.follow_up and self.follow_up.snapshot)

    @property
    def changed(self) -> list[FigureChange]:
        return [f for f in self.figures if f.changed]


def _headline(kind: str, values: dict | None, full: bool = True) -> list[tuple[str, object]]:
    """The figures shown for an indicator. Outside the unit (`full` False) a lead time's
    median and p90 over fewer than EOR_MIN_DURATIONS_FOR_PERCENTILES durations are hidden,
    at closing as now (the small-number rule of every leadership view)."""
    values = values or {}
    if kind == EXITS:
        return [(_("avslut"), values.get("total"))]
    if kind == LEAD_TIME:
        shown = percentiles_shown(
            values.get("n"), min_n=settings.EOR_MIN_DURATIONS_FOR_PERCENTILES, full=full
        )
        return [
            (_("antal"), values.get("n")),
            (_("median (dagar)"), values.get("median") if shown else None),
            (_("90:e percentil (dagar)"), values.get("p90") if shown else None),
            (_("öppna"), values.get("open")),
        ]
    return [(_("värde"), values.get("value"))]


def restatement(
    unit: Unit, month: dt.date, follow_up: MonthFollowUp | None = None, *, full: bool = True
) -> Restatement:
    """What the follow-up page and leadership's views show for a unit's closed month.
    `full`: the viewer sees the unit's figures in full (figures.sees_in_full); else the
    small-number rule hides a lead time's median and p90 over few durations."""
    if follow_up is None:
        follow_up = MonthFollowUp.objects.filter(unit=unit, month=month).first()
    result = Restatement(unit=unit, month=month, follow_up=follow_up)
    if follow_up is None or not follow_up.is_closed:
        return result
    result.corrections = list(
        MonthCorrection.objects.filter(unit=unit, month=month).select_related(
            "corrected_by", "event_unit"
        )
    )
    then = ((follow_up.snapshot or {}).get("figures")) or {}
    now = month_figures(unit, month)
    names = {i.code: i.display_name for i in _indicators()}
    for code, current in now.items():
        kind = current["kind"]
        before = then.get(code)
        for (label, value_then), (_label, value_now) in zip(
            _headline(kind, before, full), _headline(kind, current, full), strict=True
        ):
            result.figures.append(
                FigureChange(
                    indicator=names.get(code, code),
                    label=label,
                    at_closing=value_then if before is not None else None,
                    now=value_now,
                )
            )
    return result


def restated_units(units, month: dt.date, user=None) -> dict[int, Restatement]:
    """Restatements of the units (ids) whose `month` is restated: for leadership's overview
    (a few queries per restated unit; restated months are the exception). With `user`, the
    small-number rule applies where they do not see the unit in full."""
    from .figures import sees_in_full

    if not units:
        return {}
    rows = MonthFollowUp.objects.filter(
        unit__in=[u.pk for u in units], month=month, restated=True, closed_at__isnull=False
    )
    by_pk = {u.pk: u for u in units}
    return {
        f.unit_id: restatement(
            by_pk[f.unit_id],
            month,
            f,
            full=user is None or sees_in_full(user, by_pk[f.unit_id]),
        )
        for f in rows
    }
