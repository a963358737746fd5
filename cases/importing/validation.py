"""Step 1a: the per-value checks of a row, against lookups loaded once per import."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from goals.models import Unit
from trelleborg.csvread import CsvRow
from trelleborg.months import today

from .. import rules
from ..rules import Scope
from ..validators import MESSAGE as PERSONAL_NUMBER_MESSAGE
from ..validators import looks_like_personal_number
from .base import MAX_LENGTH

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Lookups:
    """Everything a row is checked against, loaded once per import."""

    def __init__(self, allowed_units: Iterable[Unit] | None):
        units = list(Unit.objects.values_list("id", "code", "path"))
        root_ids = {code: pk for pk, code, path in units if path.count("/") == 2}
        self.units: dict[str, tuple[int, int]] = {
            code: (pk, root_ids[path.strip("/").split("/")[0]]) for pk, code, path in units
        }
        self.scope = Scope.of_units(allowed_units)
        # Departed caseworkers still name historic cases: any existing user counts.
        self.users = dict(get_user_model().objects.values_list("username", "id"))
        self.today = today().isoformat()
        self.floor = rules.earliest_event_date().isoformat()
        self.dates: dict[str, str | None] = {}  # text -> error message (None: valid)

    def date_error(self, text: str) -> str | None:
        try:
            return self.dates[text]
        except KeyError:
            pass
        message = None
        if not text:
            message = _("Datum saknas.")
        elif not _DATE.match(text):
            message = _("Ogiltigt datum %(value)r; använd ÅÅÅÅ-MM-DD.") % {"value": text[:20]}
        else:
            try:
                dt.date.fromisoformat(text)
            except ValueError:
                message = _("Ogiltigt datum %(value)r; använd ÅÅÅÅ-MM-DD.") % {"value": text}
            else:
                if text > self.today:
                    message = _("Datumet %(value)s ligger i framtiden.") % {"value": text}
                elif text < self.floor:
                    message = _(
                        "Datumet %(value)s ligger före %(floor)s (tidigaste datum för händelser)."
                    ) % {"value": text, "floor": self.floor}
        if len(self.dates) < 100_000:
            self.dates[text] = message
        return message


# --- the pass over the rows -----------------------------------------------------------------


class _TooManyErrors(Exception):
    pass


def _rows_with_lines(rows: Iterable[Any]) -> Iterator[tuple[int, Mapping[str, Any], bool]]:
    """(line, values, is_csv): CSV rows carry their file line; other rows (API, demo) are
    numbered from 1 in the order given and have their keys checked."""
    for index, row in enumerate(rows, start=1):
        if isinstance(row, CsvRow):
            yield row.line, row.values, True
        else:
            yield index, row, False


def _required_error(value: str) -> str | None:
    """event_id, case_id, client_ref: present and not longer than the model field."""
    if not value:
        return _("Värde saknas.")
    if len(value) > MAX_LENGTH:
        return _("Högst %(max)d tecken.") % {"max": MAX_LENGTH}
    return None


def _personal_number_error(client_ref: str) -> str | None:
    # The value itself is never repeated: it must not end up in logs or pages.
    if client_ref and looks_like_personal_number(client_ref):
        return str(PERSONAL_NUMBER_MESSAGE)
    return None


def _id_personal_number_error(value: str) -> str | None:
    """event_id, case_id: a source system's ids, refused when they hold a checksum-valid
    personal number (the free-text strength: a numeric id may look like a date by chance)."""
    return rules.text_personal_number_error(value)


def _identifier_errors(column: str, value: str) -> str | None:
    """event_id, case_id, client_ref (NFC-normalised already): present, not too long, no
    control/format/private-use character; ids with no personal number (client_ref has its
    own, stricter check below)."""
    message = _required_error(value) or rules.identifier_error(value)
    if message is None and column != "client_ref":
        message = _id_personal_number_error(value)
    return message


def _unit_error(code: str, lookups: _Lookups) -> str | None:
    unit = lookups.units.get(code)
    if unit is None:
        if code:
            return _("Okänd enhet %(value)r.") % {"value": code[:64]}
        return _("Värde saknas.")
    if not lookups.scope.allows(unit[0]):
        return _("Du får inte importera händelser för enheten %(value)r.") % {"value": code}
    return None


def _caseworker_error(username: str, lookups: _Lookups) -> str | None:
    if username and username not in lookups.users:
        return _("Okänd användare %(value)r.") % {"value": username[:150]}
    return None


_event_type_error = rules.event_type_error
_reason_error = rules.reason_error
_program_error = rules.program_error
_decision_mode_error = rules.decision_mode_error
