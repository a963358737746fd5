"""The one place that judges a group EOR (DESIGN.md "The monthly cycle", points 2 and 4).

Every reader (the meeting and follow-up partials, the unit dashboard, the leadership
overview, the monthly report, exports, the API's figures and `eor_report`) asks here for an
EOR's status and outcome, so a rule changes in one place:

- the outcome is in the indicator's unit: exits, the pooled count over the unit's subtree
  (attribution as DESIGN.md; the rollup rows); lead time, the pooled median days of the
  pairs ending in the month (the rollup rows); manual, the value entered for the unit;
- `pagar` while the month is in progress (or ahead): never judged "not reached" before it
  has ended, though an exit EOR whose direction is "higher" and that is already met is
  `natt` (more exits cannot undo it);
- after the month: `natt` or `ej_natt` by the indicator's direction, or `okant` when there
  is no outcome (a lead time with n = 0, a manual value never entered).

The parent-unit rule: a unit without its own EOR on an exit indicator may show the sum of
the exit EORs decided below it, labelled as a sum (`summed`); lead-time and manual EORs are
never summed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from goals.models import GroupDecision, Indicator, ManualValue, Unit
from trelleborg.months import month_of
from trelleborg.months import today as today_

from .charts import percentiles_shown
from .models import Rollup

PAGAR, NATT, EJ_NATT, OKANT = "pagar", "natt", "ej_natt", "okant"

EXITS = Indicator.Kind.EXITS
LEAD_TIME = Indicator.Kind.LEAD_TIME
MANUAL = Indicator.Kind.MANUAL


@dataclass(frozen=True)
class Outcome:
    """An indicator's figure for a unit and month: `value` in the indicator's unit (None when
    unknown) and `n`, the number of durations behind a lead time (None for other kinds)."""

    value: float | None
    n: int | None = None


@dataclass(frozen=True)
class Judgement:
    unit: Unit
    month: dt.date
    indicator: Indicator
    target: float
    outcome: float | None
    status: str
    n: int | None = None
    version: int | None = None
    summed: bool = False  # a parent's sum of the exit EORs decided below it
    masked: bool = False  # outcome hidden by the small-number rule (leadership views)
    # The outcome as a masked export shows its count ("<5", ".."), when it differs from it.
    outcome_shown: str | None = None
    in_progress: bool = False  # the month has not ended (an exit EOR met early is `natt`)

    @property
    def reached(self) -> bool | None:
        """True/False once judged; None while in progress or when the outcome is unknown."""
        return {NATT: True, EJ_NATT: False}.get(self.status)

    @property
    def status_label(self) -> str:
        return {
            PAGAR: _("Pågår"),
            NATT: _("Nådd"),
            EJ_NATT: _("Ej nådd"),
            OKANT: _("Okänt"),
        }[self.status]

    @property
    def symbol(self) -> str:
        return {NATT: "✓", EJ_NATT: "✗"}.get(self.status, "")

    @property
    def comparator(self) -> str:
        lower = self.indicator.direction == Indicator.Direction.LOWER_IS_BETTER
        return "≤" if lower else "≥"

    @property
    def unit_suffix(self) -> str:
        if self.indicator.kind == LEAD_TIME:
            return pgettext("days", "d")
        if self.indicator.kind == MANUAL:
            return self.indicator.unit_label
        return ""

    def _number(self, value: float | None) -> str:
        if value is None:
            return "–"
        text = number_format(value, 0 if float(value).is_integer() else 1)
        return f"{text} {self.unit_suffix}".strip()

    @property
    def target_text(self) -> str:
        return self._number(self.target)

    @property
    def outcome_text(self) -> str:
        if self.outcome_shown is not None:
            return self.outcome_shown
        if self.masked:
            return _("färre än %(n)s ärenden") % {"n": settings.EOR_MIN_DURATIONS_FOR_PERCENTILES}
        return self._number(self.outcome)

    @property
    def text(self) -> str:
        """ "Utredningstid ≤ 7 d: 6,5 d ✓" – the indicator's words, never its code."""
        name = self.indicator.display_name
        if self.summed:
            name = _("%(name)s (summa av gruppernas EOR)") % {"name": name}
        symbol = f"{self.symbol} " if self.symbol else ""
        return (
            f"{name} {self.comparator} {self.target_text}: {self.outcome_text} "
            f"{symbol}{self.status_label}"
        )

    def as_json(self) -> dict:
        """The `eors` item of `eor_report` and the API (DESIGN.md "Report")."""
        # Exits are counts (5); lead times and manual values are measures (7.0), as in the
        # contract's example.
        number = json_number if self.indicator.kind == EXITS else _float
        return {
            "indicator": self.indicator.code,
            "target": number(self.target),
            "outcome": number(self.outcome),
            # The contract: null while the month is in progress, even for an exit EOR
            # already met (the pages may show that one as reached).
            "reached": None if self.in_progress else self.reached,
        }


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def json_number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def _met(outcome: float, target: float, direction: str) -> bool:
    if direction == Indicator.Direction.LOWER_IS_BETTER:
        return outcome <= target
    return outcome >= target


