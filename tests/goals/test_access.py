from __future__ import annotations

import pytest

from goals.access import client_units, managed_units, units_for, visible_units
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
