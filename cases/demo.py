"""Demo step 20: two years of believable case events for the demo organisation.

Households on försörjningsstöd in the three caseworker groups apply every month (most of
them) and get a decision; new households also get a first meeting and a plan, some a
referral and an intervention; 20–60 leave for work or studies each month with one clear
record month. Bosättning follows arrivals to their own housing contract, Insats takes
recruitment orders to a matched candidate. Lead times shorten through the second year and
more decisions are automated or assisted. Everything comes from `ctx.rng` and `ctx.today`
(deterministic), clients are pseudonymous (`K-00042`), and the rows go through the bulk
import path (`import_rows`), so the demo loads in seconds.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from goals.demo import DemoContext
from goals.models import Membership
from trelleborg.months import add_months, month_end, month_of
from trelleborg.vocabulary import Role, Source

from .importing import import_rows

GROUPS = ("grupp-norr", "grupp-soder", "grupp-vaster")
# Stödprocess Myndighet investigates the repeat applications of one household in
# `MYNDIGHET_SHARE` (by household number, so no random draw changes the rest of the story):
# the application and its decision are events of the household's investigation case in
# Myndighet ("MY-…"), so utredningstid is Myndighet's own figure (DESIGN.md "Attribution": a
# lead time belongs to the unit named on its end event), while the household's case, its
# plan and its exit stay in the group.
MYNDIGHET = "myndighet"
MYNDIGHET_SHARE = 3
MONTHS = 24
RECORD_MONTH = 17  # months after the first: the clear all-time record
START_HOUSEHOLDS = 430
# Median lead times in days in the first year; the second year ends at `SHORTEN` of them.
UTREDNINGSTID = 12
REFERRAL_TO_INTERVENTION = 30
ARRIVAL_TO_CONTRACT = 100
ORDER_TO_MATCH = 26
SHORTEN = 0.55


@dataclass
class Household:
    number: int
    unit: str
    caseworker: str
    program: str
    since: int  # month index of its first application in the window (-1: before it)
    events: list[tuple[str, dt.date, str, str]] = field(default_factory=list)


class _Builder:
    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.rng = ctx.rng
        self.today = ctx.today
        self.first_month = add_months(month_of(ctx.today), -(MONTHS - 1))
        self.rows: list[dict[str, str]] = []
        self.caseworkers: dict[str, list[str]] = {}
        for code, username in (
            Membership.objects.filter(role=Role.CASEWORKER, unit__code__in=ctx.units)
            .order_by("unit__code", "user__username")
            .values_list("unit__code", "user__username")
        ):
            self.caseworkers.setdefault(code, []).append(username)
        self.next_client = 1
        self.next_event = 1

    # --- helpers ------------------------------------------------------------------------------

    def month(self, index: int) -> dt.date:
        return add_months(self.first_month, index)

    def factor(self, index: int) -> float:
        """Lead-time factor: 1 through the first year, falling to SHORTEN by the end."""
        if index < 12:
            return 1.0
        return 1.0 - (1.0 - SHORTEN) * (index - 11) / (MONTHS - 12)

    def days(self, median: float) -> int:
        return max(0, round(median * math.exp(self.rng.gauss(0, 0.45))))

    def day_in(self, index: int) -> dt.date:
        month = self.month(index)
        return month + dt.timedelta(days=self.rng.randrange((month_end(month) - month).days + 1))

    def caseworker(self, unit: str) -> str:
        names = self.caseworkers.get(unit)
        return self.rng.choice(names) if names else ""

    def new_client(self, unit: str, program: str, since: int) -> Household:
        household = Household(self.next_client, unit, self.caseworker(unit), program, since)
        self.next_client += 1
        return household

    def add(self, household: Household, event_type: str, day: dt.date, reason: str = "",
            mode: str = "", investigated: bool = False) -> bool:  # fmt: skip
        if day > self.today:
            return False
        prefix, unit, caseworker = (
            household.program[:2].upper(),
            household.unit,
            household.caseworker,
        )
        if investigated:
            # Myndighet's investigation case of the household (see MYNDIGHET_SHARE), with
            # one of its caseworkers chosen by the household's number (no random draw).
            names = self.caseworkers.get(MYNDIGHET) or [""]
            prefix, unit = "MY", MYNDIGHET
            caseworker = names[household.number % len(names)]
        self.rows.append(
            {
                "event_id": f"demo-{self.next_event:07d}",
                "case_id": f"{prefix}-{household.number:06d}",
                "client_ref": f"K-{household.number:05d}",
                "unit": unit,
                "caseworker": caseworker,
                "event_type": event_type,
                "occurred_on": day.isoformat(),
                "reason": reason,
                "program": household.program,
                "decision_mode": mode,
            }
        )
        self.next_event += 1
        return True

    def decision_mode(self, index: int) -> str:
        automated, assisted = (0.05, 0.08) if index < 12 else (0.30, 0.20)
        roll = self.rng.random()
        if roll < automated:
            return "automated"
        if roll < automated + assisted:
            return "assisted"
        return "manual"

    # --- försörjningsstöd households ---------------------------------------------------------

    def exits_target(self, index: int) -> int:
        if index == RECORD_MONTH:
            return 59
        trend = 24 + index * 1.1 + self.rng.gauss(0, 3)
        return max(20, min(52, round(trend)))

    def apply(self, household: Household, index: int, *, first: bool) -> None:
        applied = self.day_in(index)
        # A new household's first application stays with its group (its case starts there).
        mine = not first and household.number % MYNDIGHET_SHARE == 0 and MYNDIGHET in self.ctx.units
        self.add(household, "application_received", applied, investigated=mine)
        decided = applied + dt.timedelta(days=self.days(UTREDNINGSTID * self.factor(index)))
        self.add(household, "decision", decided, mode=self.decision_mode(index), investigated=mine)
        if not first:
            return
        met = applied + dt.timedelta(days=self.rng.randint(3, 12))
        self.add(household, "first_meeting", met)
        self.add(household, "plan_established", met + dt.timedelta(days=self.rng.randint(5, 20)))
        if self.rng.random() < 0.35:
            referred = met + dt.timedelta(days=self.rng.randint(10, 40))
            if self.add(household, "referral", referred):
                wait = self.days(REFERRAL_TO_INTERVENTION * self.factor(index))
                self.add(household, "intervention_start", referred + dt.timedelta(days=wait))

    def households(self) -> None:
        active: list[Household] = []
        for _ in range(START_HOUSEHOLDS):
            unit = self.rng.choice(GROUPS)
            program = "etablering" if self.rng.random() < 0.15 else "forsorjningsstod"
            active.append(self.new_client(unit, program, -1))
        for index in range(MONTHS):
            # Exits first (a household leaves during the month), then this month's applications.
            work_or_studies = self.exits_target(index)
            others = round(work_or_studies * 0.3)
            leaving = self.rng.sample(
                [h for h in active if h.since < index], work_or_studies + others
            )
            for n, household in enumerate(leaving):
                if n < work_or_studies:
                    reason = "work" if self.rng.random() < 0.72 else "studies"
                else:
                    reason = self.rng.choice(["other_benefit", "moved", "other"])
                if self.add(household, "exit", self.day_in(index), reason=reason):
                    active.remove(household)
            target = self.rng.randint(400, 450)
            for _ in range(max(0, target - len(active))):
                unit = self.rng.choice(GROUPS)
                program = "etablering" if self.rng.random() < 0.15 else "forsorjningsstod"
                household = self.new_client(unit, program, index)
                active.append(household)
                self.apply(household, index, first=True)
            for household in active:
                if household.since < index and self.rng.random() < 0.84:
                    self.apply(household, index, first=False)

    # --- bosättning and recruitment ----------------------------------------------------------

    def settlement(self) -> None:
        for index in range(MONTHS):
            for _ in range(self.rng.randint(6, 11)):
                household = self.new_client("boende-bosattning", "bosattning", index)
                arrived = self.day_in(index)
                if self.add(household, "arrival", arrived):
                    # Contracts come months later: the faster process shows in the second
                    # year only if arrivals from late in the first year already benefit.
                    wait = self.days(ARRIVAL_TO_CONTRACT * self.factor(index + 5))
                    self.add(household, "housing_contract", arrived + dt.timedelta(days=wait))
            for _ in range(self.rng.randint(1, 3)):
                youth = self.new_client("boende-ensamkommande", "ensamkommande", index)
                arrived = self.day_in(index)
                if self.add(youth, "arrival", arrived):
                    self.add(youth, "plan_established", arrived + dt.timedelta(days=14))

    def recruitment(self) -> None:
        for index in range(MONTHS):
            for _ in range(self.rng.randint(8, 14)):
                order = self.new_client("insats", "rekrytering", index)
                ordered = self.day_in(index)
                if self.add(order, "recruitment_order", ordered) and self.rng.random() < 0.9:
                    wait = self.days(ORDER_TO_MATCH * self.factor(index))
                    self.add(order, "candidate_matched", ordered + dt.timedelta(days=wait))


def load(ctx: DemoContext) -> None:
    builder = _Builder(ctx)
    builder.households()
    builder.settlement()
    builder.recruitment()
    result = import_rows(builder.rows, source=Source.DEMO, user=None, dry_run=False)
    if not result.ok:  # a bug in this module, never in the data: say so loudly
        raise RuntimeError("demo events did not validate: " + "; ".join(result.error_lines()[:5]))
    ctx.log(
        f"    {result.new} händelser, {result.cases_created} ärenden, "
        f"{result.clients_created} klienter"
    )


def correction_step(ctx: DemoContext) -> None:
    """Demo step 98 (after the months are closed and their figures kept): one late exit in
    Grupp Norr's latest closed month, logged from the page with its reason, so a newcomer
    sees a restated month (the figure at closing, the figure now, the correction). No other
    month is restated: none had a correction."""
    from goals.models import MonthFollowUp

    from .models import Case
    from .services import exit_log

    closed = (
        MonthFollowUp.objects.filter(unit__code="grupp-norr", closed_at__isnull=False)
        .order_by("-month")
        .first()
    )
    manager = ctx.users.get("maria.holm")
    if closed is None or manager is None:
        return
    day = closed.month.replace(day=20)
    case = (
        Case.objects.filter(unit__code="grupp-norr", events__occurred_on__lt=closed.month)
        .exclude(events__event_type="exit")
        .exclude(events__occurred_on__gt=day)
        .order_by("pk")
        .first()
    )
    if case is None:
        return
    exit_log(
        case=case,
        reason="work",
        occurred_on=day,
        by=manager,
        confirm=True,
        correction_reason="Avslutet registrerades sent: klienten började arbeta den 20:e.",
    )
    ctx.log(f"    en rättelse i {closed.unit.name} {closed.month:%Y-%m}")
