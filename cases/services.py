"""Writes to clients, cases and case events (every entry path goes through here).

Each write runs in one transaction and announces `events_changed` once, after commit, with
the units and months it touched (cases/signals.py). The bulk import lives in
the package cases/importing/ and follows the same rules.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from goals.models import Unit
from trelleborg.months import month_of, today
from trelleborg.vocabulary import DecisionMode, EventType, Program, Source

from . import corrections
from .models import Case, CaseEvent, CaseEventHistory, Client, WithdrawnEvent
from .rules import (
    CONFIRM_CODE,
    Scope,
    check_event,
    identifier_problem,
    text_personal_number_error,
)
from .signals import announce_events_changed
from .validators import personal_number_error

__all__ = ["CONFIRM_CODE", "check_event"]  # re-exported: callers reach the rules through here


def new_event_id() -> str:
    """An event id for events born in EOR (page, admin): never collides with a source
    system's ids, which do not start with "eor-"."""
    return f"eor-{uuid.uuid4().hex}"


def client_case_register(
    *,
    unit: Unit,
    client_ref: str,
    case_number: str,
    caseworker=None,
    program: str = Program.FORSORJNINGSSTOD,
    by=None,
    scope: Scope | None = None,
) -> Case:
    """Register a case (and its client, when the reference is new) in `unit`'s organisation.

    Raises ValidationError keyed by field for a personal number, an identifier with
    invisible or control characters, a taken case number, an unknown program or a unit
    outside `scope` (the writer's units; None: the caller checked the unit already).
    """
    client_ref, ref_problem = identifier_problem(client_ref)
    case_number, number_problem = identifier_problem(case_number)
    errors: dict[str, str] = {}
    if not client_ref:
        errors["client_ref"] = _("Ange en klientreferens.")
    elif message := personal_number_error(client_ref) or ref_problem:
        errors["client_ref"] = message
    if not case_number:
        errors["case_number"] = _("Ange ett ärendenummer.")
    elif number_problem:
        errors["case_number"] = number_problem
    if scope is not None and not scope.allows(unit.pk):
        errors["unit"] = str(_("Du får inte registrera ärenden för den enheten."))
    if program not in Program.values:
        errors["program"] = _("Okänt program.")
    organisation = unit.root()
    if (
        case_number
        and Case.objects.filter(organisation=organisation, case_number=case_number).exists()
    ):
        errors["case_number"] = _("Det finns redan ett ärende med det numret.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            client, _created = Client.objects.get_or_create(
                organisation=organisation, ref=client_ref
            )
            return Case.objects.create(
                organisation=organisation,
                case_number=case_number,
                client=client,
                unit=unit,
                caseworker=caseworker,
                program=program,
            )
    except IntegrityError:
        # Someone registered the same case number between our check and our insert.
        raise ValidationError(
            {"case_number": _("Det finns redan ett ärende med det numret.")}
        ) from None


def lock_case(case: Case) -> dt.date | None:
    """Lock the case's row until the transaction ends (two exits saved at once cannot both
    pass the same-month check) and return its first event's date, in one statement."""
    first = (
        CaseEvent.objects.filter(case=OuterRef("pk"))
        .order_by("occurred_on")
        .values("occurred_on")[:1]
    )
    return (
        Case.objects.select_for_update(of=("self",))
        .filter(pk=case.pk)
        .annotate(first_on=Subquery(first))
        .values_list("first_on", flat=True)
        .first()
    )


