"""Extension points that let higher apps serve `goals` without `goals` importing them.

`goals` must not import `cases` (DESIGN.md "Architecture"), yet a caseworker's named client
has to be a client of their units. `cases` registers a checker here in its AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from .models import Unit

# (user, unit, client_ref) -> None when the reference is a client of `unit` that `user` may
# name, else the message to show.
ClientRefChecker = Callable[["AbstractBaseUser", "Unit", str], "str | None"]

_client_ref_checker: ClientRefChecker | None = None


def register_client_ref_checker(checker: ClientRefChecker) -> None:
    global _client_ref_checker
    _client_ref_checker = checker


def check_client_ref(user: AbstractBaseUser, unit: Unit, client_ref: str) -> str | None:
    """The checker's verdict; without a registered checker every reference is refused."""
    if _client_ref_checker is None:
        return "Klientregistret är inte tillgängligt."
    return _client_ref_checker(user, unit, client_ref)
