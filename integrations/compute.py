"""Recompute the figures beyond reports' rollups for one organisation (the whole of it).

Decision mode, return rate and yearly lead times are rewritten together from the
organisation's events: pairing follows a case across its units and a return follows a
client across cases, so nothing smaller than an organisation is a safe unit of work.
Idempotent (delete + insert in one transaction), safe to run twice or at once.
"""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
from django.db import transaction
from django.utils import timezone

from cases.models import CaseEvent
from goals.models import Indicator, Unit
from reports.frames import LeadTimeSpec
from trelleborg.months import add_months
from trelleborg.vocabulary import COUNTING_EXIT_REASONS

from . import frames
from .models import DecisionModeFigure, ReturnRateFigure, YearLeadTime

log = logging.getLogger(__name__)


def _month_date(number: int) -> dt.date:
    return dt.date(1970 + int(number) // 12, int(number) % 12 + 1, 1)


def return_rate_final(month: dt.date, today: dt.date) -> bool:
    """A month's return rate is final once 12 months have passed since its last day."""
    return today >= add_months(month, 13)


def closure_of(units: list[Unit]) -> pd.DataFrame:
    by_code = {u.code: u.pk for u in units}
    pairs = [
        (unit.pk, by_code[code])
        for unit in units
        for code in unit.path.strip("/").split("/")
        if code in by_code
    ]
    return pd.DataFrame(pairs, columns=["desc", "anc"], dtype="int64")


def lead_time_specs() -> list[LeadTimeSpec]:
    return [
        LeadTimeSpec(pk, start, end)
        for pk, start, end in Indicator.objects.filter(kind=Indicator.Kind.LEAD_TIME)
        .order_by("pk")
        .values_list("pk", "start_event_type", "end_event_type")
    ]


RETURN_RATE_CODE = "aterkomst"


def return_reasons() -> tuple[str, ...]:
    """The exit reasons the return rate follows: the built-in indicator's (work, studies)."""
    reasons = (
        Indicator.objects.filter(code=RETURN_RATE_CODE).values_list("reasons", flat=True).first()
    )
    return tuple(reasons or COUNTING_EXIT_REASONS)


def extras_recompute(*, organisation: Unit) -> dict[str, int]:
    """Rewrite the organisation's decision-mode, return-rate and yearly lead-time rows."""
    units = list(organisation.subtree())
    specs = lead_time_specs()
    types = {"application_received", "decision", "exit"}
    types |= {t for s in specs for t in (s.start_type, s.end_type)}
    rows = (
        CaseEvent.objects.filter(organisation=organisation, event_type__in=types)
        .values_list(
            "id",
            "case_id",
            "case__client_id",
            "unit_id",
            "event_type",
            "occurred_on",
            "reason",
            "decision_mode",
        )
        .iterator(chunk_size=20_000)
    )
    events = frames.events_frame(rows)
    closure = closure_of(units)
    modes = frames.decision_mode_rows(events, closure)
    returns = frames.return_rows(events, closure, return_reasons())
    years = frames.year_lead_rows(events, closure, specs)
    now = timezone.now()
    unit_ids = [u.pk for u in units]
    with transaction.atomic():
        # One writer per organisation at a time: delete + insert must not interleave.
        Unit.objects.select_for_update().filter(pk=organisation.pk).first()
        DecisionModeFigure.objects.filter(unit__in=unit_ids).delete()
        ReturnRateFigure.objects.filter(unit__in=unit_ids).delete()
        YearLeadTime.objects.filter(unit__in=unit_ids).delete()
        DecisionModeFigure.objects.bulk_create(
            [
                DecisionModeFigure(
                    unit_id=int(r.anc),
                    month=_month_date(r.month),
                    mode=r.mode,
                    decisions=int(r.decisions),
                    n=int(r.n),
                    median=None if pd.isna(r.median) else float(r.median),
                    p90=None if pd.isna(r.p90) else float(r.p90),
                    computed_at=now,
                )
                for r in modes.itertuples(index=False)
            ],
            batch_size=2000,
        )
        ReturnRateFigure.objects.bulk_create(
            [
                ReturnRateFigure(
                    unit_id=int(r.anc),
                    month=_month_date(r.month),
                    clients=int(r.clients),
                    returned=int(r.returned),
                    computed_at=now,
                )
                for r in returns.itertuples(index=False)
            ],
            batch_size=2000,
        )
        YearLeadTime.objects.bulk_create(
            [
                YearLeadTime(
                    unit_id=int(r.anc),
                    indicator_id=int(r.indicator_id),
                    year=int(r.year),
                    n=int(r.n),
                    median=float(r.median),
                    p90=float(r.p90),
                    computed_at=now,
                )
                for r in years.itertuples(index=False)
            ],
            batch_size=2000,
        )
    counts = {"modes": len(modes), "returns": len(returns), "years": len(years)}
    log.info("integrations figures for %s: %s (%s events)", organisation.code, counts, len(events))
    return counts
