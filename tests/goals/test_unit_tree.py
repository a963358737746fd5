from __future__ import annotations

import pytest

from goals.models import Unit
from goals.services import unit_save
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def chain(depth: int) -> list[Unit]:
    units = [UnitFactory(code="u0")]
    for level in range(1, depth):
        units.append(UnitFactory(code=f"u{level}", parent=units[-1]))
    return units


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_paths_depth_and_root_at_any_depth():
    units = chain(12)
    deepest = units[-1]
    assert deepest.path == "/" + "/".join(f"u{i}" for i in range(12)) + "/"
    assert deepest.depth == 11
    assert deepest.root().code == "u0"
    assert deepest.ancestor_codes() == [f"u{i}" for i in range(11)]
    assert codes(deepest.ancestors()) == sorted(f"u{i}" for i in range(11))


def test_subtree_does_not_match_code_prefixes():
    a = UnitFactory(code="a")
    a1 = UnitFactory(code="a1", parent=a)
    UnitFactory(code="ab")  # a sibling root whose code starts with "a"
    UnitFactory(code="a1x", parent=a1)
    assert codes(a.subtree()) == ["a", "a1", "a1x"]
    assert codes(Unit.objects.subtree_of([a1])) == ["a1", "a1x"]
    assert codes(Unit.objects.subtree_of([])) == []
    assert codes(Unit.objects.roots()) == ["a", "ab"]


def test_reparent_updates_every_descendant_path():
    units = chain(5)
    other = UnitFactory(code="other")
    moved = units[2]
    moved.parent = other
    unit_save(unit=moved)
    assert Unit.objects.get(code="u4").path == "/other/u2/u3/u4/"
    assert codes(other.subtree()) == ["other", "u2", "u3", "u4"]
    assert codes(units[0].subtree()) == ["u0", "u1"]
