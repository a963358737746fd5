"""Secondary suppression: in the wide-audience export no hidden count can be worked out
from the counts shown beside it, by any row or column sum or any chain of them."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from reports.suppression import suppress
from tests.reports.dash_data import make_dash_data
from tests.reports.test_exports import HEADERS

EXITS = ("avslut", "avslut_work", "avslut_studies")
COUNTS = (*EXITS, "utredningstid_n", "utredningstid_open")


def derived_hidden_cells(values: dict, sums: list) -> dict:
    """Every hidden cell (value None) a reader can compute: repeatedly solve any sum with
    exactly one unknown cell, then use what was found in the other sums."""
    known = {c: v for c, v in values.items() if v is not None}
    found: dict = {}
    progress = True
    while progress:
        progress = False
        for total, parts in sums:
            unknown = [c for c in (total, *parts) if c not in known]
            if len(unknown) != 1:
                continue
            cell = unknown[0]
            rest = sum(known[p] for p in parts if p in known)
            known[cell] = rest if cell == total else known[total] - rest
            found[cell] = known[cell]
            progress = True
    return found


def test_a_lone_small_cell_in_a_sum_takes_the_next_smallest_with_it():
    values = {"total": 10, "work": 8, "studies": 2}
    result = suppress(values, [("total", ["work", "studies"])], threshold=5)
    assert result.primary == {"studies"} and result.secondary == {"work"}


def test_two_small_cells_in_a_sum_protect_each_other():
    values = {"total": 6, "work": 3, "studies": 3}
    result = suppress(values, [("total", ["work", "studies"])], threshold=5)
    assert result.primary == {"work", "studies"} and result.secondary == set()


def test_suppression_follows_chains_through_rows_and_columns():
    # Two units under a parent, one month: each row's total = work + studies, and the
    # parent's cells = the sum of its children's.
    values = {}
    for unit, (work, studies) in {"a": (8, 2), "b": (7, 6)}.items():
        values |= {(unit, "work"): work, (unit, "studies"): studies}
        values[(unit, "total")] = work + studies
    for key in ("total", "work", "studies"):
        values[("p", key)] = values[("a", key)] + values[("b", key)]
    sums = [((u, "total"), [(u, "work"), (u, "studies")]) for u in ("a", "b", "p")]
    sums += [(("p", k), [("a", k), ("b", k)]) for k in ("total", "work", "studies")]
    result = suppress(values, sums, threshold=5)
    shown = {c: (None if c in result.primary | result.secondary else v) for c, v in values.items()}
    assert result.primary == {("a", "studies")}
    assert derived_hidden_cells(shown, sums) == {}
    # Without the secondary cells, the small one is found at once.
    naive = {c: (None if c in result.primary else v) for c, v in values.items()}
    assert derived_hidden_cells(naive, sums) == {("a", "studies"): 2}


@pytest.mark.django_db
@pytest.mark.parametrize("top", ["org", "unit-a"])
def test_no_hidden_count_in_the_public_export_can_be_worked_out(client, org, alice, bob, ada, top):
    make_dash_data(org, caseworkers=(alice, bob))
    client.force_login(ada)
    response = client.get(
        reverse("reports:export"),
        {"unit": top, "year": "2018", "format": "csv", "kind": "monthly_public"},
    )
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    rows = [{HEADERS.get(k, k): v for k, v in r.items()} for r in reader]
    values = {}
    for r in rows:
        for key in COUNTS:
            raw = r[key]
            values[(r["unit"], r["month"], key)] = int(raw) if raw.lstrip("-").isdigit() else None
    months = {r["month"] for r in rows}
    units = {r["unit"] for r in rows}
    sums = [
        ((u, m, "avslut"), [(u, m, "avslut_work"), (u, m, "avslut_studies")])
        for u in units
        for m in months
    ]
    if "org" in units:  # the root pools unit-a and unit-b (it has no cases of its own)
        sums += [
            (("org", m, k), [("unit-a", m, k), ("unit-b", m, k)]) for m in months for k in COUNTS
        ]
    hidden = {c for c, v in values.items() if v is None}
    assert hidden  # the data has small counts (Feb: 12 exits, 10 to work, 2 to studies)
    assert derived_hidden_cells(values, sums) == {}
    feb = next(r for r in rows if r["unit"] == "unit-a" and r["month"] == "2018-02")
    assert feb["avslut_studies"] == "<5" and ".." in (feb["avslut"], feb["avslut_work"])
    # The staff export is untouched by it.
    staff = client.get(reverse("reports:export"), {"unit": top, "year": "2018", "format": "csv"})
    assert "<5" not in staff.content.decode() and ",..," not in staff.content.decode()


@pytest.mark.django_db
def test_exports_of_a_subtree_and_of_the_whole_hide_the_same_cells(client, org, alice, bob, ada):
    """Otherwise one export would show what the other hides, and the two together give it."""
    make_dash_data(org, caseworkers=(alice, bob))
    client.force_login(ada)

    def unit_a_cells(top):
        response = client.get(
            reverse("reports:export"),
            {"unit": top, "year": "2018", "format": "csv", "kind": "monthly_public"},
        )
        reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
        rows = [{HEADERS.get(k, k): v for k, v in r.items()} for r in reader]
        return {(r["month"], k): r[k] for r in rows if r["unit"] == "unit-a" for k in COUNTS}

    whole, part = unit_a_cells("org"), unit_a_cells("unit-a")
    assert whole == part
    assert any(v == ".." for v in whole.values())
