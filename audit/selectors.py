"""Who may review the logs, and over which units."""

from __future__ import annotations

from django.http import Http404

from goals.access import is_admin, managed_units
from goals.models import Unit


def review_units(user) -> list[Unit]:
    """Units whose logs the user may review: an administrator all of them, a manager the
    units they manage (and those below). Anyone else gets 404, as for any page out of reach."""
    if is_admin(user):
        return list(Unit.objects.all())
    units = list(managed_units(user))
    if not units:
        raise Http404("No log to review")
    return units


def scope_paths(user, units: list[Unit], code: str | None) -> list[str] | None:
    """Unit paths to filter on, or None for "everything" (an administrator, no unit chosen)."""
    if code:
        chosen = [u for u in units if u.code == code]
        if not chosen:
            raise Http404("No such unit")
        return [chosen[0].path]
    if is_admin(user):
        return None
    return [u.path for u in units]
