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