def judge_status(
    *, indicator: Indicator, target: float, outcome: float | None, month: dt.date, today: dt.date
) -> str:
    """The status of an EOR on `indicator` with `target` for `month`, given its outcome."""
    in_progress = month >= month_of(today)
    if in_progress:
        met_early = (
            indicator.kind == EXITS
            and indicator.direction == Indicator.Direction.HIGHER_IS_BETTER
            and outcome is not None
            and outcome >= target
        )
        return NATT if met_early else PAGAR
    if outcome is None:
        return OKANT
    return NATT if _met(outcome, target, indicator.direction) else EJ_NATT


def judge(
    decision: GroupDecision, *, outcome: Outcome | None = None, today: dt.date | None = None
) -> Judgement:
    """Judge one EOR (the version in force of a unit's EOR on an indicator for a month).
    Without `outcome`, it is read (two queries at most; use `judge_many` for many)."""
    if outcome is None:
        outcome = outcomes({(decision.unit_id, decision.indicator_id, decision.month)}).get(
            (decision.unit_id, decision.indicator_id, decision.month)
        )
    return _judgement(
        unit=decision.unit,
        month=decision.month,
        indicator=decision.indicator,
        target=float(decision.target),
        outcome=outcome or _empty(decision.indicator),
        today=today or today_(),
        version=decision.version,
    )


def _empty(indicator: Indicator) -> Outcome:
    if indicator.kind == EXITS:
        return Outcome(0.0)
    if indicator.kind == LEAD_TIME:
        return Outcome(None, 0)
    return Outcome(None)


def _judgement(
    *,
    unit: Unit,
    month: dt.date,
    indicator: Indicator,
    target: float,
    outcome: Outcome,
    today: dt.date,
    version: int | None = None,
    summed: bool = False,
) -> Judgement:
    return Judgement(
        unit=unit,
        month=month,
        indicator=indicator,
        target=target,
        outcome=outcome.value,
        status=judge_status(
            indicator=indicator, target=target, outcome=outcome.value, month=month, today=today
        ),
        n=outcome.n,
        version=version,
        summed=summed,
        in_progress=month >= month_of(today),
    )


def outcomes(
    keys: Iterable[tuple[int, int, dt.date]],
    indicators: dict[int, Indicator] | None = None,
    rollups: Mapping[tuple[int, int, dt.date], object] | None = None,
) -> dict[tuple[int, int, dt.date], Outcome]:
    """Outcomes per (unit id, indicator id, month), in two queries whatever the number of
    keys: rollup rows (exits, lead times; pooled over the subtree) and manual values (the
    unit's own). A key without a row has the indicator's empty outcome (see `_empty`)."""
    keys = set(keys)
    if not keys:
        return {}
    if indicators is None:
        indicators = {i.pk: i for i in Indicator.objects.filter(pk__in={k[1] for k in keys})}
    unit_ids = {k[0] for k in keys}
    first, last = min(k[2] for k in keys), max(k[2] for k in keys)
    out: dict[tuple[int, int, dt.date], Outcome] = {
        key: _empty(indicators[key[1]]) for key in keys if key[1] in indicators
    }
    rolled = [pk for pk, i in indicators.items() if i.kind in (EXITS, LEAD_TIME)]
    if rolled and rollups is not None:
        # Rows the caller already read (every unit, rolled indicator and month of the keys).
        rows = [
            (key[0], key[1], key[2], rollups[key].count, rollups[key].median)
            for key in keys
            if key in rollups
        ]
    elif rolled:
        rows = (
            Rollup.objects.filter(unit__in=unit_ids, indicator__in=rolled)
            .in_months(first, last)
            .values_list("unit_id", "indicator_id", "month", "count", "median")
        )
    else:
        rows = []
    for unit_id, indicator_id, month, count, median in rows:
        key = (unit_id, indicator_id, month)
        if key not in out:
            continue
        if indicators[indicator_id].kind == EXITS:
            out[key] = Outcome(float(count))
        else:
            out[key] = Outcome(median, count)
    manual = [pk for pk, i in indicators.items() if i.kind == MANUAL]
    if manual:
        rows = ManualValue.objects.filter(
            unit__in=unit_ids, indicator__in=manual, month__range=(first, last)
        ).values_list("unit_id", "indicator_id", "month", "value")
        for unit_id, indicator_id, month, value in rows:
            if (unit_id, indicator_id, month) in out:
                out[(unit_id, indicator_id, month)] = Outcome(float(value))
    return out


