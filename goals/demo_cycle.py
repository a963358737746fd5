"""goals' demo step (order 30): a year of lived-in monthly cycles for the demo units.

Runs after cases' step (20) has made clients and events, and takes its named clients through
the same hooks the product uses (clients of the unit, and who exited in a month), so a named
client is a real demo client and the follow-up's hits are real exits. Deterministic: all
choices come from ctx.rng, dates from ctx.today.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from trelleborg import months
from trelleborg.vocabulary import Role

from . import hooks
from .demo import DEMO_ROOT_CODE
from .models import (
    CycleChange,
    GroupDecision,
    Indicator,
    IndividualTarget,
    ManualValue,
    Membership,
    MonthFollowUp,
    NamedClient,
    PlannedCase,
    Unit,
    YearGoal,
)

PAST_MONTHS = 12
CANDIDATES_PER_UNIT = 600

ACTIONS = [
    "Matchning mot lagerjobb via Arbetsförmedlingen, uppföljning varje vecka",
    "Praktik hos kommunens fastighetsenhet, handledarsamtal varannan vecka",
    "Studiebesök på Komvux och hjälp med ansökan till vårterminen",
    "Körkortsteori via jobbspåret, sedan ansökan till budfirma",
    "Trepartssamtal med arbetsgivare om lönebidrag",
    "CV och intervjuträning, två jobbansökningar i veckan",
    "Språkpraktik i restaurangkök med yrkessvenska",
    "Anställning med extratjänst i äldreomsorgen",
    "Ansökan till vårdbiträdesutbildning, hjälp med studiemedel",
    "Nystartsjobb hos lokal bygghandel, möte med arbetsgivaren",
    "Tätare kontakt: hembesök och gemensamt besök på bemanningsföretag",
    "Validering av yrkeskunskaper som svetsare",
]
RATIONALES_UP = [
    "Två till har fått klartecken från arbetsgivare efter mötet; vi lägger ribban över summan.",
    "Rekryteringsträffen med logistikföretaget ger fler chanser än de namngivna.",
    "Förra månaden slog vi prognosen med tre: vi sträcker oss.",
]
RATIONALES_SAME = [
    "Summan av de individuella målen är realistisk och tillräckligt utmanande.",
    "Vi står fast vid de namngivna och följer upp dem varje vecka.",
]
RATIONALES_DOWN = [
    "Två av de namngivna väntar på besked som troligen dröjer till nästa månad.",
    "Semesterperioden gör att arbetsgivarna svarar långsamt; vi sätter ett lägre men säkert EOR.",
]
REVISIONS = [
    "Ny information från Arbetsförmedlingen om två anställningar.",
    "En arbetsgivare drog tillbaka ett erbjudande.",
    "Rättning: en handläggare hade räknat fel på sitt mål.",
]
WORKED = [
    "Veckovisa avstämningar med de namngivna gav snabbare beslut.",
    "Samarbetet med bemanningsföretaget gav tre anställningar.",
    "Studiebesöken på Komvux ledde till fler studieavslut än väntat.",
    "Trepartssamtalen med arbetsgivare fungerade bra.",
]
ADJUST = [
    "Vi namnger färre men följer upp tätare.",
    "Fler studievägar: vi bjuder in Komvux till nästa gruppmöte.",
    "Vi behöver bättre underlag om arbetsgivarnas rekryteringsbehov.",
    "Ta med insatsenheten tidigare för dem som står långt från arbete.",
]
GUESTS = ["Lena Ek, Arbetsförmedlingen", "Omar Said, Komvux", ""]

# Each demo unit carries the EOR of its counterpart in the seeds' 2018 EORs (DESIGN.md "The
# monthly cycle", point 2), so no overview row compares a unit with an indicator it did not
# commit on. Units not named here count exits (`avslut`). A lead-time or manual EOR is a
# step of the year's halving: (first-year median or level, share of it gone by year end).
UNIT_EORS: dict[str, list[str]] = {
    DEMO_ROOT_CODE: ["utredningstid"],  # the administration: halved lead times
    "planering": ["ledtid_insats", "avslut_etablering"],
    "insats": ["ledtid_rekrytering"],
    "boende-bosattning": ["ledtid_kontrakt"],
    "boende-ensamkommande": ["franvaro_skola"],
    "myndighet": ["utredningstid"],
}
# The first year's level of each indicator in the demo's events (cases/demo.py) and values.
HALVING_FROM = {
    "utredningstid": 12.0,
    "ledtid_insats": 30.0,
    "ledtid_kontrakt": 100.0,
    "ledtid_rekrytering": 26.0,
    "franvaro_skola": 18.0,
}
HALVING_RATIONALES = [
    "Steg mot årets mål att halvera jämfört med förra året: vi tar de äldsta ärendena först.",
    "Vi följer upp de öppna ärendena varje vecka och sätter målet efter förra månadens utfall.",
    "Halveringen går i takt: vi håller samma steg som förra månaden.",
]
ETABLERING_RATIONALES = [
    "Dubbla avslut inom etableringen jämfört med förra året: grupperna prioriterar SFI-spåret.",
    "Två arbetsgivarträffar för nyanlända ger fler chanser denna månad.",
]


# What a caseworker of a lead-time unit does to bring an open case to its end in the month.
CASE_ACTIONS = {
    "utredningstid": [
        "Begär in kompletteringen direkt och bokar beslutsdag",
        "Utredningen är klar: beslut inom veckan",
        "Ringer sökanden om underlagen som saknas",
    ],
    "ledtid_rekrytering": [
        "Två kandidater till intervju, matchning efter referenstagning",
        "Stämmer av kravprofilen med arbetsgivaren och matchar från kandidatbanken",
    ],
    "ledtid_kontrakt": [
        "Visning hos bostadsbolaget, kontraktsskrivning samma vecka",
        "Förtur via kommunens blocklån, kontakt med hyresvärden",
    ],
}
# Open cases a caseworker plans per month, and how long a case may have waited to be one they
# expect to close (a case stuck far beyond the usual wait is not planned for the month).
PLANNED_CASES_EACH = 3
PLANNED_CASES_MAX_WAIT = 2.5


def _open_cases_for_plans(unit: Unit, caseworker, indicators: list, month: dt.date, today):
    """Per lead-time indicator the unit commits on: its open cases as they stood when the
    plans for `month` were made (the day before it; today for a later month), oldest first,
    without the cases stuck far beyond the usual wait."""
    as_of = min(month - dt.timedelta(days=1), today)
    out = []
    for indicator in indicators:
        limit = HALVING_FROM.get(indicator.code, 30) * PLANNED_CASES_MAX_WAIT
        found = hooks.open_cases(caseworker, unit, indicator, as_of, limit=400)
        out.append((indicator, [o for o in found if o.waited <= limit]))
    return out


def _aware(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def cycle_step(ctx) -> None:
    """Targets, named clients, decisions (some above or below the sum, a few revised),
    evaluations and closed months for the past year; plans and an open decision for the
    current month; a few plans already made for next month."""
    rng = ctx.rng
    current = months.month_of(ctx.today)
    past = [months.add_months(current, -n) for n in range(PAST_MONTHS, 0, -1)]
    upcoming = months.add_months(current, 1)

    staff: dict[int, dict[str, list]] = defaultdict(lambda: {"caseworker": [], "manager": []})
    for m in Membership.objects.filter(
        role__in=[Role.CASEWORKER, Role.MANAGER], unit__path__startswith=f"/{DEMO_ROOT_CODE}/"
    ).select_related("user", "unit"):
        staff[m.unit_id][m.role].append(m.user)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=staff)}

    plans: list[IndividualTarget] = []
    named_rows: list[tuple[IndividualTarget, str, str, bool]] = []
    case_rows: list[PlannedCase] = []
    decisions: list[tuple[GroupDecision, list]] = []
    followups: list[MonthFollowUp] = []
    changes: list[CycleChange] = []
    indicators = {i.code: i for i in Indicator.objects.all()}

    for unit_id in sorted(staff, key=lambda pk: units[pk].path):
        unit, people = units[unit_id], staff[unit_id]
        caseworkers, managers = people["caseworker"], people["manager"]
        if not caseworkers or not managers:
            continue
        manager = managers[0]
        candidates = hooks.client_refs_in_unit(unit, CANDIDATES_PER_UNIT)
        exited_by_month = {m: hooks.exited_refs(unit, candidates, m) for m in past + [current]}
        gone: set[str] = set()
        previous_named: dict[int, list[str]] = {}
        lead = [
            indicators[code]
            for code in UNIT_EORS.get(unit.code, [])
            if code in indicators and indicators[code].kind == Indicator.Kind.LEAD_TIME
        ]
        for month in past + [current, upcoming]:
            # A lead-time unit's caseworkers also name open cases (DESIGN.md point 2).
            open_now = (
                _open_cases_for_plans(unit, caseworkers[0], lead, month, ctx.today) if lead else []
            )
            exited = exited_by_month.get(month, set())
            hits = [ref for ref in candidates if ref in exited]
            rng.shuffle(hits)
            # Misses: clients still on the books this month who do not exit in it.
            others = [ref for ref in candidates if ref not in gone and ref not in exited]
            month_sum = 0
            for index, caseworker in enumerate(caseworkers):
                if month == upcoming and index % 2:
                    continue  # half of next month's plans are still missing (to-do lists)
                mine = hits[index :: len(caseworkers)]
                mine = mine[: max(1, int(len(mine) * 0.7))] if mine else []
                carried = [r for r in previous_named.get(caseworker.pk, []) if r in others][:1]
                extra = [r for r in rng.sample(others, min(len(others), 2)) if r not in mine]
                named = list(dict.fromkeys(carried + mine + extra[: rng.randint(0, 2)]))[:6]
                target = max(0, len(named) + rng.choice([0, 0, 0, 1, -1]))
                plan = IndividualTarget(
                    unit=unit,
                    caseworker=caseworker,
                    month=month,
                    target=target,
                    updated_at=_aware(months.add_months(month, -1).replace(day=20)),
                )
                plans.append(plan)
                month_sum += target
                for ref in named:
                    named_rows.append((plan, ref, rng.choice(ACTIONS), ref in carried))
                previous_named[caseworker.pk] = named
                for indicator, found in open_now:
                    texts = CASE_ACTIONS.get(indicator.code) or ACTIONS
                    mine_open = found[index :: len(caseworkers)][:PLANNED_CASES_EACH]
                    case_rows += [
                        PlannedCase(
                            target=plan,
                            indicator=indicator,
                            case_ref=o.ref,
                            started_on=o.started_on,
                            planned_action=texts[n % len(texts)],
                        )
                        for n, o in enumerate(mine_open)
                    ]
                if month != upcoming and rng.random() < 0.08:
                    changes.append(
                        CycleChange(
                            unit=unit,
                            month=month,
                            kind=CycleChange.Kind.PLAN,
                            subject=caseworker,
                            changed_by=caseworker,
                            changed_at=_aware(month.replace(day=3)),
                            before={"target": target + 1, "clients": []},
                            after={"target": target, "clients": []},
                        )
                    )
            gone |= exited
            if month == upcoming:
                continue
            delta = rng.choice([0, 0, 1, 2, -1, 3])
            eor = max(0, month_sum + delta)
            texts = (
                RATIONALES_UP if delta > 0 else RATIONALES_DOWN if delta < 0 else RATIONALES_SAME
            )
            decided = _aware(months.add_months(month, -1).replace(day=27), 10)
            participants = [manager, *caseworkers[: max(1, len(caseworkers) - rng.randint(0, 1))]]
            if unit.code in UNIT_EORS:
                # A unit with an EOR on another indicator decides that one instead.
                decisions += [
                    (d, participants)
                    for d in _other_eors(ctx, unit, month, past, manager, decided, indicators)
                ]
                if month < current:
                    followups.append(_followup(rng, unit, month, current, manager))
                continue
            first = GroupDecision(
                unit=unit,
                month=month,
                indicator=indicators["avslut"],
                version=1,
                eor=eor,
                rationale=rng.choice(texts),
                guests=rng.choice(GUESTS),
                decided_by=manager,
                decided_at=decided,
            )
            decisions.append((first, participants))
            if rng.random() < 0.2:
                decisions.append(
                    (
                        GroupDecision(
                            unit=unit,
                            month=month,
                            indicator=indicators["avslut"],
                            version=2,
                            eor=eor + rng.choice([1, -1]) if eor else 1,
                            rationale=first.rationale,
                            revision_reason=rng.choice(REVISIONS),
                            guests=first.guests,
                            decided_by=manager,
                            decided_at=decided + dt.timedelta(days=4),
                        ),
                        participants,
                    )
                )
            if month < current:
                followups.append(_followup(rng, unit, month, current, manager))
        _year_goals(ctx, unit, manager, len(caseworkers))

    # Units without caseworkers that still commit: Planering (its groups' pooled figures)
    # and the administration itself, whose EOR leadership records.
    for code in ("planering", DEMO_ROOT_CODE):
        unit = ctx.units.get(code)
        if unit is None:
            continue
        deciders = staff.get(unit.pk, {}).get("manager") or [
            m.user for m in unit.memberships.filter(role=Role.LEADERSHIP).select_related("user")
        ]
        if not deciders:
            continue
        for month in past + [current]:
            decided = _aware(months.add_months(month, -1).replace(day=27), 10)
            decisions += [
                (d, [deciders[0]])
                for d in _other_eors(ctx, unit, month, past, deciders[0], decided, indicators)
            ]
        _year_goals(ctx, unit, deciders[0], 0)

    IndividualTarget.objects.bulk_create(plans)
    NamedClient.objects.bulk_create(
        NamedClient(target=plan, client_ref=ref, planned_action=action, carried_over=carried)
        for plan, ref, action, carried in named_rows
    )
    for row in case_rows:
        row.target_id = row.target.pk  # saved just above
    PlannedCase.objects.bulk_create(case_rows)
    GroupDecision.objects.bulk_create([d for d, _p in decisions])
    Through = GroupDecision.participants.through
    Through.objects.bulk_create(
        Through(groupdecision_id=d.pk, user_id=user.pk)
        for d, people in decisions
        for user in dict.fromkeys(people)
    )
    MonthFollowUp.objects.bulk_create(followups)
    CycleChange.objects.bulk_create(changes)
    _manual_values(ctx, past)
    ctx.log(
        f"    {len(plans)} planer, {len(named_rows)} namngivna klienter, "
        f"{len(case_rows)} planerade ärenden, "
        f"{len(decisions)} beslutsversioner, {len(followups)} uppföljningar"
    )


def _followup(rng, unit: Unit, month: dt.date, current: dt.date, manager) -> MonthFollowUp:
    closed = month < months.add_months(current, -1)
    return MonthFollowUp(
        unit=unit,
        month=month,
        worked=rng.choice(WORKED),
        adjust=rng.choice(ADJUST),
        closed_at=_aware(months.add_months(month, 1).replace(day=5)) if closed else None,
        closed_by=manager if closed else None,
        updated_at=_aware(months.add_months(month, 1).replace(day=4)),
    )


def _other_eors(
    ctx, unit: Unit, month: dt.date, past: list[dt.date], by, decided, indicators
) -> list[GroupDecision]:
    """The unit's EORs for `month` on the indicators of its seeds' counterpart: lead times
    and absence a step of the year's halving (the step grows month by month), exits in
    etablering a little above what the groups usually reach."""
    out = []
    step = (past.index(month) + 1) if month in past else len(past) + 1
    for code in UNIT_EORS[unit.code]:
        indicator = indicators.get(code)
        if indicator is None:
            continue
        if code == "franvaro_skola":
            # Absence falls about 0.4 points a month (see _manual_values): the EOR is that step.
            target = Decimal(f"{HALVING_FROM[code] - 0.4 * step:.1f}")
            rationale = ctx.rng.choice(HALVING_RATIONALES)
        elif code in HALVING_FROM:
            target = round(HALVING_FROM[code] * (1 - 0.45 * step / 12))
            rationale = ctx.rng.choice(HALVING_RATIONALES)
        else:
            target = 5 + ctx.rng.choice([0, 1, 1, 2])
            rationale = ctx.rng.choice(ETABLERING_RATIONALES)
        out.append(
            GroupDecision(
                unit=unit,
                month=month,
                indicator=indicator,
                version=1,
                target=Decimal(target),
                rationale=rationale,
                decided_by=by,
                decided_at=decided,
            )
        )
    return out


def _year_goals(ctx, unit: Unit, manager, caseworker_count: int) -> None:
    year = ctx.today.year
    # Each unit's year goal is on what it commits on: halve vs last year (lead times),
    # double vs last year (exits in etablering), or exits for the groups.
    for code in UNIT_EORS.get(unit.code, []):
        indicator = Indicator.objects.filter(code=code).first()
        if indicator is None:
            continue
        if indicator.kind == Indicator.Kind.MANUAL:
            defaults = {"target": Decimal(f"{HALVING_FROM[code] / 2:.1f}")}
        else:
            factor = "2" if indicator.kind == Indicator.Kind.EXITS else "0.5"
            defaults = {"baseline_year": year - 1, "factor": Decimal(factor)}
        YearGoal.objects.update_or_create(
            unit=unit, indicator=indicator, year=year, defaults={**defaults, "set_by": manager}
        )
    if unit.code in UNIT_EORS:
        return
    exits = Indicator.objects.filter(code="avslut").first()
    lead = Indicator.objects.filter(code="utredningstid").first()
    if exits:
        YearGoal.objects.update_or_create(
            unit=unit,
            indicator=exits,
            year=year,
            defaults={"target": Decimal(caseworker_count * 18), "set_by": manager},
        )
    if lead:
        YearGoal.objects.update_or_create(
            unit=unit,
            indicator=lead,
            year=year,
            defaults={"baseline_year": year - 1, "factor": Decimal("0.5"), "set_by": manager},
        )


def _manual_values(ctx, past: list[dt.date]) -> None:
    indicator = Indicator.objects.filter(code="franvaro_skola").first()
    unit = ctx.units.get("boende-ensamkommande")
    if indicator is None or unit is None:
        return
    manager = unit.memberships.filter(role=Role.MANAGER).select_related("user").first()
    level = 18.0
    rows = []
    for month in past:
        level = max(4.0, level - ctx.rng.uniform(-0.8, 1.5))  # absence falls, unevenly
        rows.append(
            ManualValue(
                unit=unit,
                indicator=indicator,
                month=month,
                value=Decimal(f"{level:.1f}"),
                entered_by=manager.user if manager else None,
                entered_at=_aware(months.add_months(month, 1).replace(day=3)),
            )
        )
    ManualValue.objects.bulk_create(rows)
