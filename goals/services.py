"""Writes that span rows: unit paths, and the monthly EOR cycle (plans, group decisions,
follow-up, year goals, manual values, reminders). Keyword-only functions; each validates
everything first and raises ValidationError (field -> messages) or PermissionDenied before
it writes anything."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from trelleborg import months
from trelleborg.vocabulary import Role

from . import access, hooks, signals
from .models import (
    DEFAULT_EOR_INDICATOR,
    EOR_INDICATOR_KINDS,
    CycleChange,
    GroupDecision,
    Indicator,
    IndividualTarget,
    ManualValue,
    Membership,
    MonthCorrection,
    MonthFollowUp,
    NamedClient,
    PlannedCase,
    ReminderSent,
    Unit,
    YearGoal,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def unit_save(*, unit: Unit) -> Unit:
    """Save a unit and re-derive the path of it and every unit below it."""
    old_path = None
    if unit.pk:
        old_path = Unit.objects.filter(pk=unit.pk).values_list("path", flat=True).first()
    unit.path = unit.expected_path()
    unit.save()
    if old_path and old_path != unit.path:
        for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
            child.path = unit.path + child.path[len(old_path) :]
            child.save(update_fields=["path"])
    return unit


# --- The monthly cycle ----------------------------------------------------------------------
#
# Rules (DESIGN.md "The monthly cycle"), decided here once:
# - A caseworker plans the current and the next month; the previous month too until the
#   group decision for it is recorded (a late plan before a late meeting). Older months are
#   "long past" and refused, as is anything further ahead than next month.
# - A plan is freely editable until the group decision of its month is recorded; after that
#   every change is kept as a CycleChange (who, when, before/after).
# - Closing a month freezes plans, decisions and the evaluation. A manager may still correct
#   the decision or the evaluation with a reason: the change is audited and the month is
#   shown as restated ("omräknad").

MAX_INDIVIDUAL_TARGET = 999
MAX_GROUP_EOR = 9999
MAX_NAMED_CLIENTS = 50


class DecisionConflict(Exception):
    """Another manager recorded a version of the decision after this one was loaded."""

    def __init__(self, current: GroupDecision | None):
        super().__init__("decision changed meanwhile")
        self.current = current


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _followup(unit: Unit, month: dt.date) -> MonthFollowUp | None:
    return MonthFollowUp.objects.filter(unit=unit, month=month).first()


def month_is_closed(*, unit: Unit, month: dt.date) -> bool:
    return MonthFollowUp.objects.filter(unit=unit, month=month, closed_at__isnull=False).exists()


def plan_month_error(*, unit: Unit, month: dt.date, today: dt.date | None = None) -> str | None:
    """Why a plan for `month` cannot be set now, or None when it can."""
    current = months.month_of(today or months.today())
    previous, upcoming = months.add_months(current, -1), months.add_months(current, 1)
    if month > upcoming:
        return _("Du kan planera högst en månad framåt.")
    if month < previous or (
        month == previous and GroupDecision.objects.for_unit_month(unit, month).exists()
    ):
        return _("Månaden är passerad: planen kan inte längre ändras.")
    if month_is_closed(unit=unit, month=month):
        return _("Månaden är stängd.")
    return None


def _plan_snapshot(target: IndividualTarget | None) -> dict:
    if target is None:
        return {"target": None, "clients": []}
    out = {
        "target": target.target,
        "clients": [
            {"ref": c.client_ref, "action": c.planned_action}
            for c in sorted(target.named_clients.all(), key=lambda c: c.client_ref)
        ],
    }
    cases = _cases_snapshot(
        (c.indicator.code, c.case_ref, c.planned_action)
        for c in target.planned_cases.select_related("indicator")
    )
    if cases:
        out["cases"] = cases
    return out


def _cases_snapshot(rows) -> list[dict]:
    return [{"indicator": i, "ref": r, "action": a} for i, r, a in sorted(rows)]


def plan_lead_indicators(*, unit: Unit, month: dt.date) -> list[Indicator]:
    """The lead-time indicators a caseworker of `unit` plans open cases on for `month`: those
    the unit decided an EOR on for the month, or (the plan comes before the meeting) in one
    of the two months before it."""
    return list(
        Indicator.objects.filter(
            kind=Indicator.Kind.LEAD_TIME,
            pk__in=GroupDecision.objects.filter(
                unit=unit,
                month__gte=months.add_months(month, -2),
                month__lte=month,
            ).values("indicator_id"),
        )
    )


def plan_prefill(*, unit: Unit, caseworker, month: dt.date) -> list[dict]:
    """Last month's named clients of this caseworker who did not exit to work or studies
    last month, to carry over into `month` (refs and their planned actions)."""
    previous = months.add_months(month, -1)
    last = (
        IndividualTarget.objects.for_unit_month(unit, previous)
        .of_caseworker(caseworker)
        .prefetch_related("named_clients")
        .first()
    )
    if last is None:
        return []
    named = list(last.named_clients.all())
    exited = hooks.exited_refs(unit, [c.client_ref for c in named], previous)
    return [
        {"client_ref": c.client_ref, "planned_action": c.planned_action}
        for c in named
        if c.client_ref not in exited
    ]


@transaction.atomic
def plan_save(
    *,
    unit: Unit,
    caseworker,
    month: dt.date,
    target: int,
    clients: Sequence[tuple[str, str]],
    by,
    carried_over: Iterable[str] = (),
    cases: Sequence[tuple[str, str, str]] = (),
) -> IndividualTarget:
    """Set a caseworker's target and named clients (ref, planned action) for a month, and
    for a lead-time EOR the open cases (indicator code, case number, planned action) they
    will bring to their end event in it.

    Raises PermissionDenied when `by` may not set this plan and ValidationError (field →
    messages) for bad input; nothing is written then.
    """
    _require(by.pk == caseworker.pk, _("Du kan bara ändra din egen plan."))
    _require(
        access.caseworker_units(caseworker).filter(pk=unit.pk).exists(),
        _("Du är inte handläggare i enheten."),
    )
    errors: dict[str, list[str]] = {}
    month_error = plan_month_error(unit=unit, month=month)
    if month_error:
        errors["month"] = [month_error]
    if target is None or not 0 <= target <= MAX_INDIVIDUAL_TARGET:
        errors["target"] = [
            _("Målet måste vara ett heltal mellan 0 och %(max)s.") % {"max": MAX_INDIVIDUAL_TARGET}
        ]
    if len(clients) > MAX_NAMED_CLIENTS:
        errors.setdefault("clients", []).append(
            _("Högst %(max)s namngivna klienter per månad.") % {"max": MAX_NAMED_CLIENTS}
        )
    seen: set[str] = set()
    cleaned: list[tuple[str, str]] = []
    for row, (ref, action) in enumerate(clients, start=1):
        ref, action = ref.strip(), action.strip()
        problem = None
        if not ref:
            problem = _("klientreferens saknas")
        elif ref in seen:
            problem = _("klienten finns redan i planen")
        elif not action:
            problem = _("beskriv vad ni gör annorlunda för klienten")
        else:
            problem = hooks.check_client_ref(caseworker, unit, ref)
        if problem:
            errors.setdefault("clients", []).append(
                _("Rad %(row)s (%(ref)s): %(problem)s")
                % {"row": row, "ref": ref or "–", "problem": problem}
            )
        seen.add(ref)
        cleaned.append((ref, action))
    kept = {
        (c.indicator.code, c.case_ref): c
        for c in PlannedCase.objects.filter(
            target__unit=unit, target__caseworker=caseworker, target__month=month
        ).select_related("indicator")
    }
    planned = _checked_cases(caseworker, unit, month, cases, errors, kept=kept)
    if errors:
        raise ValidationError(errors)

    existing = (
        IndividualTarget.objects.select_for_update()
        .for_unit_month(unit, month)
        .of_caseworker(caseworker)
        .first()
    )
    before = _plan_snapshot(existing)
    now = timezone.now()
    if existing is None:
        try:
            with transaction.atomic():
                plan = IndividualTarget.objects.create(
                    unit=unit, caseworker=caseworker, month=month, target=target, updated_at=now
                )
        except IntegrityError:
            # The same caseworker saved from another tab a moment ago: this save wins, as
            # a later save of an existing plan would.
            existing = (
                IndividualTarget.objects.select_for_update()
                .for_unit_month(unit, month)
                .of_caseworker(caseworker)
                .get()
            )
            before = _plan_snapshot(existing)
    if existing is not None:
        plan = existing
        plan.target, plan.updated_at = target, now
        plan.save(update_fields=["target", "updated_at"])
    carried = set(carried_over)
    current = {c.client_ref: c for c in plan.named_clients.all()}
    wanted = dict(cleaned)
    plan.named_clients.exclude(client_ref__in=wanted).delete()
    for ref, action in cleaned:
        named = current.get(ref)
        if named is None:
            NamedClient.objects.create(
                target=plan, client_ref=ref, planned_action=action, carried_over=ref in carried
            )
        elif named.planned_action != action:
            named.planned_action = action
            named.save(update_fields=["planned_action"])
    _save_cases(plan, planned)
    after = {
        "target": target,
        "clients": [{"ref": r, "action": a} for r, a in sorted(cleaned)],
    }
    if planned:
        after["cases"] = _cases_snapshot((i.code, o.ref, a) for i, o, a in planned)
    if before != after and GroupDecision.objects.for_unit_month(unit, month).exists():
        # After the group decision the plan is still the caseworker's, but the meeting
        # decided on what it said then: keep what changed.
        CycleChange.objects.create(
            unit=unit,
            month=month,
            kind=CycleChange.Kind.PLAN,
            subject=caseworker,
            changed_by=by,
            before=before,
            after=after,
        )
    return plan


def _checked_cases(
    caseworker, unit: Unit, month: dt.date, cases, errors: dict, kept: dict | None = None
) -> list:
    """The planned cases as (indicator, open case, action), each checked through goals.hooks
    against the caseworker's scope: the posted case number is only a name to look up. A case
    already in the saved plan (`kept`) stays without a new check: it was open when it was
    planned, and reaching its end during the month is what the plan was for."""
    kept = kept or {}
    if not cases:
        return []
    allowed = {i.code: i for i in plan_lead_indicators(unit=unit, month=month)}
    if len(cases) > MAX_NAMED_CLIENTS:
        errors.setdefault("cases", []).append(
            _("Högst %(max)s planerade ärenden per månad.") % {"max": MAX_NAMED_CLIENTS}
        )
    today = months.today()
    # The posted case numbers looked up in one call per indicator, not one per row.
    wanted: dict[str, set[str]] = {}
    for code, ref, _action in cases:
        ref = (ref or "").strip()
        if code in allowed and ref and (code, ref) not in kept:
            wanted.setdefault(code, set()).add(ref)
    open_now = {
        (code, case.ref): case
        for code, refs in wanted.items()
        for case in hooks.open_cases(
            caseworker, unit, allowed[code], today, limit=len(refs), refs=refs
        )
    }
    out, seen = [], set()
    for row, (code, ref, action) in enumerate(cases, start=1):
        ref, action = (ref or "").strip(), (action or "").strip()
        indicator = allowed.get(code or "")
        problem, found = None, None
        if indicator is None:
            problem = _("enheten har inget EOR på en ledtid att planera ärenden för")
        elif not ref:
            problem = _("ärendenummer saknas")
        elif (code, ref) in seen:
            problem = _("ärendet finns redan i planen")
        elif not action:
            problem = _("beskriv vad du gör för att föra ärendet till sitt slut")
        elif (code, ref) in kept:
            row = kept[(code, ref)]
            found = hooks.OpenCase(row.case_ref, row.started_on, (today - row.started_on).days)
        else:
            found = open_now.get((code, ref))
            if found is None:
                problem = _(
                    "inget öppet ärende med det numret som du kan se i %(unit)s "
                    "(%(indicator)s: start utan slut)"
                ) % {"unit": unit.name, "indicator": indicator.display_name}
        if problem:
            errors.setdefault("cases", []).append(
                _("Ärende %(row)s (%(ref)s): %(problem)s")
                % {"row": row, "ref": ref or "–", "problem": problem}
            )
        seen.add((code, ref))
        if found is not None:
            out.append((indicator, found, action))
    return out


def _save_cases(plan: IndividualTarget, planned: list) -> None:
    current = {(c.indicator_id, c.case_ref): c for c in plan.planned_cases.all()}
    wanted = {(i.pk, o.ref): (i, o, a) for i, o, a in planned}
    for key, row in current.items():
        if key not in wanted:
            row.delete()
    for key, (indicator, found, action) in wanted.items():
        row = current.get(key)
        if row is None:
            PlannedCase.objects.create(
                target=plan,
                indicator=indicator,
                case_ref=found.ref,
                started_on=found.started_on,
                planned_action=action,
            )
        elif (row.planned_action, row.started_on) != (action, found.started_on):
            row.planned_action, row.started_on = action, found.started_on
            row.save(update_fields=["planned_action", "started_on"])


def unit_people(*, unit: Unit) -> list[Membership]:
    """Memberships of the unit and of the units above it, with their users (one query)."""
    return list(
        Membership.objects.filter(
            Q(unit=unit) | Q(unit__code__in=unit.ancestor_codes()), user__is_active=True
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )


def participant_choices(*, unit: Unit, people: list[Membership] | None = None) -> list:
    """People who can take part in a unit's meeting: caseworkers and managers of the unit
    and managers of the units above it."""
    people = unit_people(unit=unit) if people is None else people
    chosen: dict[int, object] = {}
    for m in people:
        if (m.unit_id == unit.pk and m.role in (Role.CASEWORKER, Role.MANAGER)) or (
            m.unit_id != unit.pk and m.role == Role.MANAGER
        ):
            chosen.setdefault(m.user_id, m.user)
    return list(chosen.values())


def eor_indicators() -> list[Indicator]:
    """The indicators a group may commit on: exits, lead times and manual values."""
    return list(Indicator.objects.filter(active=True, kind__in=EOR_INDICATOR_KINDS))


def _target_error(indicator: Indicator, target: Decimal | None) -> str | None:
    if target is None or not 0 <= target <= MAX_GROUP_EOR:
        return _("EOR måste vara ett tal mellan 0 och %(max)s.") % {"max": MAX_GROUP_EOR}
    if indicator.kind == Indicator.Kind.EXITS and target != target.to_integral_value():
        return _("EOR måste vara ett heltal mellan 0 och %(max)s.") % {"max": MAX_GROUP_EOR}
    return None


def decision_may_record(*, user, unit: Unit) -> bool:
    """Managers decide their units' EORs; leadership also the administration's own (the
    root unit's), the seeds' "förvaltningsövergripande EOR". Every other write is unchanged."""
    if access.managed_units(user).filter(pk=unit.pk).exists():
        return True
    return unit.parent_id is None and access.reaches(user, unit, (Role.LEADERSHIP,))


def decision_record(
    *,
    unit: Unit,
    month: dt.date,
    rationale: str,
    seen_version: int,
    by,
    indicator: Indicator | None = None,
    target: Decimal | int | None = None,
    eor: int | None = None,
    participants: Iterable = (),
    guests: str = "",
    revision_reason: str = "",
) -> GroupDecision:
    """Record the group EOR on `indicator` (default: `avslut`, exits) for a unit's month as
    version `seen_version + 1` of that indicator's EOR. `target` is in the indicator's unit;
    `eor` is the older name of the target of an exit EOR.

    `seen_version` is the version the manager's form was loaded with (0: none). When somebody
    else recorded a version meanwhile, DecisionConflict carries the one now in force and
    nothing is written: the unique (unit, month, indicator, version) constraint decides the
    race even between two transactions that both passed the version check.
    """
    _require(decision_may_record(user=by, unit=unit), _("Du är inte chef för enheten."))
    if indicator is None:
        indicator = Indicator.objects.get(code=DEFAULT_EOR_INDICATOR)
    if target is None:
        target = eor
    target = None if target is None else Decimal(target)
    rationale, revision_reason, guests = rationale.strip(), revision_reason.strip(), guests.strip()
    participants = list(participants)
    errors: dict[str, list[str]] = {}
    if indicator.kind not in EOR_INDICATOR_KINDS:
        errors["indicator"] = [_("Välj en indikator för avslut, ledtid eller manuellt värde.")]
    elif message := _target_error(indicator, target):
        errors["eor"] = [message]
    if not rationale:
        errors["rationale"] = [_("Motivera beslutet.")]
    if seen_version > 0 and not revision_reason:
        errors["revision_reason"] = [_("Ange skälet till ändringen.")]
    closed = month_is_closed(unit=unit, month=month)
    if closed and not revision_reason:
        errors["revision_reason"] = [
            _("Månaden är stängd: en rättelse kräver ett skäl och markerar månaden som omräknad.")
        ]
    current_month = months.current_month()
    if month > months.add_months(current_month, 1):
        errors["month"] = [_("Gruppens EOR kan beslutas högst en månad framåt.")]
    elif month < months.add_months(current_month, -1) and not closed:
        errors["month"] = [_("Månaden är passerad: stäng den och rätta i efterhand med ett skäl.")]
    allowed = {user.pk for user in participant_choices(unit=unit)}
    if any(p.pk not in allowed for p in participants):
        errors["participants"] = [_("Deltagare måste vara medlemmar i enheten.")]
    if len(guests) > 500:
        errors["guests"] = [_("Högst 500 tecken.")]
    if errors:
        raise ValidationError(errors)

    same_eor = GroupDecision.objects.for_unit_month(unit, month).for_indicator(indicator)
    previous = same_eor.latest_version()
    if (previous.version if previous else 0) != seen_version:
        raise DecisionConflict(previous)
    try:
        with transaction.atomic():
            decision = GroupDecision.objects.create(
                unit=unit,
                month=month,
                indicator=indicator,
                version=seen_version + 1,
                target=target,
                rationale=rationale,
                guests=guests,
                revision_reason=revision_reason,
                decided_by=by,
            )
            decision.participants.set(participants)
            if closed:
                _record_correction(
                    unit=unit,
                    month=month,
                    kind=CycleChange.Kind.DECISION,
                    by=by,
                    reason=revision_reason,
                    before={
                        "indicator": indicator.code,
                        "eor": _json_number(previous.target) if previous else None,
                    },
                    after={"indicator": indicator.code, "eor": _json_number(target)},
                )
    except IntegrityError:
        raise DecisionConflict(same_eor.latest_version()) from None
    return decision


def _json_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _record_correction(
    *, unit: Unit, month: dt.date, kind: str, by, reason: str, before: dict, after: dict
) -> None:
    CycleChange.objects.create(
        unit=unit, month=month, kind=kind, changed_by=by, reason=reason, before=before, after=after
    )
    MonthFollowUp.objects.filter(unit=unit, month=month).update(restated=True)


@transaction.atomic
def evaluation_save(
    *, unit: Unit, month: dt.date, worked: str, adjust: str, by, reason: str = ""
) -> MonthFollowUp:
    """Write a month's evaluation. On a closed month it is a correction: it needs a reason,
    is audited and marks the month restated."""
    _require(
        access.managed_units(by).filter(pk=unit.pk).exists(), _("Du är inte chef för enheten.")
    )
    worked, adjust, reason = worked.strip(), adjust.strip(), reason.strip()
    errors: dict[str, list[str]] = {}
    if month > months.current_month():
        errors["month"] = [_("Månaden har inte börjat än.")]
    if not worked and not adjust:
        errors["worked"] = [_("Skriv vad som fungerade eller vad ni justerar.")]
    followup, _created = MonthFollowUp.objects.select_for_update().get_or_create(
        unit=unit, month=month
    )
    if followup.is_closed and not reason:
        errors["reason"] = [_("Månaden är stängd: ange skälet till rättelsen.")]
    if errors:
        raise ValidationError(errors)
    before = {"worked": followup.worked, "adjust": followup.adjust}
    followup.worked, followup.adjust, followup.updated_at = worked, adjust, timezone.now()
    followup.save(update_fields=["worked", "adjust", "updated_at"])
    if followup.is_closed and before != {"worked": worked, "adjust": adjust}:
        _record_correction(
            unit=unit,
            month=month,
            kind=CycleChange.Kind.EVALUATION,
            by=by,
            reason=reason,
            before=before,
            after={"worked": worked, "adjust": adjust},
        )
        followup.restated = True
    return followup


@transaction.atomic
def followup_close(*, unit: Unit, month: dt.date, by) -> MonthFollowUp:
    """Close a month that has ended: plans, decision and evaluation are frozen from now on."""
    _require(
        access.managed_units(by).filter(pk=unit.pk).exists(), _("Du är inte chef för enheten.")
    )
    if month >= months.current_month():
        raise ValidationError({"month": [_("Månaden kan stängas först när den är slut.")]})
    followup, _created = MonthFollowUp.objects.select_for_update().get_or_create(
        unit=unit, month=month
    )
    if followup.is_closed:
        raise ValidationError({"month": [_("Månaden är redan stängd.")]})
    followup.closed_at, followup.closed_by = timezone.now(), by
    followup.save(update_fields=["closed_at", "closed_by"])
    CycleChange.objects.create(unit=unit, month=month, kind=CycleChange.Kind.CLOSE, changed_by=by)
    # `reports` keeps the figures as they stand now (the snapshot) in this transaction.
    signals.month_closed.send(sender=MonthFollowUp, follow_up=followup)
    return followup


# --- Corrections to closed months ----------------------------------------------------------
#
# DESIGN.md "The monthly cycle" 4: any later change to events dated in a closed month, by any
# path (page, import, API, admin), is a correction. `cases` (which may import goals) calls
# these from every write path, inside its transaction: one MonthCorrection per closed
# follow-up the change reaches (the unit named on the event and every unit above it, whose
# figures pool it), and only then is the month restated.


def _units_with_ancestors(unit_ids: Iterable[int]) -> dict[int, list[str]]:
    """unit id -> codes of the unit and every unit above it."""
    return {
        pk: [*path.strip("/").split("/")]
        for pk, path in Unit.objects.filter(pk__in=set(unit_ids)).values_list("pk", "path")
    }


def closed_followups(*, pairs: Iterable[tuple[int, dt.date]]) -> dict[tuple[int, dt.date], list]:
    """For (unit id, month) pairs: the closed follow-ups of that month of the unit and of the
    units above it, keyed by the pair (pairs reaching none are absent). Two queries."""
    pairs = {(unit_id, month.replace(day=1)) for unit_id, month in pairs}
    if not pairs:
        return {}
    codes = _units_with_ancestors(u for u, _m in pairs)
    all_codes = {code for chain in codes.values() for code in chain}
    closed: dict[tuple[str, dt.date], MonthFollowUp] = {
        (f.unit.code, f.month): f
        for f in MonthFollowUp.objects.filter(
            closed_at__isnull=False,
            month__in={m for _u, m in pairs},
            unit__code__in=all_codes,
        ).select_related("unit")
    }
    if not closed:
        return {}
    out: dict[tuple[int, dt.date], list] = {}
    for unit_id, month in pairs:
        found = [closed[(c, month)] for c in codes.get(unit_id, []) if (c, month) in closed]
        if found:
            out[(unit_id, month)] = found
    return out


def closed_followups_of(*, unit_id: int, month: dt.date) -> list[MonthFollowUp]:
    """The closed follow-ups of `month` of the unit and of the units above it: the months a
    change to an event of `unit_id` dated in `month` corrects. One query."""
    return list(
        MonthFollowUp.objects.filter(closed_at__isnull=False, month=month.replace(day=1)).filter(
            Exists(Unit.objects.filter(pk=unit_id, path__startswith=OuterRef("unit__path")))
        )
    )


def corrections_record(
    *,
    changes: Iterable[tuple[int, dt.date, str]],
    by=None,
    source: str,
    reason: str = "",
    reached: dict[tuple[int, dt.date], list[MonthFollowUp]] | None = None,
) -> list[MonthCorrection]:
    """Record changes to events as corrections of the closed months they reach.

    `changes`: (unit id named on the event, the event's date or month, a short description
    that names no client). Each closed follow-up reached gets one MonthCorrection per
    change and is marked restated. Months that are not closed are no corrections: nothing
    is written for them. `reached`: what `closed_followups` answered for these changes, when
    the caller asked already. Returns the corrections written."""
    changes = [(u, d.replace(day=1), text) for u, d, text in changes]
    if reached is None:
        reached = closed_followups(pairs=[(u, m) for u, m, _t in changes])
    if not reached:
        return []
    now = timezone.now()
    rows = [
        MonthCorrection(
            unit_id=follow_up.unit_id,
            month=month,
            event_unit_id=unit_id,
            corrected_at=now,
            corrected_by=by if getattr(by, "pk", None) else None,
            source=source[:200],
            reason=reason.strip(),
            description=text[:500],
        )
        for unit_id, month, text in changes
        for follow_up in reached.get((unit_id, month), [])
    ]
    MonthCorrection.objects.bulk_create(rows)
    MonthFollowUp.objects.filter(
        pk__in={f.pk for found in reached.values() for f in found}, restated=False
    ).update(restated=True)
    return rows


# --- Year goals and manual values -----------------------------------------------------------

MAX_GOAL_TARGET = Decimal("1000000")
MAX_FACTOR = Decimal("100")


def year_goal_save(
    *,
    unit: Unit,
    indicator: Indicator,
    year: int,
    target: Decimal | None = None,
    baseline_year: int | None = None,
    factor: Decimal | None = None,
    baseline_value: Decimal | None = None,
    baseline_source: str = "",
    by,
) -> YearGoal:
    """Set a unit's goal for an indicator and year: an absolute `target`, or `factor` ×
    the value of `baseline_year` (exactly one of the two).

    A relative goal on a baseline year without data in EOR is refused (it would be a goal
    of 0) unless `baseline_value` is entered by hand with its `baseline_source` (figures
    from an earlier case system). Managers set their units' goals; leadership the goals of
    the administration (the root units it reaches): access.year_goal_units."""
    _require(
        access.year_goal_units(by).filter(pk=unit.pk).exists(),
        _("Du får inte sätta årsmål för enheten."),
    )
    baseline_source = (baseline_source or "").strip()
    errors: dict[str, list[str]] = {}
    if not 2000 <= year <= 2100:
        errors["year"] = [_("Året måste ligga mellan 2000 och 2100.")]
    absolute = target is not None
    relative = baseline_year is not None or factor is not None
    if absolute == relative:
        errors["target"] = [_("Ange antingen ett mål eller basår och faktor, inte båda.")]
    elif absolute and not 0 <= target <= MAX_GOAL_TARGET:
        errors["target"] = [_("Målet måste ligga mellan 0 och 1 000 000.")]
    elif relative:
        if baseline_year is None or not 1990 <= baseline_year < year:
            errors["baseline_year"] = [_("Basåret måste vara ett tidigare år (från 1990).")]
        if factor is None or not 0 < factor <= MAX_FACTOR:
            errors["factor"] = [_("Faktorn måste vara större än 0 och högst 100.")]
        if baseline_value is not None:
            if not 0 < baseline_value <= MAX_GOAL_TARGET:
                errors["baseline_value"] = [
                    _("Basvärdet måste vara större än 0 och högst 1 000 000.")
                ]
            if not baseline_source:
                errors["baseline_source"] = [
                    _("Ange varifrån basvärdet kommer (t.ex. ett tidigare ärendesystem).")
                ]
        elif "baseline_year" not in errors and (
            hooks.baseline_has_data(unit, indicator, baseline_year) is False
        ):
            errors["baseline_year"] = [
                _(
                    "Basåret %(year)s har inga data för indikatorn i EOR: målet skulle bli 0. "
                    "Ange basvärdet för hand med dess källa (t.ex. siffror ur ett tidigare "
                    "ärendesystem), eller välj ett annat basår."
                )
                % {"year": baseline_year}
            ]
    if absolute:
        baseline_value, baseline_source = None, ""
    if not indicator.active:
        errors["indicator"] = [_("Indikatorn används inte längre.")]
    if errors:
        raise ValidationError(errors)
    goal, _created = YearGoal.objects.update_or_create(
        unit=unit,
        indicator=indicator,
        year=year,
        defaults={
            "target": target,
            "baseline_year": baseline_year,
            "factor": factor,
            "baseline_value": baseline_value,
            "baseline_source": baseline_source if baseline_value is not None else "",
            "set_by": by,
            "updated_at": timezone.now(),
        },
    )
    return goal


def manual_value_range(indicator: Indicator) -> tuple[Decimal, Decimal]:
    if indicator.unit_label.strip() == "%":
        return Decimal(0), Decimal(100)
    return Decimal(0), Decimal("1000000")


def manual_value_save(
    *, unit: Unit, indicator: Indicator, month: dt.date, value: Decimal, by
) -> ManualValue:
    """Enter a manual indicator's value for a unit and month (validated against its range)."""
    _require(
        access.managed_units(by).filter(pk=unit.pk).exists(), _("Du är inte chef för enheten.")
    )
    errors: dict[str, list[str]] = {}
    if indicator.kind != Indicator.Kind.MANUAL:
        errors["indicator"] = [_("Indikatorn räknas fram ur händelserna och matas inte in.")]
    low, high = manual_value_range(indicator)
    if value is None or not low <= value <= high:
        errors["value"] = [
            _("Värdet måste ligga mellan %(low)s och %(high)s.") % {"low": low, "high": high}
        ]
    if month > months.current_month():
        errors["month"] = [_("Månaden har inte börjat än.")]
    elif month_is_closed(unit=unit, month=month):
        errors["month"] = [_("Månaden är stängd.")]
    if errors:
        raise ValidationError(errors)
    row, _created = ManualValue.objects.update_or_create(
        unit=unit,
        indicator=indicator,
        month=month,
        defaults={"value": value, "entered_by": by, "entered_at": timezone.now()},
    )
    return row


# --- Reminders ------------------------------------------------------------------------------


def eor_expected_units(unit_ids: Iterable[int], year: int) -> set[int]:
    """Of these units, those where a group EOR is expected: units with caseworkers (the
    groups that meet), and the levels that hold a year goal for `year`. A parent unit
    without either decides no EOR, so nobody is asked for one. Two queries."""
    unit_ids = set(unit_ids)
    if not unit_ids:
        return set()
    with_caseworkers = Membership.objects.filter(
        unit_id__in=unit_ids, role=Role.CASEWORKER, user__is_active=True
    ).values_list("unit_id", flat=True)
    with_goals = YearGoal.objects.filter(unit_id__in=unit_ids, year=year).values_list(
        "unit_id", flat=True
    )
    return set(with_caseworkers) | set(with_goals)


def todo_for(*, user, today: dt.date | None = None) -> list[dict]:
    """What `user` still has to do for next month: set their plan (caseworkers, per unit of
    membership) and record the group EOR (managers, per managed unit of membership where an
    EOR is expected: `eor_expected_units`)."""
    upcoming = months.add_months(months.month_of(today or months.today()), 1)
    memberships = list(
        Membership.objects.filter(
            user=user, role__in=[Role.CASEWORKER, Role.MANAGER]
        ).select_related("unit")
    )
    planned = set(
        IndividualTarget.objects.filter(caseworker=user, month=upcoming).values_list(
            "unit_id", flat=True
        )
    )
    decided = set(
        GroupDecision.objects.filter(
            month=upcoming, unit__in=[m.unit for m in memberships if m.role == Role.MANAGER]
        ).values_list("unit_id", flat=True)
    )
    expected = eor_expected_units(
        {m.unit_id for m in memberships if m.role == Role.MANAGER} - decided, upcoming.year
    )
    todo = []
    for m in memberships:
        if m.role == Role.CASEWORKER and m.unit_id not in planned:
            todo.append({"kind": ReminderSent.Kind.PLAN, "unit": m.unit, "month": upcoming})
        elif m.role == Role.MANAGER and m.unit_id not in decided and m.unit_id in expected:
            todo.append({"kind": ReminderSent.Kind.DECISION, "unit": m.unit, "month": upcoming})
    return todo


def reminders_send(*, today: dt.date | None = None) -> int:
    """E-mail everyone whose plan or EOR for next month is missing on or after the reminder
    day, once per person, month and kind. Safe to run twice or on two workers at once: the
    sent-record is inserted before the mail goes out, in the same transaction."""
    today = today or months.today()
    if today.day < settings.EOR_REMINDER_DAY:
        return 0
    upcoming = months.add_months(months.month_of(today), 1)
    already = set(ReminderSent.objects.filter(month=upcoming).values_list("user_id", "kind"))
    User = get_user_model()
    candidates = (
        User.objects.filter(
            is_active=True,
            memberships__role__in=[Role.CASEWORKER, Role.MANAGER],
        )
        .exclude(email="")
        .distinct()
    )
    sent = 0
    for user in candidates:
        by_kind: dict[str, list[Unit]] = {}
        for item in todo_for(user=user, today=today):
            by_kind.setdefault(item["kind"], []).append(item["unit"])
        for kind, units in by_kind.items():
            if (user.pk, kind) in already:
                continue
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(user=user, month=upcoming, kind=kind)
                    _send_reminder(user=user, kind=kind, units=units, month=upcoming)
            except IntegrityError:
                continue  # another run got there first
            except Exception:
                # Mail server trouble: nothing recorded, so the next run tries again; the
                # others still get theirs now.
                logger.exception("reminder to user %s failed", user.pk)
                continue
            sent += 1
    return sent


def _send_reminder(*, user, kind: str, units: list[Unit], month: dt.date) -> None:
    names = ", ".join(unit.name for unit in units)
    month_text = months.format_month(month)
    if kind == ReminderSent.Kind.PLAN:
        subject = _("Påminnelse: din plan för %(month)s") % {"month": month_text}
        body = _(
            "Hej!\n\nDu har inte satt ditt individuella mål och dina namngivna klienter för "
            "%(month)s i %(units)s. Gör det under Min plan i EOR före gruppmötet.\n"
        ) % {"month": month_text, "units": names}
    else:
        subject = _("Påminnelse: gruppens EOR för %(month)s") % {"month": month_text}
        body = _(
            "Hej!\n\nGruppens EOR för %(month)s är inte beslutat i %(units)s. "
            "Registrera beslutet under Gruppmöte i EOR.\n"
        ) % {"month": month_text, "units": names}
    send_mail(str(subject), str(body), None, [user.email])