def event_log(
    *,
    case: Case,
    event_type: str,
    occurred_on: dt.date | None = None,
    reason: str = "",
    decision_mode: str = "",
    program: str | None = None,
    by=None,
    source: str = Source.PAGE,
    confirm: bool = False,
    scope: Scope | None = None,
    correction_reason: str = "",
) -> CaseEvent:
    """Log an event on `case`, attributed to the case's current unit.

    An event dated in a closed month (of the unit or a unit above it) is a correction: from
    a page it needs `correction_reason` (ValidationError on field "correction_reason"), and
    it is recorded as one (cases.corrections) whatever the path.

    `scope`: the writer's units (cases.rules.Scope); the case must lie in them.

    The date defaults to today and may be neither in the future nor before the case's first
    event. Exits need a reason (other types must have none); decisions get a decision mode
    (`manual` when absent). A second exit in a month the case already exited in needs
    `confirm=True` (ValidationError with code "needs_confirmation" on field "confirm").
    """
    occurred_on = occurred_on or today()
    reason = reason or ""
    decision_mode = decision_mode or ""
    if event_type == EventType.DECISION and not decision_mode:
        decision_mode = DecisionMode.MANUAL
    program = program or case.program
    with transaction.atomic():
        check_event(
            case=case,
            event_type=event_type,
            occurred_on=occurred_on,
            reason=reason,
            decision_mode=decision_mode,
            program=program,
            confirm=confirm,
            first=lock_case(case),
            scope=scope,
        )
        correction_reason = (correction_reason or "").strip()
        closed = corrections.needs_reason(unit_id=case.unit_id, occurred_on=occurred_on)
        if closed and source == Source.PAGE and not correction_reason:
            raise ValidationError(
                {
                    "correction_reason": _(
                        "Datumet ligger i en stängd månad: ange skäl till rättelse."
                    )
                }
            )
        now = timezone.now()
        # The unit object when the loader brought it (the audit entry reads its path), else
        # its id: no query either way.
        unit = {"unit": case.unit} if Case.unit.is_cached(case) else {"unit_id": case.unit_id}
        event = CaseEvent.objects.create(
            organisation_id=case.organisation_id,
            event_id=new_event_id(),
            case=case,
            **unit,
            event_type=event_type,
            occurred_on=occurred_on,
            reason=reason,
            program=program,
            decision_mode=decision_mode,
            source=source,
            recorded_by=by,
            recorded_at=now,
            updated_at=now,
        )
        if closed:
            corrections.record(
                [
                    (
                        event.unit_id,
                        occurred_on,
                        _("Ny händelse: %(event)s")
                        % {"event": corrections.describe_event(event_type, reason, occurred_on)},
                    )
                ],
                by=by,
                source=source,
                reason=correction_reason,
            )
        announce_events_changed(
            unit_ids=[event.unit_id],
            months=[month_of(occurred_on)],
            organisation_ids=[case.organisation_id],
        )
    return event


def exit_log(
    *,
    case: Case,
    reason: str,
    occurred_on: dt.date | None = None,
    by=None,
    source: str = Source.PAGE,
    confirm: bool = False,
    scope: Scope | None = None,
    correction_reason: str = "",
) -> CaseEvent:
    """Log an exit (an event with a reason); see `event_log` for the rules."""
    return event_log(
        correction_reason=correction_reason,
        scope=scope,
        case=case,
        event_type=EventType.EXIT,
        occurred_on=occurred_on,
        reason=reason,
        by=by,
        source=source,
        confirm=confirm,
    )


EVENT_FIELDS = ("event_type", "occurred_on", "reason", "program", "decision_mode", "unit_id")


def event_snapshot(event: CaseEvent) -> dict:
    """The values a change replaces, as stored in CaseEventHistory.previous."""
    return {
        "case": event.case.case_number,
        "unit": event.unit.code,
        "event_type": event.event_type,
        "occurred_on": event.occurred_on.isoformat(),
        "reason": event.reason,
        "program": event.program,
        "decision_mode": event.decision_mode,
    }


