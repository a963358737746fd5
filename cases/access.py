"""Per-object loaders for client-level data, built on goals.access.client_units.

Everything a caseworker page shows is loaded through these and answers 404 when out of
reach: leadership (aggregates only) and caseworkers of other units get "not found".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from goals.access import (
    CLIENT_ROLES,
    can_see_clients,
    client_units,
    is_admin,
    managed_units,
    reaches,
)
from goals.models import Unit

from .models import Case
from .validators import personal_number_error


def get_case_for_user(user, pk: int) -> Case:
    """The case with `pk` if its unit is one of the user's client units, else 404.

    Loaded by its key alone and checked against the memberships the request already holds
    (`reaches`, the same rule as `Case.objects.for_user`): the hottest lookup of the case
    pages stays a primary-key join instead of a subquery over the unit tree."""
    try:
        case = Case.objects.select_related("client", "unit", "caseworker").get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case") from None
    if not reaches(user, case.unit, CLIENT_ROLES):
        raise Http404("No such case")
    return case


def client_access_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, and a caseworker, manager or admin somewhere; everyone else gets 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_see_clients(request.user):
            raise Http404("No client access")
        return view(request, *args, **kwargs)

    return wrapper


def import_units(user):
    """Units the user may import events for: an admin every unit, a manager the units they
    manage (and those below); caseworkers and leadership none."""
    if is_admin(user):
        return Unit.objects.all()
    return managed_units(user)


def import_access_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not import_units(request.user).exists():
            raise Http404("No import access")
        return view(request, *args, **kwargs)

    return wrapper


def check_client_ref(user, unit: Unit, ref: str) -> str | None:
    """goals.hooks checker: None when `ref` is a client with a case in `unit` (or a unit
    below it) that `user` may see, else a message in Swedish."""
    ref = (ref or "").strip()
    if not ref:
        return _("Ange en klientreferens.")
    if message := personal_number_error(ref):
        return message
    exists = (
        Case.objects.filter(
            client__ref=ref,
            organisation__code=unit.root_code,
            unit__in=client_units(user).filter(path__startswith=unit.path),
        )
        .only("pk")
        .exists()
    )
    if not exists:
        return _("Det finns ingen klient med referensen %(ref)s i %(unit)s.") % {
            "ref": ref,
            "unit": unit.name,
        }
    return None
