"""How many failed sign-ins lock a sign-in (django-axes' AXES_FAILURE_LIMIT, as a callable).

Axes counts failures per user name and address (EOR_LOGIN_FAILURE_LIMIT, 5): one person's
typos lock only that person at that address. On its own that never limits one password tried
across many user names from one address, so failures from an address are also counted across
all user names (EOR_LOGIN_FAILURE_LIMIT_PER_ADDRESS, higher, as an office behind one address
shares it): past that, the address is locked for every user name until the cool-off ends.

Why not AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]: axes compares
all of them with one limit, and a successful sign-in (AXES_RESET_ON_SUCCESS) would delete
every attempt from the address, so an attacker with one account could clear the count. Here a
success clears only that user's own attempts; the others' stay counted.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

from .net import client_ip


def failures_from_address(request: HttpRequest) -> int:
    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    if not address:
        return 0
    recent = AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
    )
    return recent.aggregate(n=Sum("failures_since_start"))["n"] or 0


def failure_limit(request: HttpRequest, credentials=None) -> int:
    """Axes locks when the user name's failures from this address reach the number
    returned; 0 locks every user name (the address is past its own limit)."""
    if failures_from_address(request) >= settings.EOR_LOGIN_FAILURE_LIMIT_PER_ADDRESS:
        return 0
    return settings.EOR_LOGIN_FAILURE_LIMIT
