"""The one access rule: which units a user may see, and with what.

A membership's role reaches its unit and every unit below it. Caseworkers and managers see
client-level data in their units; leadership sees aggregates only, never a client;
administrators (superusers) see everything. Every view loads what it shows through these
helpers (or the per-object loaders built on them) and answers 404 for what is out of reach.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.http import Http404

from trelleborg.vocabulary import Role

from .models import Membership, Unit, UnitQuerySet

CLIENT_ROLES = (Role.CASEWORKER, Role.MANAGER)
ALL_ROLES = tuple(Role.values)

User = AbstractBaseUser | AnonymousUser


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _memberships(user: User) -> list[Membership]:
    # Cached on the user object: a request asks several times, the answer does not change.
    cached = getattr(user, "_eor_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("unit"))
        user._eor_memberships = cached  # type: ignore[union-attr]
    return cached


def roles_of(user: User) -> set[str]:
    """The roles a user holds anywhere ('admin' included for superusers)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    roles = {m.role for m in _memberships(user)}
    if is_admin(user):
        roles.add("admin")
    return roles


def units_for(user: User, roles: Iterable[str] = ALL_ROLES) -> UnitQuerySet:
    """Units the user reaches through a membership with one of `roles` (and those below)."""
    if not user.is_authenticated or not user.is_active:
        return Unit.objects.none()
    if is_admin(user):
        return Unit.objects.all()
    wanted = set(roles)
    return Unit.objects.subtree_of(m.unit for m in _memberships(user) if m.role in wanted)


def reaches(user: User, unit: Unit, roles: Iterable[str] = ALL_ROLES) -> bool:
    """Whether `unit` is one of `units_for(user, roles)`, decided without a query (the
    memberships are loaded once per request): the per-object loaders' check."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_admin(user):
        return True
    wanted = set(roles)
    return any(m.role in wanted and unit.path.startswith(m.unit.path) for m in _memberships(user))


def visible_units(user: User) -> UnitQuerySet:
    """Units whose aggregate figures the user may see."""
    return units_for(user, ALL_ROLES)


def client_units(user: User) -> UnitQuerySet:
    """Units whose client-level data (clients, cases, events) the user may see."""
    return units_for(user, CLIENT_ROLES)


def managed_units(user: User) -> UnitQuerySet:
    """Units the user manages: decisions, year goals, follow-up, imports."""
    return units_for(user, (Role.MANAGER,))


def year_goal_units(user: User) -> UnitQuerySet:
    """Units whose year goals the user sets: the units they manage, and for leadership the
    administration itself (the root units their membership reaches). Written exactly where
    read: leadership reaches nothing else through this."""
    managed = managed_units(user)
    if is_admin(user):
        return managed
    roots = units_for(user, (Role.LEADERSHIP,)).filter(parent__isnull=True)
    return Unit.objects.filter(Q(pk__in=managed.values("pk")) | Q(pk__in=roots.values("pk")))


def caseworker_units(user: User) -> UnitQuerySet:
    """Units where the user works as a caseworker (plans, named clients)."""
    return units_for(user, (Role.CASEWORKER,))


def can_see_clients(user: User) -> bool:
    return is_admin(user) or bool(roles_of(user) & set(CLIENT_ROLES))


def get_unit_for_user(user: User, code: str, *, roles: Iterable[str] = ALL_ROLES) -> Unit:
    """The unit with `code` if the user reaches it with one of `roles`, else 404."""
    wanted = set(roles)
    if user.is_authenticated and user.is_active and not is_admin(user):
        # The common case, a unit the user is a member of, needs no query of its own.
        for membership in _memberships(user):
            if membership.role in wanted and membership.unit.code == code:
                return membership.unit
    try:
        return units_for(user, roles).get(code=code)
    except Unit.DoesNotExist:
        raise Http404("No such unit") from None


def membership_units(user: User, roles: Iterable[str] = ALL_ROLES) -> list[Unit]:
    """The units of the user's own memberships with one of `roles` (not those below), from
    the memberships cached on the user: for switching between units without a query."""
    if not user.is_authenticated or not user.is_active:
        return []
    wanted = set(roles)
    return [m.unit for m in _memberships(user) if m.role in wanted]
