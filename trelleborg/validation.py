"""The value rules every write path shares: no personal identity numbers, clean identifiers,
no event before the earliest date.

A leaf module (Django and the standard library only), so that `goals`, `cases`,
`integrations` and `reports` can all call the same functions: dependencies run
goals ← cases ← reports, and `goals` may not import `cases`. `cases.rules` gathers these
with the event and scope rules for the case-event paths (page, admin, import, API).

Personal identity numbers (personnummer) and coordination numbers (samordningsnummer, day
of birth + 60) are found anywhere in a text: with or without century, with or without a
separator (- or +, or the dashes a word processor substitutes), inside a sentence or glued
to letters ("K-19121212-1212"). Two strengths:

- free text (planned actions, rationales, follow-up texts, guest lists, …) refuses a
  number whose date exists and whose check digit is right: a text full of dates and
  amounts should not be refused by chance;
- identifiers (client references, case numbers, event ids) refuse anything shaped like
  one whose date exists, check digit or not: a mistyped number is still a number, and an
  identifier has no business holding one.

No message ever repeats the refused value: it must not reach a page, a log or the database.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Separators people type between date and serial: ASCII hyphen and plus, the Unicode
# dashes a word processor substitutes, and a space.
_SEP = "[-+\u2010\u2011\u2012\u2013\u2014\u2212]"
# Month 01-12; day 01-31, or 61-91 for a samordningsnummer (day of birth + 60).
_MM = "(0[1-9]|1[0-2])"
_DD = "(0[1-9]|[12]\\d|3[01]|6[1-9]|[78]\\d|9[01])"
# 6 or 8 date digits, an optional separator (spaces allowed around it), 4 digits; not part
# of a longer digit run. Overlapping candidates are all tried (lookahead). Month and day
# are checked by the pattern itself: a column of a million numeric ids is scanned by the
# regex engine, not by Python.
_CANDIDATE = re.compile(
    rf"(?<!\d)(?=(1[89]|20)?(\d{{2}}){_MM}{_DD}[^\S\n]*{_SEP}?[^\S\n]*(\d{{4}})(?!\d))"
)
# A canonical UUID is a machine identifier, not a person: its hex groups can look like a
# date by chance, so it is exempt as a whole.
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# A cheap first look, in C (str.translate and `in`; a regex costs a second per million ids):
# every digit becomes "0", every separator "-", and whitespace other than newlines goes.
# Any candidate then shows as ten zeros or "000000-0000"; most texts show neither.
_SHAPE = {
    **{c: None for c in range(0x3000 + 1) if chr(c).isspace() and c != 10},
    **{ord(c): "-" for c in "+\u2010\u2011\u2012\u2013\u2014\u2212"},
    **{c: "0" for c in range(0x1FBFA) if chr(c).isdecimal()},
}


def _maybe(text: str) -> bool:
    shape = text.translate(_SHAPE)
    return "0000000000" in shape or "000000-0000" in shape


IDENTIFIER_PERSONAL_NUMBER_MESSAGE = _(
    "Värdet ser ut som ett personnummer eller samordningsnummer. "
    "Använd en pseudonym referens, aldrig ett personnummer."
)
TEXT_PERSONAL_NUMBER_MESSAGE = _(
    "Texten innehåller ett personnummer eller samordningsnummer. Ta bort det: "
    "personnummer får aldrig skrivas i EOR."
)
IDENTIFIER_CHARACTER_MESSAGE = _(
    "Värdet innehåller osynliga tecken eller styrtecken (t.ex. nollbreddsmellanslag eller "
    "riktningstecken). Skriv in det igen utan dem."
)


def _plausible_date(century: str | None, yy: str, mm: str, dd: str) -> bool:
    month, day = int(mm), int(dd)
    if day > 60:  # samordningsnummer: day of birth + 60
        day -= 60
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return False
    if century is None:
        # Without a century the number is someone aged 0–100ish: accept the date in either
        # century (29 February must exist in one of them).
        candidates = [2000 + int(yy), 1900 + int(yy)]
    elif century in {"18", "19", "20"}:
        candidates = [int(century + yy)]
    else:
        return False
    for year in candidates:
        try:
            dt.date(year, month, day)
        except ValueError:
            continue
        return True
    return False


def _luhn_ok(digits: str) -> bool:
    """The personnummer check digit: Luhn over the ten digits YYMMDDNNNN."""
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def contains_personal_number(value: str | None, *, checksum: bool = True) -> bool:
    """Whether `value` holds a personal identity or coordination number anywhere in it.

    `checksum=True` (free text): only numbers with a valid date and check digit.
    `checksum=False` (identifiers): any number-shaped value with a valid date.
    """
    if not value or not _maybe(value):  # fast path: nothing shaped like one
        return False
    text = value.strip()
    if _UUID.match(text):
        return False
    for match in _CANDIDATE.finditer(text):
        century, yy, mm, dd, serial = match.groups()
        if not _plausible_date(century, yy, mm, dd):
            continue
        if not checksum or _luhn_ok(yy + mm + dd + serial):
            return True
    return False


def text_personal_number_error(value: str | None) -> str | None:
    """The message for free text holding a (checksum-valid) personal number, else None."""
    return str(TEXT_PERSONAL_NUMBER_MESSAGE) if contains_personal_number(value) else None


def identifier_personal_number_error(value: str | None) -> str | None:
    """The message for an identifier shaped like a personal number, else None."""
    if contains_personal_number(value, checksum=False):
        return str(IDENTIFIER_PERSONAL_NUMBER_MESSAGE)
    return None


def validate_text_no_personal_number(value: str | None) -> None:
    """Model/form validator for free-text fields."""
    if contains_personal_number(value):
        raise ValidationError(TEXT_PERSONAL_NUMBER_MESSAGE, code="personal_number")


def validate_identifier_no_personal_number(value: str | None) -> None:
    """Model/form validator for identifiers."""
    if contains_personal_number(value, checksum=False):
        raise ValidationError(IDENTIFIER_PERSONAL_NUMBER_MESSAGE, code="personal_number")


# --- identifiers ---------------------------------------------------------------------------

# Control (Cc: ESC, BEL, …), format (Cf: U+202E right-to-left override, U+200B zero-width
# space, U+FEFF, …), private-use (Co) and lone surrogates (Cs): invisible on a page, or
# able to make one identifier look like another.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs"})


def normalize_identifier(value: str | None) -> str:
    """An identifier as stored: NFC-normalised, outer whitespace removed."""
    return unicodedata.normalize("NFC", (value or "").strip())


def has_refused_characters(value: str | None) -> bool:
    if not value or (value.isascii() and value.isprintable()):
        return False
    return any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in value)


def identifier_error(value: str | None) -> str | None:
    """The message for an identifier holding control, format or private-use characters."""
    return str(IDENTIFIER_CHARACTER_MESSAGE) if has_refused_characters(value) else None


def validate_identifier_characters(value: str | None) -> None:
    if has_refused_characters(value):
        raise ValidationError(IDENTIFIER_CHARACTER_MESSAGE, code="identifier_characters")


def clean_identifier(value: str | None) -> tuple[str, str | None]:
    """(normalised value, first error or None): the whole identifier rule in one call —
    NFC, no control/format/private-use characters, nothing shaped like a personal number."""
    text = normalize_identifier(value)
    return text, identifier_error(text) or identifier_personal_number_error(text)


# --- dates ---------------------------------------------------------------------------------


def earliest_event_date() -> dt.date:
    """EOR_EARLIEST_EVENT_DATE (default 2000-01-01)."""
    return settings.EOR_EARLIEST_EVENT_DATE


def date_floor_error(value: dt.date) -> str | None:
    """The message for an event date before the earliest allowed, else None."""
    floor = earliest_event_date()
    if value < floor:
        return str(
            _("Datumet får inte ligga före %(date)s (tidigaste datum för händelser).")
            % {"date": floor.isoformat()}
        )
    return None


# --- forms ---------------------------------------------------------------------------------

REDACTED = _("[personnummer borttaget]")


def redact_personal_numbers(value: str, *, checksum: bool = True) -> str:
    """`value` with every personal number in it replaced by a marker: what a refused form
    shows again, so the person keeps the rest of what they typed and the number is not
    echoed back into the page."""
    if not contains_personal_number(value, checksum=checksum):
        return value
    out, last = [], 0
    for match in _CANDIDATE.finditer(value):
        start = match.start()
        if start < last:
            continue
        century, yy, mm, dd, serial = match.groups()
        if not _plausible_date(century, yy, mm, dd):
            continue
        if checksum and not _luhn_ok(yy + mm + dd + serial):
            continue
        end = start + len(
            re.match(rf"(\d{{2}})?\d{{6}}[^\S\n]*{_SEP}?[^\S\n]*\d{{4}}", value[start:]).group(0)  # type: ignore[union-attr]
        )
        out.append(value[last:start])
        out.append(str(REDACTED))
        last = end
    out.append(value[last:])
    return "".join(out)


class PersonalNumberFormMixin:
    """Every text field of the form: refused when it holds a personal identity number,
    saying which field and why; fields named in `identifier_fields` get the whole
    identifier rule (NFC, no invisible or control characters, nothing shaped like a
    personal number). A refused form is shown again with what was typed, minus the number.

    Put it before the form class: `class F(PersonalNumberFormMixin, forms.Form)`.
    """

    identifier_fields: tuple[str, ...] = ()

    def clean(self):
        from django import forms

        data = super().clean()  # type: ignore[misc]
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            value = data.get(name) if data else None
            if not isinstance(field, forms.CharField) or not isinstance(value, str) or not value:
                continue
            if isinstance(field.widget, forms.PasswordInput):
                continue
            if name in self.identifier_fields:
                normalised, problem = clean_identifier(value)
                if problem:
                    code = (
                        "personal_number"
                        if problem == str(IDENTIFIER_PERSONAL_NUMBER_MESSAGE)
                        else "identifier_characters"
                    )
                    self.add_error(name, ValidationError(problem, code=code))  # type: ignore[attr-defined]
                else:
                    data[name] = normalised
            elif contains_personal_number(value):
                self.add_error(  # type: ignore[attr-defined]
                    name, ValidationError(TEXT_PERSONAL_NUMBER_MESSAGE, code="personal_number")
                )
        return data

    def full_clean(self):
        super().full_clean()  # type: ignore[misc]
        errors = getattr(self, "_errors", None)
        if not self.is_bound or not errors:  # type: ignore[attr-defined]
            return
        refused = [
            name
            for name, field_errors in errors.as_data().items()
            if any(error.code == "personal_number" for error in field_errors)
        ]
        if not refused:
            return
        data = self.data.copy()  # type: ignore[attr-defined]
        for name in refused:
            key = self.add_prefix(name)  # type: ignore[attr-defined]
            if isinstance(data.get(key), str):
                data[key] = redact_personal_numbers(
                    data[key], checksum=name not in self.identifier_fields
                )
        self.data = data
