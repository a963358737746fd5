"""The demo: a registry of steps each app contributes, and goals' own organisation step.

`goals` may not import `cases` or `reports`, yet `load_demo` fills all of them. Each app
registers its step in its AppConfig.ready()::

    from goals.demo import register_demo_step
    register_demo_step(20, "cases", cases.demo.load)   # fn(ctx: DemoContext) -> None

Orders in use: 10 organisation (goals), 20 cases, 30 the goals cycle, 90 reports. Steps run
in order in one transaction; everything random comes from `ctx.rng` (seeded), and dates are
relative to `ctx.today`, so two loads on the same day give the same data.

Passwords exist only with DEBUG on: `run_demo(password=None)` creates every demo user with an
unusable password (the `load_demo` command refuses to do anything else when DEBUG is off).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from trelleborg.vocabulary import Role

from .models import Membership, Unit
from .services import unit_save

DEMO_ROOT_CODE = "amf"
DEMO_PASSWORD = "eor-demo-2018"  # only ever set with DEBUG on (see load_demo)
SEED = 2018


@dataclass
class DemoContext:
    """What every step gets: the seeded random source, the day the demo is built for, the
    units and users made so far (by code and username) and a logger."""

    rng: random.Random
    today: dt.date
    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] = print  # noqa: T202 (replaced by the command's stdout)
    password_hash: str | None = None  # None: unusable passwords

    def add_user(
        self,
        username: str,
        first_name: str,
        last_name: str,
        *,
        unit: Unit | None = None,
        role: str | None = None,
        superuser: bool = False,
    ):
        """Create (or fetch) a demo user, with the demo password when there is one, and give
        them `role` in `unit`."""
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@trelleborg.example",
                "is_superuser": superuser,
                "is_staff": superuser,
            },
        )
        if created:
            # One hash for everybody: hashing per user would make the demo slow to load.
            user.password = self.password_hash or make_password(None)
            user.save(update_fields=["password"])
        if unit is not None and role is not None:
            Membership.objects.get_or_create(user=user, unit=unit, defaults={"role": role})
        self.users[username] = user
        return user


@dataclass(frozen=True)
class DemoStep:
    order: int
    name: str
    fn: Callable[[DemoContext], None]


_steps: dict[str, DemoStep] = {}


def register_demo_step(order: int, name: str, fn: Callable[[DemoContext], None]) -> None:
    """Add (or replace, by name) a step of the demo."""
    _steps[name] = DemoStep(order, name, fn)


def demo_steps() -> list[DemoStep]:
    return sorted(_steps.values(), key=lambda s: (s.order, s.name))


def demo_loaded() -> bool:
    return Unit.objects.filter(code=DEMO_ROOT_CODE).exists()


@transaction.atomic
def run_demo(
    *, password: str | None, log: Callable[[str], None], today: dt.date | None = None
) -> DemoContext:
    ctx = DemoContext(
        rng=random.Random(SEED),
        today=today or timezone.localdate(),
        log=log,
        password_hash=make_password(password) if password else None,
    )
    for step in demo_steps():
        log(f"{step.order:>3} {step.name}")
        step.fn(ctx)
    return ctx


# --- goals' step: the organisation -----------------------------------------------------------

# (code, name, parent code): modelled on Trelleborg's labour-market administration.
ORGANISATION = [
    (DEMO_ROOT_CODE, "Arbetsmarknadsförvaltningen", None),
    ("planering", "Planering och uppföljning", DEMO_ROOT_CODE),
    ("grupp-norr", "Grupp Norr", "planering"),
    ("grupp-soder", "Grupp Söder", "planering"),
    ("grupp-vaster", "Grupp Väster", "planering"),
    ("insats", "Insats", DEMO_ROOT_CODE),
    ("boende-bosattning", "Boendedrift – bosättning", DEMO_ROOT_CODE),
    ("boende-ensamkommande", "Boendedrift – ensamkommande", DEMO_ROOT_CODE),
    ("myndighet", "Stödprocess Myndighet", DEMO_ROOT_CODE),
]
# Caseworkers per unit (25 in all): the caseworker groups carry most of the clients.
CASEWORKERS_PER_UNIT = {
    "grupp-norr": 5,
    "grupp-soder": 5,
    "grupp-vaster": 5,
    "insats": 3,
    "boende-bosattning": 2,
    "boende-ensamkommande": 2,
    "myndighet": 3,
}
# The sign-ins `demo_logins` shows: fixed, so the README can name them.
FEATURED = {
    "caseworker": ("anna.lind", "Anna", "Lind", "grupp-norr"),
    "manager": ("maria.holm", "Maria", "Holm", "grupp-norr"),
    "leadership": ("karin.ek", "Karin", "Ek", DEMO_ROOT_CODE),
    "admin": ("admin", "Sara", "Nordin", None),
}
FIRST_NAMES = [
    "Ahmed", "Alice", "Amir", "Anders", "Astrid", "Axel", "Cecilia", "Daniel", "Ebba", "Elin",
    "Emil", "Erik", "Fatima", "Filip", "Hanna", "Henrik", "Ida", "Johan", "Jonas", "Julia",
    "Karl", "Lars", "Leila", "Linnea", "Magnus", "Malin", "Mikael", "Nadia", "Niklas", "Olof",
    "Oskar", "Per", "Sofia", "Stina", "Tove", "Ulf", "Yasmin", "Zeynep",
]  # fmt: skip
LAST_NAMES = [
    "Andersson", "Berg", "Bergström", "Dahl", "Ekström", "Forsberg", "Gustafsson", "Hansson",
    "Hassan", "Håkansson", "Isaksson", "Jakobsson", "Johansson", "Karlsson", "Lindqvist",
    "Ljung", "Lundberg", "Mattsson", "Mohammed", "Nilsson", "Nyström", "Olsson", "Persson",
    "Sandberg", "Sjöberg", "Ström", "Svensson", "Wallin", "Åberg", "Öberg",
]  # fmt: skip
_ASCII = str.maketrans("åäöéÅÄÖÉ", "aaoeAAOE")


def username_for(first: str, last: str) -> str:
    return f"{first}.{last}".lower().translate(_ASCII)


def _person(ctx: DemoContext) -> tuple[str, str, str]:
    while True:
        first, last = ctx.rng.choice(FIRST_NAMES), ctx.rng.choice(LAST_NAMES)
        username = username_for(first, last)
        if username not in ctx.users:
            return username, first, last


def organisation_step(ctx: DemoContext) -> None:
    """Units, a manager per unit below the root, 25 caseworkers, leadership and an admin."""
    for code, name, parent in ORGANISATION:
        unit = Unit(
            code=code,
            name=name,
            parent=ctx.units[parent] if parent else None,
            municipality_code="1287" if parent is None else "",
        )
        ctx.units[code] = unit_save(unit=unit)

    for role, (username, first, last, unit_code) in FEATURED.items():
        unit = ctx.units[unit_code] if unit_code else None
        ctx.add_user(username, first, last, unit=unit, role=role, superuser=role == "admin")
    for code, _name, parent in ORGANISATION:
        if parent is not None and code != FEATURED["manager"][3]:
            ctx.add_user(*_person(ctx), unit=ctx.units[code], role=Role.MANAGER)
    for code, count in CASEWORKERS_PER_UNIT.items():
        if code == FEATURED["caseworker"][3]:
            count -= 1
        for _ in range(count):
            ctx.add_user(*_person(ctx), unit=ctx.units[code], role=Role.CASEWORKER)
    ctx.log(f"    {len(ctx.units)} enheter, {len(ctx.users)} användare")


def featured_logins() -> list[tuple[str, str, str]]:
    """(role label, username, where) for the demo sign-ins that exist in the database."""
    labels = {
        "caseworker": "Handläggare",
        "manager": "Enhetschef",
        "leadership": "Ledning",
        "admin": "Administratör",
    }
    User = get_user_model()
    units = dict(
        Unit.objects.filter(code__in=[u for *_, u in FEATURED.values() if u]).values_list(
            "code", "name"
        )
    )
    existing = set(
        User.objects.filter(username__in=[f[0] for f in FEATURED.values()]).values_list(
            "username", flat=True
        )
    )
    return [
        (labels[role], username, units.get(unit_code, "") if unit_code else "hela systemet")
        for role, (username, _f, _l, unit_code) in FEATURED.items()
        if username in existing
    ]
