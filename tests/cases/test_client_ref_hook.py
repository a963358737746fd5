from __future__ import annotations

import pytest

from goals.hooks import check_client_ref
from tests.factories import CaseFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_client_of_own_unit_is_accepted(case_a, alice, org):
    assert check_client_ref(alice, org["a"], case_a.client.ref) is None


def test_client_of_unit_below_is_accepted(org, alice):
    below = UnitFactory(code="unit-a-1", parent=org["a"])
    case = CaseFactory(unit=below)
    assert check_client_ref(alice, org["a"], case.client.ref) is None


def test_client_of_other_unit_is_refused_in_swedish(case_b, alice, carl, org):
    message = check_client_ref(alice, org["a"], case_b.client.ref)
    assert message and "ingen klient" in message
    # carl may see the client, but not as a client of unit A
    assert check_client_ref(carl, org["a"], case_b.client.ref)
    assert check_client_ref(carl, org["b"], case_b.client.ref) is None


def test_personal_number_is_refused(alice, org):
    assert "personnummer" in check_client_ref(alice, org["a"], "19900101-1234")
