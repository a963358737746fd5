"""The rules of a case-event write, in one place: every path calls these.

The caseworker's forms and the admin (through `cases.services`), the import (CSV page and
command, `cases.importing`, which the JSON API uses too) all check a write against:

- the **scope** (`Scope`): a write made for someone with a scope (a manager's import, a
  scoped API token, a caseworker's form) may only create or change cases and events that
  lie in the scope's units before the write and still lie there after it. An administrator
  has no scope (`Scope.everything()`) and may move cases between units;
- the **event values** (`event_type_error`, `reason_error`, `program_error`,
  `decision_mode_error`, `date_error`): vocabulary, exit reason iff exit, decision mode iff
  decision, no future date and no date before EOR_EARLIEST_EVENT_DATE;
- the **identifiers** (`identifier_problem`): client references, case numbers and event
  ids are NFC-normalised, refused with control, format or private-use characters, and
  refused when shaped like a personal identity number (trelleborg.validation);
- the **free text** rule (`text_personal_number_error`), for every free-text field.

Case-level rules, and which of them apply to imports (README "Security and privacy"):

- "not before the case's first event" applies to the page and the admin, **not** to
  imports: a source system sends a case's history in any order and may backfill earlier
  events later; the import is that system's record, so an earlier event is a fact to
  store, not a typing mistake to catch.
- the second exit in a month needs a confirmation on the page and the admin, **not** in
  imports: there is nobody to ask, the source system already decided, and the import's
  idempotency on event_id keeps a re-sent row from being stored twice.
- everything else (scope, values, identifiers, date floor, personal numbers) applies to
  every path alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trelleborg.months import today
from trelleborg.validation import (
    clean_identifier,
    date_floor_error,
    earliest_event_date,
    identifier_error,
    normalize_identifier,
    text_personal_number_error,
)
from trelleborg.vocabulary import DecisionMode, EventType, ExitReason, Program

__all__ = [
    "CONFIRM_CODE",
    "OUT_OF_SCOPE_MESSAGE",
    "Scope",
    "check_event",
    "date_error",
    "decision_mode_error",
    "earliest_event_date",
    "event_type_error",
    "identifier_error",
    "identifier_problem",
    "normalize_identifier",
    "program_error",
    "reason_error",
    "text_personal_number_error",
]

CONFIRM_CODE = "needs_confirmation"

EVENT_TYPES = frozenset(EventType.values)
EXIT_REASONS = frozenset(ExitReason.values)
PROGRAMS = frozenset(Program.values)
DECISION_MODES = frozenset(DecisionMode.values)

# Says nothing of the other unit, its client or its caseworker: only that this row may not
# be written by this user.
OUT_OF_SCOPE_MESSAGE = gettext_lazy(
    "Ärendet eller händelsen kan inte skrivas: den hör till en enhet utanför de enheter du "
    "får skriva för."
)


# --- scope ---------------------------------------------------------------------------------


class Scope:
    """The units a write may touch.

    Two forms of one rule: a set of unit ids (an import's or a token's units; None for
    everything, an administrator), or a user and the roles that reach a unit (the pages:
    decided from the memberships the request already holds, without a query).
    """

    __slots__ = ("roles", "unit_ids", "user")

    def __init__(self, unit_ids: Iterable[int] | None, *, user=None, roles: Iterable[str] = ()):
        self.unit_ids: frozenset[int] | None = None if unit_ids is None else frozenset(unit_ids)
        self.user = user
        self.roles = tuple(roles)

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def of_units(cls, units: Iterable | None) -> Scope:
        """The scope of `units` (Unit objects, or a queryset; None: everything). An
        unfiltered queryset (an administrator's `Unit.objects.all()`) is everything."""
        if units is None:
            return cls(None)
        if hasattr(units, "values_list"):
            if not units.query.has_filters():
                return cls(None)
            return cls(units.values_list("pk", flat=True))
        return cls(unit.pk for unit in units)

    @classmethod
    def of_user(cls, user, roles: Iterable[str]) -> Scope:
        """The units `user` reaches with one of `roles` (goals.access.reaches)."""
        return cls(None, user=user, roles=roles)

    @property
    def unrestricted(self) -> bool:
        return self.unit_ids is None and self.user is None

    def allows(self, unit) -> bool:
        """Whether a case or event in `unit` (a Unit, or its id) lies in the scope."""
        if unit is None:
            return True  # nothing there yet: nothing to take from anyone
        if self.user is not None:
            from goals.access import reaches
            from goals.models import Unit

            if not isinstance(unit, Unit):
                unit = Unit.objects.filter(pk=unit).first()
            return unit is not None and reaches(self.user, unit, self.roles)
        if self.unit_ids is None:
            return True
        return getattr(unit, "pk", unit) in self.unit_ids

    def allows_write(self, *, before: Iterable, after: Iterable) -> bool:
        """THE scope rule: everything the write touches lies in the scope before (`before`:
        the current units of the existing case and event; None for what does not exist
        yet) and after (`after`: the units they will have)."""
        return all(self.allows(u) for u in before) and all(self.allows(u) for u in after)

    def error(self, *, before: Iterable, after: Iterable) -> str | None:
        """`OUT_OF_SCOPE_MESSAGE` when the write is not allowed, else None."""
        if self.allows_write(before=before, after=after):
            return None
        return str(OUT_OF_SCOPE_MESSAGE)

    def sql_outside(self, column: str) -> tuple[str, list[int]]:
        """The same rule for set-based writes: an SQL condition true when `column` (a unit
        id) lies outside the scope, and its parameters. Never true without a scope."""
        ids = self.unit_ids
        if self.user is not None:
            from goals.access import units_for

            ids = frozenset(units_for(self.user, self.roles).values_list("pk", flat=True))
        if ids is None:
            return "1 = 0", []
        if not ids:
            return "1 = 1", []
        ordered = sorted(ids)
        return f"{column} NOT IN ({', '.join(['%s'] * len(ordered))})", ordered


# --- values --------------------------------------------------------------------------------


def identifier_problem(value: str | None) -> tuple[str, str | None]:
    """(normalised identifier, message or None) for a client reference, case number or
    event id: NFC, no control/format/private-use characters, no personal number."""
    return clean_identifier(value)


def event_type_error(event_type: str) -> str | None:
    if event_type in EVENT_TYPES:
        return None
    if event_type:
        return _("Okänd händelsetyp %(value)r; giltiga: %(valid)s.") % {
            "value": event_type[:40],
            "valid": ", ".join(EventType.values),
        }
    return _("Värde saknas.")


def reason_error(event_type: str, reason: str) -> str | None:
    if event_type == EventType.EXIT:
        if not reason:
            return _("Ett avslut kräver en orsak: %(valid)s.") % {
                "valid": ", ".join(ExitReason.values)
            }
        if reason not in EXIT_REASONS:
            return _("Okänd orsak %(value)r; giltiga: %(valid)s.") % {
                "value": reason[:40],
                "valid": ", ".join(ExitReason.values),
            }
    elif reason:
        return _("Orsak anges bara för avslut (event_type exit).")
    return None


def program_error(program: str) -> str | None:
    """`program` after its default (an empty cell is forsorjningsstod)."""
    if program in PROGRAMS:
        return None
    return _("Okänt program %(value)r; giltiga: %(valid)s.") % {
        "value": program[:40],
        "valid": ", ".join(Program.values),
    }


def decision_mode_error(event_type: str, decision_mode: str) -> str | None:
    """`decision_mode` as given (an empty value on a decision is manual)."""
    if event_type == EventType.DECISION:
        if decision_mode and decision_mode not in DECISION_MODES:
            return _("Okänt beslutssätt %(value)r; giltiga: %(valid)s.") % {
                "value": decision_mode[:40],
                "valid": ", ".join(DecisionMode.values),
            }
    elif decision_mode:
        return _("Beslutssätt anges bara för beslut (event_type decision).")
    return None


def date_error(occurred_on: dt.date, *, today_: dt.date | None = None) -> str | None:
    """Not in the future, not before EOR_EARLIEST_EVENT_DATE."""
    if occurred_on > (today_ or today()):
        return _("Datumet får inte ligga i framtiden.")
    return date_floor_error(occurred_on)


# --- a single event (page, admin) ----------------------------------------------------------


def _unit_of(case):
    """The case's unit object when loaded (no query), else its id."""
    return case.unit if type(case).unit.is_cached(case) else case.unit_id


# check_event's `first` when the caller has not read it.
_UNREAD = object()


def check_event(
    *,
    case,
    event_type: str,
    occurred_on: dt.date,
    reason: str,
    decision_mode: str,
    program: str,
    confirm: bool,
    exclude_event=None,
    first: dt.date | None | object = _UNREAD,
    scope: Scope | None = None,
    unit_id: int | None = None,
    exclude_unit_id: int | None = None,
) -> None:
    """Raise ValidationError (by field) if the event may not be saved (page and admin).

    `first`: the date of the case's first event (other than `exclude_event`) when the
    caller has read it already; None for a case without events. `scope`: the writer's
    scope (None: the caller loaded the case through an access rule that is the scope);
    `unit_id`: the unit the event will name (default the case's); `exclude_unit_id`: the
    unit a changed event names now."""
    from .models import CaseEvent

    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, message: str, code: str = "invalid") -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if scope is not None and (
        message := scope.error(
            before=[_unit_of(case), exclude_unit_id], after=[unit_id or _unit_of(case)]
        )
    ):
        raise ValidationError(message, code="out_of_scope")
    if event_type not in EVENT_TYPES:
        add("event_type", _("Okänd händelsetyp."))
    if message := date_error(occurred_on):
        add("occurred_on", message)
    others = CaseEvent.objects.for_case(case)
    if exclude_event is not None:
        others = others.exclude(pk=exclude_event.pk)
    if first is _UNREAD:
        first = others.order_by("occurred_on").values_list("occurred_on", flat=True).first()
    if first is not None and occurred_on < first:  # type: ignore[operator]
        add(
            "occurred_on",
            _("Datumet får inte ligga före ärendets första händelse (%(date)s).")
            % {"date": first.isoformat()},  # type: ignore[union-attr]
        )
    if event_type == EventType.EXIT:
        if not reason:
            add("reason", _("Ange en orsak till avslutet."))
        elif reason not in EXIT_REASONS:
            add("reason", _("Okänd orsak."))
    elif reason:
        add("reason", _("Orsak anges bara för avslut."))
    if event_type == EventType.DECISION:
        if decision_mode not in DECISION_MODES:
            add("decision_mode", _("Okänt beslutssätt."))
    elif decision_mode:
        add("decision_mode", _("Beslutssätt anges bara för beslut."))
    if program not in PROGRAMS:
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