def event_update(
    *,
    event: CaseEvent,
    by=None,
    source: str = Source.ADMIN,
    confirm: bool = True,
    scope: Scope | None = None,
    note: str = "",
    correction_reason: str = "",
    **changes,
) -> CaseEvent:
    """Change an event's values, keeping the previous ones in its history (admin path).

    `scope`: the writer's units; the event and its case must lie in them before and after.
    `note`: why (kept in the history and the change log)."""
    unknown = set(changes) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"cannot change {sorted(unknown)}")
    with transaction.atomic():
        current = CaseEvent.objects.select_related("case", "unit").select_for_update(of=("self",))
        current = current.get(pk=event.pk)
        new = {field: changes.get(field, getattr(current, field)) for field in EVENT_FIELDS}
        if all(new[field] == getattr(current, field) for field in EVENT_FIELDS):
            return current
        check_event(
            case=current.case,
            event_type=new["event_type"],
            occurred_on=new["occurred_on"],
            reason=new["reason"],
            decision_mode=new["decision_mode"],
            program=new["program"],
            confirm=confirm,
            exclude_event=current,
            scope=scope,
            unit_id=new["unit_id"],
            exclude_unit_id=current.unit_id,
        )
        # A change touching a closed month (the one it leaves or the one it enters) is a
        # correction: from a page it needs its reason, like event_log.
        correction_reason = (correction_reason or "").strip()
        if source == Source.PAGE and not correction_reason:
            for unit_id, day in {
                (current.unit_id, current.occurred_on),
                (new["unit_id"], new["occurred_on"]),
            }:
                if corrections.needs_reason(unit_id=unit_id, occurred_on=day):
                    raise ValidationError(
                        {
                            "correction_reason": _(
                                "Datumet ligger i en stängd månad: ange skäl till rättelse."
                            )
                        }
                    )
        CaseEventHistory.objects.create(
            event=current,
            changed_by=by,
            source=source,
            previous=event_snapshot(current),
            note=note,
        )
        old_unit, old_month = current.unit_id, month_of(current.occurred_on)
        before = corrections.describe_event(current.event_type, current.reason, current.occurred_on)
        for field, value in new.items():
            setattr(current, field, value)
        current.updated_at = timezone.now()
        current._change_note = note  # for the change log (CaseEvent.get_additional_data)
        current.save(update_fields=[*EVENT_FIELDS, "updated_at"])
        after = corrections.describe_event(current.event_type, current.reason, current.occurred_on)
        text = _("Ändrad händelse: %(before)s → %(after)s") % {"before": before, "after": after}
        places = {(old_unit, old_month), (current.unit_id, month_of(current.occurred_on))}
        corrections.record(
            [(unit_id, month, text) for unit_id, month in sorted(places)],
            by=by,
            source=source,
            reason=correction_reason,
        )
        announce_events_changed(
            unit_ids={old_unit, current.unit_id},
            months={old_month, month_of(current.occurred_on)},
            organisation_ids=[current.organisation_id],
        )
    return current


# --- correcting or withdrawing an exit logged by mistake (issue 15) ---------------------------


def may_amend(user, event: CaseEvent) -> bool:
    """Whether `user` may correct or withdraw `event`: an exit, logged by them, or in a unit
    they manage (or an administrator). The write is still checked against their scope."""
    from goals.access import is_admin, reaches
    from trelleborg.vocabulary import Role

    if event.event_type != EventType.EXIT or not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    unit = event.unit if CaseEvent.unit.is_cached(event) else Unit.objects.get(pk=event.unit_id)
    if reaches(user, unit, (Role.MANAGER,)):
        return True
    return event.recorded_by_id == user.pk and reaches(user, unit, (Role.CASEWORKER,))


def _amend_errors(*, event: CaseEvent, reason: str, by) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (reason or "").strip():
        errors["note"] = _("Ange varför avslutet rättas eller återkallas.")
    elif message := text_personal_number_error(reason):
        errors["note"] = message
    if by is not None and not may_amend(by, event):
        errors["__all__"] = _(
            "Bara den som registrerade avslutet eller enhetens chef får ändra det."
        )
    return errors


