"""Writes to clients, cases and case events (every entry path goes through here).

Each write runs in one transaction and announces `events_changed` once, after commit, with
the units and months it touched (cases/signals.py). The bulk import lives in
cases/importing.py and follows the same rules.
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
from trelleborg.vocabulary import DecisionMode, EventType, ExitReason, Program, Source

from .models import Case, CaseEvent, CaseEventHistory, Client
from .signals import announce_events_changed
from .validators import personal_number_error

CONFIRM_CODE = "needs_confirmation"


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
) -> Case:
    """Register a case (and its client, when the reference is new) in `unit`'s organisation.

    Raises ValidationError keyed by field for a personal number, a taken case number or an
    unknown program.
    """
    client_ref = (client_ref or "").strip()
    case_number = (case_number or "").strip()
    errors: dict[str, str] = {}
    if not client_ref:
        errors["client_ref"] = _("Ange en klientreferens.")
    elif message := personal_number_error(client_ref):
        errors["client_ref"] = message
    if not case_number:
        errors["case_number"] = _("Ange ett ärendenummer.")
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


# check_event's `first` when the caller has not read it.
_UNREAD = object()


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


def check_event(
    *,
    case: Case,
    event_type: str,
    occurred_on: dt.date,
    reason: str,
    decision_mode: str,
    program: str,
    confirm: bool,
    exclude_event: CaseEvent | None = None,
    first: dt.date | None | object = _UNREAD,
) -> None:
    """Raise ValidationError (by field) if the event may not be saved. `first`: the date of
    the case's first event (other than `exclude_event`) when the caller has read it already;
    None for a case without events."""
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, message: str, code: str = "invalid") -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if event_type not in EventType.values:
        add("event_type", _("Okänd händelsetyp."))
    if occurred_on > today():
        add("occurred_on", _("Datumet får inte ligga i framtiden."))
    others = CaseEvent.objects.for_case(case)
    if exclude_event is not None:
        others = others.exclude(pk=exclude_event.pk)
    if first is _UNREAD:
        first = others.order_by("occurred_on").values_list("occurred_on", flat=True).first()
    if first is not None and occurred_on < first:
        add(
            "occurred_on",
            _("Datumet får inte ligga före ärendets första händelse (%(date)s).")
            % {"date": first.isoformat()},
        )
    if event_type == EventType.EXIT:
        if not reason:
            add("reason", _("Ange en orsak till avslutet."))
        elif reason not in ExitReason.values:
            add("reason", _("Okänd orsak."))
    elif reason:
        add("reason", _("Orsak anges bara för avslut."))
    if event_type == EventType.DECISION:
        if decision_mode not in DecisionMode.values:
            add("decision_mode", _("Okänt beslutssätt."))
    elif decision_mode:
        add("decision_mode", _("Beslutssätt anges bara för beslut."))
    if program not in Program.values:
        add("program", _("Okänt program."))
    if (
        not errors
        and event_type == EventType.EXIT
        and not confirm
        and others.exits().in_month(occurred_on).exists()
    ):
        add(
            "confirm",
            _(
                "Ärendet har redan ett avslut i %(month)s. Bekräfta att du vill registrera "
                "ett avslut till."
            )
            % {"month": occurred_on.strftime("%Y-%m")},
            CONFIRM_CODE,
        )
    if errors:
        raise ValidationError(errors)


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
) -> CaseEvent:
    """Log an event on `case`, attributed to the case's current unit.

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
) -> CaseEvent:
    """Log an exit (an event with a reason); see `event_log` for the rules."""
    return event_log(
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
    **changes,
) -> CaseEvent:
    """Change an event's values, keeping the previous ones in its history (admin path)."""
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
        )
        CaseEventHistory.objects.create(
            event=current,
            changed_by=by,
            source=source,
            previous=event_snapshot(current),
        )
        old_unit, old_month = current.unit_id, month_of(current.occurred_on)
        for field, value in new.items():
            setattr(current, field, value)
        current.updated_at = timezone.now()
        current.save(update_fields=[*EVENT_FIELDS, "updated_at"])
        announce_events_changed(
            unit_ids={old_unit, current.unit_id},
            months={old_month, month_of(current.occurred_on)},
            organisation_ids=[current.organisation_id],
        )
    return current
