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
    register_ended_lister(fn)         fn(unit, refs, before) -> {ref: date} of clients whose
                                      case already ended (an exit) before `before`

and `reports` registers

    register_baseline_lookup(fn)      fn(unit, indicator, year) -> True/False: whether EOR
                                      holds data for the indicator in that year (None:
                                      cannot tell)
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
BaselineLookup = Callable[["Unit", object, int], "bool | None"]
EndedLister = Callable[["Unit", "Iterable[str]", dt.date], "dict[str, dt.date]"]
_baseline_lookup: BaselineLookup | None = None
_ended_lister: EndedLister | None = None


def register_baseline_lookup(fn: BaselineLookup) -> None:
    global _baseline_lookup
    _baseline_lookup = fn


def register_ended_lister(fn: EndedLister) -> None:
    global _ended_lister
    _ended_lister = fn


def baseline_has_data(unit: Unit, indicator, year: int) -> bool | None:
    """Whether the baseline year has data for the indicator; None without a lookup."""
    if _baseline_lookup is None:
        return None
    return _baseline_lookup(unit, indicator, year)


def ended_refs(unit: Unit, refs: Iterable[str], before: dt.date) -> dict[str, dt.date]:
    """{ref: date of the exit} for the refs whose client already exited (any reason) before
    `before`; empty without a registered lister."""
    refs = [r for r in refs if r]
    if _ended_lister is None or not refs:
        return {}
    return dict(_ended_lister(unit, refs, before))


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


# --- Planned cases of a lead-time EOR ---------------------------------------------------------
# `cases` registers
#
#   register_open_case_lister(fn)   fn(user, unit, indicator, as_of, limit, refs) -> list of
#                                   OpenCase: the open starts of the indicator (DESIGN.md
#                                   "Pairing") on cases `user` may see in `unit` or below,
#                                   oldest first; `refs` (case numbers) narrows the list
#   register_case_end_lister(fn)    fn(unit, indicator, items) -> {ref: end date} for the
#                                   (ref, started_on) items whose start has reached its end


class OpenCase:
    """An open start of a lead-time indicator: the case (by its number) and the start."""

    __slots__ = ("client_ref", "ref", "started_on", "waited")

    def __init__(self, ref: str, started_on: dt.date, waited: int, client_ref: str = ""):
        self.ref, self.started_on, self.waited = ref, started_on, waited
        # The case's client: what the access log records when the case is shown.
        self.client_ref = client_ref

    def __repr__(self) -> str:
        return f"OpenCase({self.ref!r}, {self.started_on})"


OpenCaseLister = Callable[..., "list[OpenCase]"]
CaseEndLister = Callable[..., "dict[str, dt.date]"]
_open_case_lister: OpenCaseLister | None = None
_case_end_lister: CaseEndLister | None = None


def register_open_case_lister(fn: OpenCaseLister) -> None:
    global _open_case_lister
    _open_case_lister = fn


def register_case_end_lister(fn: CaseEndLister) -> None:
    global _case_end_lister
    _case_end_lister = fn


def open_cases(
    user, unit: Unit, indicator, as_of: dt.date, limit: int = 50, refs: Iterable[str] | None = None
) -> list[OpenCase]:
    """The open starts `user` may plan to bring to their end, oldest first; empty without a
    registered lister."""
    if _open_case_lister is None:
        return []
    return list(
        _open_case_lister(user, unit, indicator, as_of, limit, None if refs is None else list(refs))
    )


def case_ends(unit: Unit, indicator, items: Iterable[tuple[str, dt.date]]) -> dict[str, dt.date]:
    """{ref: date of the end event paired with the start} for the planned (case, start)
    items that reached their end; empty without a registered lister."""
    items = [(ref, day) for ref, day in items if ref]
    if _case_end_lister is None or not items:
        return {}
    return dict(_case_end_lister(unit, indicator, items))