def decisions_in_force(
    units: Sequence[Unit],
    first: dt.date,
    last: dt.date,
    *,
    below: bool = False,
    only: Indicator | None = None,
) -> list[GroupDecision]:
    """The EORs in force of `units` (and, with `below`, of every unit below them) for the
    months first..last, on any indicator or `only` one. One query."""
    if below:
        condition = Q()
        for unit in units:
            condition |= Q(unit__path__startswith=unit.path)
        scope = GroupDecision.objects.filter(condition) if units else GroupDecision.objects.none()
    else:
        scope = GroupDecision.objects.filter(unit__in=[u.pk for u in units])
    if only is not None:
        scope = scope.filter(indicator=only)
    return scope.filter(month__range=(first, last)).select_related("unit").in_force()


def judge_many(
    units: Sequence[Unit],
    first: dt.date,
    last: dt.date,
    *,
    today: dt.date | None = None,
    sums: bool = True,
    decisions: list[GroupDecision] | None = None,
    rollups: Mapping[tuple[int, int, dt.date], object] | None = None,
    only: Indicator | None = None,
) -> dict[tuple[int, dt.date], list[Judgement]]:
    """Every EOR of `units` for the months first..last, judged, per (unit id, month): the
    unit's own EORs (indicator order), then, with `sums`, for each exit indicator the unit
    has no EOR of its own on, the labelled sum of the EORs decided below it. Three queries
    at most; a page that already read the `decisions` (`decisions_in_force`) and the rollup
    rows of their indicators (`figures.rollups_for_units`) passes them and saves two."""
    today = today or today_()
    if decisions is None:
        decisions = decisions_in_force(units, first, last, below=sums, only=only)
    wanted = {u.pk: u for u in units}
    own: dict[tuple[int, dt.date], list[GroupDecision]] = defaultdict(list)
    for d in decisions:
        if d.unit_id in wanted:
            own[(d.unit_id, d.month)].append(d)
    # Parent sums: (unit id, month, indicator id) -> summed target of the EORs below.
    summed: dict[tuple[int, dt.date, int], Decimal] = defaultdict(Decimal)
    indicators: dict[int, Indicator] = {}
    if sums:
        for unit in units:
            for d in decisions:
                if (
                    d.indicator.kind == EXITS
                    and d.unit_id != unit.pk
                    and d.unit.path.startswith(unit.path)
                ):
                    summed[(unit.pk, d.month, d.indicator_id)] += d.target
                    indicators[d.indicator_id] = d.indicator
        for key in list(summed):
            unit_id, month, indicator_id = key
            if any(d.indicator_id == indicator_id for d in own.get((unit_id, month), [])):
                del summed[key]  # the unit's own decision is its EOR
    for d in decisions:
        indicators[d.indicator_id] = d.indicator
    found = outcomes(
        [(d.unit_id, d.indicator_id, d.month) for ds in own.values() for d in ds]
        + [(unit_id, indicator_id, month) for unit_id, month, indicator_id in summed],
        indicators,
        rollups,
    )
    out: dict[tuple[int, dt.date], list[Judgement]] = defaultdict(list)
    for (unit_id, month), ds in own.items():
        for d in ds:
            d.unit = wanted[unit_id]
            out[(unit_id, month)].append(
                judge(d, outcome=found.get((unit_id, d.indicator_id, month)), today=today)
            )
    for (unit_id, month, indicator_id), target in sorted(
        summed.items(), key=lambda kv: (kv[0][0], kv[0][1], indicators[kv[0][2]].sort_order)
    ):
        indicator = indicators[indicator_id]
        out[(unit_id, month)].append(
            _judgement(
                unit=wanted[unit_id],
                month=month,
                indicator=indicator,
                target=float(target),
                outcome=found.get((unit_id, indicator_id, month)) or _empty(indicator),
                today=today,
                summed=True,
            )
        )
    return dict(out)


def unit_eors(
    unit: Unit, month: dt.date, *, today: dt.date | None = None, sums: bool = True
) -> list[Judgement]:
    """A unit's EORs for a month, judged (see `judge_many`)."""
    return judge_many([unit], month, month, today=today, sums=sums).get((unit.pk, month), [])


def for_audience(judgement: Judgement, *, full: bool) -> Judgement:
    """The judgement as a wider audience may see it: a lead-time outcome over fewer
    durations than the small-number threshold is hidden (the rule of
    `charts.percentiles_shown`, the same that hides medians on the dashboards). Members of
    the unit (`full`) see it in full. The status stays: it is what the unit committed to."""
    if judgement.indicator.kind != LEAD_TIME or not judgement.n:
        return judgement
    if percentiles_shown(judgement.n, min_n=settings.EOR_MIN_DURATIONS_FOR_PERCENTILES, full=full):
        return judgement
    return replace(judgement, outcome=None, masked=True)
