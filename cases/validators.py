"""The client-reference face of the personal-number rule (trelleborg.validation).

Client references must be pseudonymous: a value shaped like a Swedish personnummer or
samordningsnummer with an existing date is refused whether or not its check digit is right
(a mistyped number is still a number). The detection itself is
`trelleborg.validation.contains_personal_number`, the one function every path uses; this
module keeps the client reference's own wording and the validator migrations name.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from trelleborg.validation import contains_personal_number

MESSAGE = _(
    "Klientreferensen ser ut som ett personnummer eller samordningsnummer. "
    "Använd en pseudonym referens, aldrig ett personnummer."
)


def looks_like_personal_number(value: str) -> bool:
    """An identifier's test: shaped like a personal number with an existing date."""
    return contains_personal_number(value, checksum=False)


def personal_number_error(value: str) -> str | None:
    """The message to show when client reference `value` looks like a personal number."""
    return str(MESSAGE) if looks_like_personal_number(value) else None


def validate_not_personal_number(value: str) -> None:
    if looks_like_personal_number(value):
        raise ValidationError(MESSAGE, code="personal_number")
