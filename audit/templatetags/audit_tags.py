from __future__ import annotations

import datetime as dt

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def oidc_enabled() -> bool:
    return bool(getattr(settings, "EOR_OIDC_ENABLED", False))


@register.filter
def minutes(value: dt.timedelta | None) -> int:
    """A cool-off as whole minutes, rounded up (a person waits at least that long)."""
    if not value:
        return 0
    return -(-int(value.total_seconds()) // 60)


@register.filter
def spaced(value: int | None) -> str:
    """A count the Swedish way: "2 750" (a no-break space between thousands)."""
    return f"{int(value or 0):,}".replace(",", "\u00a0")


@register.simple_tag
def page_numbers(page) -> list:
    """The page numbers to link around the current one, "…" where some are left out."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
