"""Small-number suppression for tables meant for a wide audience (pure, no database).

Primary suppression hides counts 1..threshold-1 ("<5"). That alone is not enough: where a
table also shows a total, a hidden cell is the total minus the cells shown beside it
(total 10, to work 8, to studies "<5": studies is 2). Secondary (complementary) suppression
therefore also hides, in every sum that has exactly one hidden cell, the smallest other
non-zero cell of that sum, and repeats until every sum has no hidden cell or at least two.
Then no hidden value is the difference of cells that are shown, by any row or column sum,
nor by any chain of such differences (each step needs a sum with one unknown, and none is
left).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

# A sum the reader can see in the table: total == sum(parts). A parent unit's count also
# holds its own cases, so for a parent the sum is not exact; treating it as exact only ever
# hides more, never less.
Sum = tuple[Hashable, Sequence[Hashable]]


@dataclass(frozen=True)
class Suppression:
    primary: frozenset  # cells with a small count
    secondary: frozenset  # cells hidden so that no primary cell can be worked out


def suppress(values: Mapping[Hashable, int], sums: Sequence[Sum], *, threshold: int) -> Suppression:
    primary = {cell for cell, value in values.items() if value and 0 < value < threshold}
    hidden = set(primary)
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            cells = [total, *parts]
            if sum(1 for cell in cells if cell in hidden) != 1:
                continue
            # Zeros are left alone: a shown 0 reveals nobody, and if every other cell is 0
            # the sum is not exact (a parent's own cases) and gives nothing away.
            candidates = [c for c in cells if c not in hidden and values.get(c)]
            if candidates:
                hidden.add(min(candidates, key=lambda c: values[c]))
                changed = True
    return Suppression(primary=frozenset(primary), secondary=frozenset(hidden - primary))
