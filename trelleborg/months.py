"""Month arithmetic and the one rule for which month a date or moment belongs to.

Months are represented by the date of their first day. Dates are calendar dates in
Europe/Stockholm (DESIGN.md "Attribution"): a moment is converted to local time first, so an
exit logged at 23:30 UTC on 31 January counts in February.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from django.utils import timezone

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def month_of(value: dt.date | dt.datetime) -> dt.date:
    """The first day of the month `value` belongs to, in the project's time zone."""
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            raise ValueError("naive datetime: attach a time zone before asking for its month")
        value = timezone.localtime(value).date()
    return value.replace(day=1)


def today() -> dt.date:
    """Today's calendar date in Europe/Stockholm."""
    return timezone.localdate()


def current_month() -> dt.date:
    return month_of(today())


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + (month.month - 1) + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def months_of_year(year: int) -> list[dt.date]:
    return [dt.date(year, m, 1) for m in range(1, 13)]


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from the month of `first` to the month of `last`, inclusive."""
    out, month, stop = [], first.replace(day=1), last.replace(day=1)
    while month <= stop:
        out.append(month)
        month = add_months(month, 1)
    return out


def parse_month(text: str) -> dt.date:
    """Parse "YYYY-MM" into the first day of that month; ValueError when malformed."""
    match = _MONTH_RE.match(text.strip())
    if not match:
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 1900 <= year <= 9999:
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    return dt.date(year, month, 1)


def format_month(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"