def exit_amend(
    *,
    event: CaseEvent,
    reason: str,
    by,
    withdraw: bool = False,
    occurred_on: dt.date | None = None,
    exit_reason: str | None = None,
    source: str = Source.PAGE,
    scope: Scope | None = None,
) -> CaseEvent | WithdrawnEvent:
    """Correct (date, exit reason) or withdraw an exit logged by mistake; the one entry point
    of both, for the page and for anyone who must hook in (closed-month corrections).

    `reason`: why, required (kept in the event's history, or the withdrawal, and in the change
    log). `by`: who; only the one who logged the exit, a manager of its unit or an
    administrator (`may_amend`), and within `scope` like every write. A correction goes
    through `event_update` (the same rules as logging: date, reason, scope); a withdrawal
    deletes the event so every figure drops it at once, and keeps it as a `WithdrawnEvent`,
    whose event_id a re-import then skips. Either way `events_changed` is announced after
    commit for the old and the new month. Raises ValidationError (fields "note",
    "occurred_on", "reason", or non-field)."""
    reason = (reason or "").strip()
    if errors := _amend_errors(event=event, reason=reason, by=by):
        raise ValidationError(errors)
    try:
        return _exit_amend(
            event=event,
            reason=reason,
            by=by,
            withdraw=withdraw,
            occurred_on=occurred_on,
            exit_reason=exit_reason,
            source=source,
            scope=scope,
        )
    except CaseEvent.DoesNotExist:
        # Withdrawn by someone else a moment ago (two managers, one exit).
        raise ValidationError(
            _("Avslutet finns inte längre; någon har redan återkallat det.")
        ) from None


def _exit_amend(
    *,
    event: CaseEvent,
    reason: str,
    by,
    withdraw: bool,
    occurred_on: dt.date | None,
    exit_reason: str | None,
    source: str,
    scope: Scope | None,
) -> CaseEvent | WithdrawnEvent:
    if not withdraw:
        changes = {}
        if occurred_on is not None:
            changes["occurred_on"] = occurred_on
        if exit_reason is not None:
            changes["reason"] = exit_reason
        return event_update(
            event=event,
            by=by,
            source=source,
            confirm=True,
            scope=scope,
            note=reason,
            correction_reason=reason,  # in a closed month the amendment is a correction
            **changes,
        )
    with transaction.atomic():
        current = (
            CaseEvent.objects.select_related("case", "unit", "recorded_by")
            .select_for_update(of=("self",))
            .get(pk=event.pk)
        )
        if scope is not None and (
            message := scope.error(before=[current.case.unit_id, current.unit], after=[])
        ):
            raise ValidationError(message, code="out_of_scope")
        history = [
            {
                "changed_at": h.changed_at.isoformat(),
                "changed_by": getattr(h.changed_by, "username", None),
                "source": h.source,
                "note": h.note,
                "previous": h.previous,
            }
            for h in current.history.select_related("changed_by")
        ]
        withdrawn = WithdrawnEvent.objects.create(
            organisation_id=current.organisation_id,
            event_id=current.event_id,
            case=current.case,
            unit=current.unit,
            event_type=current.event_type,
            occurred_on=current.occurred_on,
            reason=current.reason,
            note=reason,
            withdrawn_by=by,
            source=source,
            previous={
                **event_snapshot(current),
                "source": current.source,
                "recorded_by": getattr(current.recorded_by, "username", None),
                "recorded_at": current.recorded_at.isoformat(),
                "history": history,
            },
        )
        current._change_note = reason  # for the change log (CaseEvent.get_additional_data)
        current.delete()
        # Withdrawing an exit dated in a closed month corrects that month.
        corrections.record(
            [
                (
                    withdrawn.unit_id,
                    withdrawn.occurred_on,
                    _("Återkallat avslut: %(event)s")
                    % {
                        "event": corrections.describe_event(
                            withdrawn.event_type, withdrawn.reason, withdrawn.occurred_on
                        )
                    },
                )
            ],
            by=by,
            source=source,
            reason=reason,
        )
        announce_events_changed(
            unit_ids=[withdrawn.unit_id],
            months=[month_of(withdrawn.occurred_on)],
            organisation_ids=[withdrawn.organisation_id],
        )
    return withdrawn


def exit_correct(*, event: CaseEvent, reason: str, by, **kwargs) -> CaseEvent:
    """`exit_amend` for a correction (occurred_on=…, exit_reason=…)."""
    return exit_amend(event=event, reason=reason, by=by, withdraw=False, **kwargs)  # type: ignore[return-value]


def exit_withdraw(*, event: CaseEvent, reason: str, by, **kwargs) -> WithdrawnEvent:
    """`exit_amend` for a withdrawal."""
    return exit_amend(event=event, reason=reason, by=by, withdraw=True, **kwargs)  # type: ignore[return-value]
