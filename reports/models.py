"""Monthly rollups: the only tables dashboards, exports and `eor_report` read figures from.

Model API (for dashboards, exports and the goals partials)
----------------------------------------------------------
``Rollup`` — one row per (unit, indicator, month), figures POOLED over the unit's subtree
(the unit and every unit below it), following DESIGN.md "Indicators":

- exits indicators: ``count`` = exits whose reason is in the indicator's set (and program,
  when the indicator has one); ``exits_work``, ``exits_studies``, ``exits_other_benefit``,
  ``exits_moved``, ``exits_other`` = those counts by reason (0 for reasons outside the set).
- lead_time indicators: ``count`` = n, the completed start→end pairs whose END falls in the
  month (attributed to the end event's unit); ``median`` and ``p90`` in days (floats,
  linear interpolation as percentile_cont; NULL when n = 0); ``open_starts`` = starts dated
  on or before the month's last day whose pair does not end by that day (start event's unit).
- ``computed_at`` and ``run`` (a ``RollupRun``) say when and from what the row was computed.

Rows are SPARSE: a (unit, indicator, month) whose figures are all zero has no row. Read a
missing row as zeros (count 0, n 0, median/p90 None, open 0) — but only for a month that
``RefreshState`` says was computed (``computed_at`` not null); ``reports.selectors`` does
this for you (``monthly_figures``, ``figures_as_of``, ``refresh_warning``).

Querysets: ``Rollup.objects.for_units(units).for_indicator(code_or_obj).in_months(first,
last)``, ``.in_year(2018)``, ``.in_month(m)``, ``.exits()``, ``.lead_times()``.

``RefreshState`` — one row per (unit, month) that was ever requested or computed:
``status`` pending / running / failed / done, ``error`` (text of the last failure),
``requested_at``, ``computed_at`` (figures of this unit and month as of then) and ``run``.
A unit's month with status pending/running is being refreshed; failed means the last
attempt failed (the figures shown are those of ``computed_at``).

``RollupRun`` — one computation: trigger, scope (organisation codes, first/last month),
backend (sql/pandas), timing, events read and their latest ``updated_at``, rows written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from goals.models import Indicator, Unit
from trelleborg.months import add_months


class RollupRun(models.Model):
    """One computation of rollups: what triggered it, its scope and what it read."""

    class Trigger(models.TextChoices):
        REFRESH = "refresh", _("Uppdatering efter ändring")
        NIGHTLY = "nightly", _("Nattlig omräkning")
        COMMAND = "command", _("Kommando")
        REPORT = "report", _("Rapport")
        DEMO = "demo", _("Demodata")

    class Status(models.TextChoices):
        RUNNING = "running", _("Pågår")
        DONE = "done", _("Klar")
        FAILED = "failed", _("Misslyckades")

    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    backend = models.CharField(max_length=10)  # "sql" (PostgreSQL) or "pandas"
    organisations = models.JSONField(default=list)  # root unit codes recomputed
    subtree = models.CharField(max_length=64, blank=True)  # unit code when narrowed
    first_month = models.DateField()
    last_month = models.DateField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    events_read = models.PositiveBigIntegerField(default=0)
    events_max_updated_at = models.DateTimeField(null=True, blank=True)
    rows_written = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("omräkning")
        verbose_name_plural = _("omräkningar")

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"


class RollupQuerySet(models.QuerySet["Rollup"]):
    def for_units(self, units: Iterable[Unit]) -> RollupQuerySet:
        return self.filter(unit__in=list(units))

    def for_unit(self, unit: Unit) -> RollupQuerySet:
        return self.filter(unit=unit)

    def for_indicator(self, indicator: Indicator | str) -> RollupQuerySet:
        if isinstance(indicator, Indicator):
            return self.filter(indicator=indicator)
        return self.filter(indicator__code=indicator)

    def exits(self) -> RollupQuerySet:
        return self.filter(indicator__kind=Indicator.Kind.EXITS)

    def lead_times(self) -> RollupQuerySet:
        return self.filter(indicator__kind=Indicator.Kind.LEAD_TIME)

    def in_month(self, month: dt.date) -> RollupQuerySet:
        return self.filter(month=month)

    def in_months(self, first: dt.date, last: dt.date) -> RollupQuerySet:
        return self.filter(month__gte=first, month__lte=last)

    def in_year(self, year: int) -> RollupQuerySet:
        first = dt.date(year, 1, 1)
        return self.in_months(first, add_months(first, 11))


class Rollup(models.Model):
    """Figures of one unit (pooled over its subtree), indicator and month. See module doc."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # first day of the month
    # exits: counted exits; lead_time: n (completed pairs ending in the month)
    count = models.PositiveIntegerField(default=0)
    exits_work = models.PositiveIntegerField(default=0)
    exits_studies = models.PositiveIntegerField(default=0)
    exits_other_benefit = models.PositiveIntegerField(default=0)
    exits_moved = models.PositiveIntegerField(default=0)
    exits_other = models.PositiveIntegerField(default=0)
    median = models.FloatField(null=True, blank=True)  # days; null when n = 0
    p90 = models.FloatField(null=True, blank=True)  # days; null when n = 0
    open_starts = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)
    run = models.ForeignKey(
        RollupRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RollupQuerySet.as_manager()

    class Meta:
        ordering = ["unit", "indicator", "month"]
        verbose_name = _("månadssammanställning")
        verbose_name_plural = _("månadssammanställningar")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "indicator", "month"], name="reports_rollup_unique"
            ),
            models.CheckConstraint(
                condition=Q(median__isnull=True, p90__isnull=True)
                | Q(median__isnull=False, p90__isnull=False, count__gt=0),
                name="reports_rollup_percentiles_need_n",
            ),
        ]
        indexes = [
            # leadership overview: every unit for one indicator and month range
            models.Index(fields=["indicator", "month"], name="reports_rollup_ind_month"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.indicator_id} {self.month:%Y-%m}"


class RefreshStateQuerySet(models.QuerySet["RefreshState"]):
    def outstanding(self) -> RefreshStateQuerySet:
        """Work not done yet: pending, running (maybe on a worker that died) or failed."""
        return self.exclude(status=RefreshState.Status.DONE)

    def for_units(self, units: Iterable[Unit]) -> RefreshStateQuerySet:
        return self.filter(unit__in=list(units))

    def in_months(self, first: dt.date, last: dt.date) -> RefreshStateQuerySet:
        return self.filter(month__gte=first, month__lte=last)


class RefreshState(models.Model):
    """Freshness of one unit's figures for one month, and the refresh work outstanding.

    A change to events bumps `generation` and sets `pending`; a refresh marks done only the
    rows whose generation it saw, so a change arriving mid-refresh stays pending.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Väntar på omräkning")
        RUNNING = "running", _("Räknas om")
        FAILED = "failed", _("Omräkningen misslyckades")
        DONE = "done", _("Aktuell")

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    generation = models.PositiveBigIntegerField(default=0)
    requested_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    run = models.ForeignKey(
        RollupRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.TextField(blank=True)

    objects = RefreshStateQuerySet.as_manager()

    class Meta:
        ordering = ["unit", "month"]
        verbose_name = _("aktualitet")
        verbose_name_plural = _("aktualitet")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="reports_refreshstate_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "running", "failed", "done"]),
                name="reports_refreshstate_status_valid",
            ),
        ]
        indexes = [
            # the drain looks only at outstanding work; keep that index tiny
            models.Index(
                fields=["status"],
                condition=~Q(status="done"),
                name="reports_refresh_outstanding",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m} {self.status}"
