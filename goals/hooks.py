"""Extension points that let higher apps serve `goals` without `goals` importing them.

`goals` must not import `cases` (DESIGN.md "Architecture"), yet a caseworker's named client
has to be a client of their units, a plan is pre-filled with last month's named clients who
did not exit, and the demo names real clients. `cases` registers the functions below in its
AppConfig.ready():

    register_client_ref_checker(fn)   fn(user, unit, ref) -> None | message
    register_exited_checker(fn)       fn(unit, refs, month) -> set of refs that exited to
                                      work or studies in `month` (any unit of the org)
    register_client_ref_lister(fn)    fn(unit, limit) -> list of refs of clients with an
                                      open case in `unit` (suggestions, demo data)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from .models import Unit

# (user, unit, client_ref) -> None when the reference is a client of `unit` that `user` may
# name, else the message to show.
ClientRefChecker = Callable[["AbstractBaseUser", "Unit", str], "str | None"]
ExitedChecker = Callable[["Unit", "Iterable[str]", dt.date], "set[str]"]
ClientRefLister = Callable[["Unit", int], "list[str]"]

_client_ref_checker: ClientRefChecker | None = None
_exited_checker: ExitedChecker | None = None
_client_ref_lister: ClientRefLister | None = None


def register_client_ref_checker(checker: ClientRefChecker) -> None:
    global _client_ref_checker
    _client_ref_checker = checker


def register_exited_checker(checker: ExitedChecker) -> None:
    global _exited_checker
    _exited_checker = checker


def register_client_ref_lister(lister: ClientRefLister) -> None:
    global _client_ref_lister
    _client_ref_lister = lister


def check_client_ref(user: AbstractBaseUser, unit: Unit, client_ref: str) -> str | None:
    """The checker's verdict; without a registered checker every reference is refused."""
    if _client_ref_checker is None:
        return "Klientregistret är inte tillgängligt."
    return _client_ref_checker(user, unit, client_ref)


def exited_refs(unit: Unit, refs: Iterable[str], month: dt.date) -> set[str]:
    """The refs among `refs` that exited to work or studies in `month`. Without a registered
    checker nobody is known to have exited (a pre-filled plan then carries everyone over)."""
    refs = list(refs)
    if _exited_checker is None or not refs:
        return set()
    return set(_exited_checker(unit, refs, month))


def client_refs_in_unit(unit: Unit, limit: int = 200) -> list[str]:
    """Refs of clients with an open case in `unit`; empty without a registered lister."""
    if _client_ref_lister is None:
        return []
    return list(_client_ref_lister(unit, limit))
