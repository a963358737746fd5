"""CSV and Excel exports of monthly figures: content parsed back, masking, permissions."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from goals.models import Indicator, ManualValue
from reports import exports
from reports.models import Rollup
from tests.reports.dash_data import COMPUTED_AT, make_dash_data

pytestmark = pytest.mark.django_db

EXPORT = reverse("reports:export")


@pytest.fixture
def data(org, alice, bob):
    return make_dash_data(org, caseworkers=(alice, bob))


AVSLUT = "Avslut till arbete eller studier"
UTREDNING = "Utredningstid (ansökan → beslut)"
# The Swedish headers people read, and the short names these tests use for them.
HEADERS = {
    "Enhetskod": "unit",
    "Enhet": "unit_name",
    "Månad": "month",
    "EOR": "eor",
    "Summa individuella mål": "individual_targets_sum",
    AVSLUT: "avslut",
    f"{AVSLUT}: varav till arbete": "avslut_work",
    f"{AVSLUT}: varav till studier": "avslut_studies",
    f"{UTREDNING}: avslutade (n)": "utredningstid_n",
    f"{UTREDNING}: median (dagar)": "utredningstid_median",
    f"{UTREDNING}: 90:e percentil (dagar)": "utredningstid_p90",
    f"{UTREDNING}: öppna starter": "utredningstid_open",
}


def parse_csv(response):
    text = response.content.decode("utf-8-sig")
    return [{HEADERS.get(k, k): v for k, v in r.items()} for r in csv.DictReader(io.StringIO(text))]


def row(rows, unit, month):
    return next(r for r in rows if r["unit"] == unit and r["month"] == month)


def test_csv_has_one_row_per_unit_and_month_of_the_subtree(client, data, lena):
    client.force_login(lena)
    response = client.get(EXPORT, {"unit": "org", "year": "2018", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="eor-org-2018.csv"' in response["Content-Disposition"]
    rows = parse_csv(response)
    assert len(rows) == 3 * 12  # org, unit-a, unit-b × twelve months of a past year
    jan_a = row(rows, "unit-a", "2018-01")
    assert jan_a["avslut"] == "3" and jan_a["avslut_work"] == "2"
    assert jan_a["eor"] == "5"  # the revision in force
    assert jan_a["individual_targets_sum"] == "7"
    assert jan_a["utredningstid_n"] == "3"
    # Counts in full for staff, but no median over 3 durations for leadership.
    assert jan_a["utredningstid_median"] == "" and jan_a["utredningstid_p90"] == ""
    feb_a = row(rows, "unit-a", "2018-02")
    # Measured values to one decimal, halves up (20.25 → 20.3).
    assert (feb_a["utredningstid_median"], feb_a["utredningstid_p90"]) == ("10.5", "20.3")
    # The root has no decision of its own: the sum of the decisions below it.
    assert row(rows, "org", "2018-02")["eor"] == "10"
    assert row(rows, "unit-b", "2018-01")["avslut"] == "1"
    assert row(rows, "unit-b", "2018-05")["avslut"] == "0"


def test_unit_members_export_their_small_medians_in_full(client, data, maria):
    client.force_login(maria)
    rows = parse_csv(client.get(EXPORT, {"unit": "unit-a", "year": "2018", "format": "csv"}))
    assert {r["unit"] for r in rows} == {"unit-a"}
    assert row(rows, "unit-a", "2018-01")["utredningstid_median"] == "9.0"


def test_public_export_masks_small_counts_for_everybody(client, data, maria):
    client.force_login(maria)
    response = client.get(
        EXPORT, {"unit": "unit-a", "year": "2018", "format": "csv", "kind": "monthly_public"}
    )
    assert 'filename="eor-unit-a-2018-publik.csv"' in response["Content-Disposition"]
    rows = parse_csv(response)
    jan = row(rows, "unit-a", "2018-01")
    assert jan["avslut"] == "<5" and jan["avslut_work"] == "<5" and jan["avslut_studies"] == "<5"
    assert jan["utredningstid_n"] == "<5" and jan["utredningstid_median"] == ""
    feb = row(rows, "unit-a", "2018-02")
    assert feb["avslut"] == "12" and feb["utredningstid_median"] == "10.5"
    assert row(rows, "unit-a", "2018-04")["avslut"] == "0"  # none is not "a few"


def test_xlsx_parses_back_with_numbers_as_numbers(client, data, lena):
    client.force_login(lena)
    response = client.get(EXPORT, {"unit": "unit-a", "year": "2018", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    header, body = [HEADERS.get(h, h) for h in values[0]], values[1:]
    assert header[:5] == ["unit", "unit_name", "month", "eor", "individual_targets_sum"]
    assert len(body) == 12
    feb = dict(zip(header, body[1], strict=True))
    assert feb["avslut"] == 12 and feb["eor"] == 10
    assert feb["utredningstid_median"] == 10.5


def test_export_of_an_unreachable_unit_is_404(client, data, carl):
    client.force_login(carl)
    assert client.get(EXPORT, {"unit": "unit-a", "year": "2018"}).status_code == 404
    assert client.get(EXPORT, {"unit": "nope", "year": "2018"}).status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"unit": "unit-a", "year": "x"}, "årtal"),
        ({"unit": "unit-a", "year": "1800"}, "mellan 2000 och 2100"),
        ({"unit": "unit-a", "year": "2018", "format": "pdf"}, "csv eller xlsx"),
        ({"unit": "unit-a", "year": "2018", "kind": "secret"}, "Okänd export secret"),
        ({"year": "2018"}, "unit=KOD"),
    ],
)
def test_bad_export_parameters_say_what_is_wrong(client, data, maria, params, message):
    client.force_login(maria)
    response = client.get(EXPORT, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_export_requires_sign_in(client, data):
    assert client.get(EXPORT, {"unit": "unit-a", "year": "2018"}).status_code == 302


def test_headers_are_the_pages_words_in_the_readers_language(client, data, lena):
    client.force_login(lena)
    params = {"unit": "unit-a", "year": "2018", "format": "csv"}
    swedish = next(csv.reader(io.StringIO(client.get(EXPORT, params).content.decode("utf-8-sig"))))
    assert swedish[:5] == ["Enhetskod", "Enhet", "Månad", "EOR", "Summa individuella mål"]
    assert f"{AVSLUT}: varav till arbete" in swedish
    response = client.get(EXPORT, params, headers={"accept-language": "en"})
    english = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert english[1:5] == ["Unit", "Month", "EOR", "Sum of individual targets"]
    assert "Exits to work or studies" in english  # the indicator's name in English too
    with translation.override("en"):  # the new headers: whatever the catalogue says
        assert english[0] == translation.gettext("Enhetskod")
        of_work = translation.gettext("%(name)s: varav till arbete")
        assert of_work % {"name": "Exits to work or studies"} in english
    assert not any("_" in h for h in english)  # no snake_case keys for people


def test_float_noise_is_rounded_to_one_decimal(client, data, lena, org):
    franvaro = Indicator.objects.get(code="franvaro_skola")
    ManualValue.objects.create(
        unit=org["a"], indicator=franvaro, month=dt.date(2018, 1, 1), value=Decimal("12.35")
    )
    Rollup.objects.create(
        unit=org["a"],
        indicator=Indicator.objects.get(code="utredningstid"),
        month=dt.date(2018, 3, 1),
        count=12,
        median=60.50000000000001,
        p90=70.04999999999,
        computed_at=COMPUTED_AT,
    )
    client.force_login(lena)
    rows = parse_csv(client.get(EXPORT, {"unit": "unit-a", "year": "2018", "format": "csv"}))
    assert row(rows, "unit-a", "2018-01")[franvaro.display_name] == "12.4"
    march = row(rows, "unit-a", "2018-03")
    assert (march["utredningstid_median"], march["utredningstid_p90"]) == ("60.5", "70.0")
    assert exports.one_decimal(0.05) == 0.1 and exports.one_decimal(2.25) == 2.3
    assert exports.one_decimal(7) == 7 and exports.one_decimal(None) is None
