"""The guard against personal identity numbers in client references.

Client references must be pseudonymous. A value that contains something shaped like a Swedish
personnummer or samordningsnummer (YYMMDD-NNNN, YYMMDD+NNNN, YYYYMMDDNNNN, YYYYMMDD-NNNN, …)
is refused whether or not its check digit is right: a mistyped number is still a number.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# 6 or 8 date digits, an optional separator, 4 digits; not part of a longer digit run.
_CANDIDATE = re.compile(r"(?<!\d)(\d{2})?(\d{2})(\d{2})(\d{2})\s?[-+]?\s?(\d{4})(?!\d)")


def _plausible_date(century: str | None, yy: str, mm: str, dd: str) -> bool:
    month, day = int(mm), int(dd)
    if day > 60:  # samordningsnummer: day + 60
        day -= 60
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return False
    if century is not None and century not in {"18", "19", "20"}:
        return False
    year = int((century or "20") + yy)
    try:
        dt.date(year if century else 2000 + int(yy), month, day)
    except ValueError:
        # 29 February in a non-leap year: try the other century before giving up
        try:
            dt.date(1900 + int(yy), month, day)
        except ValueError:
            return False
    return True


def looks_like_personal_number(value: str) -> bool:
    for match in _CANDIDATE.finditer(value or ""):
        century, yy, mm, dd, _serial = match.groups()
        if _plausible_date(century, yy, mm, dd):
            return True
    return False


def validate_not_personal_number(value: str) -> None:
    if looks_like_personal_number(value):
        raise ValidationError(
            _(
                "Klientreferensen ser ut som ett personnummer eller samordningsnummer. "
                "Använd en pseudonym referens, aldrig ett personnummer."
            ),
            code="personal_number",
        )
