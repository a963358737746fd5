"""The guard against personal identity numbers in client references.

Client references must be pseudonymous. A value that contains something shaped like a Swedish
personnummer or samordningsnummer (YYMMDD-NNNN, YYMMDD+NNNN, YYMMDDNNNN, YYYYMMDDNNNN,
YYYYMMDD-NNNN, …) is refused whether or not its check digit is right: a mistyped number is
still a number. Every entry path (page, import, admin, API) calls `personal_number_error` or
`validate_not_personal_number`, and none of them repeats the refused value in its message,
its logs or the database.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Separators people type between date and serial: ASCII hyphen and plus, the Unicode
# dashes a word processor substitutes, and a space.
_SEP = "[-+\u2010\u2011\u2012\u2013\u2014\u2212]"
# 6 or 8 date digits, an optional separator (spaces allowed around it), 4 digits; not part
# of a longer digit run.
_CANDIDATE = re.compile(
    rf"(?<!\d)(\d{{2}})?(\d{{2}})(\d{{2}})(\d{{2}})\s*{_SEP}?\s*(\d{{4}})(?!\d)"
)
# A canonical UUID is a machine identifier, not a person: its hex groups can look like a
# date by chance, so it is exempt as a whole.
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_QUICK = re.compile(r"\d{6}")

MESSAGE = _(
    "Klientreferensen ser ut som ett personnummer eller samordningsnummer. "
    "Använd en pseudonym referens, aldrig ett personnummer."
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


def looks_like_personal_number(value: str) -> bool:
    if not value or not _QUICK.search(value):  # fast path: fewer than six digits in a row
        return False
    text = value.strip()
    if _UUID.match(text):
        return False
    for match in _CANDIDATE.finditer(text):
        century, yy, mm, dd, _serial = match.groups()
        if _plausible_date(century, yy, mm, dd):
            return True
    return False


def personal_number_error(value: str) -> str | None:
    """The message to show when `value` looks like a personal identity number, else None.

    The one function every entry path uses (forms, import, admin, API).
    """
    return str(MESSAGE) if looks_like_personal_number(value) else None


def validate_not_personal_number(value: str) -> None:
    if looks_like_personal_number(value):
        raise ValidationError(MESSAGE, code="personal_number")
