from __future__ import annotations

from django.http import HttpRequest

from .access import roles_of


def navigation(request: HttpRequest) -> dict:
    """The roles the signed-in user holds, for the role-dependent navigation."""
    user = getattr(request, "user", None)
    if user is None:
        return {"nav_roles": set()}
    return {"nav_roles": roles_of(user)}
