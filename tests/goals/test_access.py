from __future__ import annotations

import pytest

from goals.access import (
    ALL_ROLES,
    CLIENT_ROLES,
    client_units,
    managed_units,
    reaches,
    units_for,
    visible_units,
)
from goals.models import Unit
from tests.factories import MembershipFactory, UnitFactory
from trelleborg.vocabulary import Role

pytestmark = pytest.mark.django_db


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_caseworker_sees_own_unit_only(alice, carl):
    assert codes(client_units(alice)) == ["unit-a"]
    assert codes(client_units(carl)) == ["unit-b"]


def test_manager_role_reaches_units_below(org, maria):
    deep = UnitFactory(code="unit-a-1", parent=org["a"])
    deeper = UnitFactory(code="unit-a-1-x", parent=deep)
    assert codes(managed_units(maria)) == sorted(["unit-a", deep.code, deeper.code])


def test_leadership_sees_aggregates_but_no_clients(lena):
    assert codes(visible_units(lena)) == ["org", "unit-a", "unit-b"]
    assert codes(client_units(lena)) == []


def test_admin_sees_everything(ada, org):
    other_root = UnitFactory(code="other-org")
    assert other_root.code in codes(client_units(ada))


def test_inactive_user_sees_nothing(alice):
    alice.is_active = False
    assert codes(units_for(alice)) == []


def test_two_roots_do_not_leak(org):
    other = UnitFactory(code="malmo")
    child = UnitFactory(code="malmo-g1", parent=other)
    m = MembershipFactory(unit=child, role=Role.MANAGER)
    assert codes(managed_units(m.user)) == ["malmo-g1"]


@pytest.mark.parametrize("roles", [ALL_ROLES, CLIENT_ROLES, (Role.MANAGER,), (Role.CASEWORKER,)])
def test_reaches_agrees_with_units_for(org, personas, roles):
    """The per-object check (no query) and the queryset rule give the same answer for every
    persona and unit: deeper units, a unit whose code extends another's, another root."""
    deep = UnitFactory(code="unit-a-1", parent=org["a"])
    UnitFactory(code="unit-a-1-x", parent=deep)
    UnitFactory(code="unit-ab", parent=org["root"])
    UnitFactory(code="malmo-g1", parent=UnitFactory(code="malmo"))
    inactive = MembershipFactory(unit=org["a"], role=Role.CASEWORKER).user
    inactive.is_active = False
    users = [*personas.values(), inactive]
    for user in users:
        expected = set(units_for(user, roles).values_list("pk", flat=True))
        for unit in Unit.objects.all():
            assert reaches(user, unit, roles) == (unit.pk in expected), (user, unit, roles)
