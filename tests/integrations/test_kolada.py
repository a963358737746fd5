"""Kolada v3 client and import: paging, withdrawn values, recorded responses, command errors."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from integrations.kolada import (
    KoladaClient,
    KoladaError,
    data_urls,
    load_saved_response,
    parse_page,
    parse_years,
)
from integrations.management.commands.import_kolada import Command as ImportKolada
from integrations.models import ComparisonGroup, ComparisonMember, KoladaValue

RECORDED = Path(__file__).parent / "recorded"
DEMO = Path(__file__).resolve().parents[2] / "integrations" / "fixtures" / "kolada_demo.json"


def recorded(name: str) -> dict:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


class RecordedTransport:
    """Answers each URL with a recorded page; remembers what was asked."""

    def __init__(self, pages: dict[str, dict]):
        self.pages = pages
        self.calls: list[str] = []

    def __call__(self, url: str):
        self.calls.append(url)
        return self.pages[url]


FIRST_URL = "https://api.kolada.se/v3/data/kpi/N31807,U31402/municipality/1287,1286/year/2018,2019"


def two_page_transport() -> RecordedTransport:
    page1 = recorded("page1.json")
    return RecordedTransport({FIRST_URL: page1, page1["next_url"]: recorded("page2.json")})


@pytest.fixture
def trelleborg(org):
    root = org["root"]
    root.municipality_code = "1287"
    root.save(update_fields=["municipality_code"])
    group = ComparisonGroup.objects.create(organisation=root, municipality_name="Trelleborg")
    ComparisonMember.objects.create(group=group, code="1286", name="Ystad")
    return root


def test_client_follows_next_url_and_skips_deleted_values():
    transport = two_page_transport()
    values = KoladaClient(transport).fetch(
        kpis=["N31807", "U31402"], municipalities=["1287", "1286"], years=[2019, 2018]
    )
    assert transport.calls == [FIRST_URL, recorded("page1.json")["next_url"]]
    got = {v.key: v.value for v in values}
    assert got == {
        ("N31807", "1287", 2018, "T"): Decimal("5.1"),
        ("N31807", "1287", 2018, "K"): Decimal("5.4"),
        ("N31807", "1287", 2018, "M"): Decimal("4.8"),
        ("N31807", "1286", 2018, "T"): Decimal("4.3"),
        # period given as a string is still a year
        ("U31402", "1287", 2018, "T"): Decimal("4"),
        # a missing value is kept as missing, with Kolada's status
        ("U31402", "1286", 2018, "T"): None,
        ("U31402", "1287", 2019, "T"): Decimal("2.5"),
    }
    # the value flagged isdeleted (99.9) and the whole deleted row (77) are gone
    assert ("N31807", "1286", 2018, "K") not in got
    assert ("U31402", "1286", 2019, "T") not in got


def test_client_refuses_a_next_url_loop():
    page = dict(recorded("page2.json"), next_url=FIRST_URL)
    with pytest.raises(KoladaError, match="redan läst sida"):
        KoladaClient(RecordedTransport({FIRST_URL: page})).fetch(
            kpis=["N31807", "U31402"], municipalities=["1287", "1286"], years=[2018, 2019]
        )


def test_long_year_lists_are_split_into_requests_kolada_accepts():
    urls = data_urls(["N31807"], ["1287"], list(range(1990, 2030)))
    assert len(urls) == 2
    assert urls[0].endswith("/year/" + ",".join(str(y) for y in range(1990, 2015)))


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "JSON-objekt"),
        ({"count": 0}, "'values' saknas"),
        ({"values": [{"kpi": "X1", "municipality": "1287", "period": 2018}]}, "values[0]: kpi"),
        (
            {"values": [{"kpi": "N31807", "municipality": "Trelleborg", "period": 2018}]},
            "municipality",
        ),
        ({"values": [{"kpi": "N31807", "municipality": "1287", "period": "2018-01"}]}, "period"),
        (
            {
                "values": [
                    {
                        "kpi": "N31807",
                        "municipality": "1287",
                        "period": 2018,
                        "values": [{"gender": "T", "value": 1}, {"gender": "F", "value": 2}],
                    }
                ]
            },
            "values[0].values[1]: gender",
        ),
        (
            {
                "values": [
                    {
                        "kpi": "N31807",
                        "municipality": "1287",
                        "period": 2018,
                        "values": [{"gender": "T", "value": "many"}],
                    }
                ]
            },
            "value ska vara ett tal",
        ),
    ],
)
def test_malformed_pages_name_the_place_of_the_error(payload, message):
    with pytest.raises(KoladaError) as caught:
        parse_page(payload, page=2)
    assert str(caught.value).startswith("sida 2")
    assert message in str(caught.value)


def test_years_parse_ranges_and_lists():
    assert parse_years("2017-2019,2022") == [2017, 2018, 2019, 2022]
    for bad in ("2019-2017", "17", "2017..2018", ""):
        with pytest.raises(KoladaError):
            parse_years(bad)


def test_demo_file_is_a_valid_recorded_response_without_its_withdrawn_value():
    values = load_saved_response(DEMO.read_text(encoding="utf-8"))
    keys = {v.key for v in values}
    assert ("U31402", "1287", 2024, "T") in keys
    assert ("U31402", "1287", 2016, "T") not in keys  # flagged isdeleted in the file
    assert {v.kpi for v in values} == {"N31807", "N31814", "U31402"}


# --- the command ---------------------------------------------------------------------------


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_kolada", *args, stdout=out)
    return out.getvalue()


def write_pages(tmp_path, pages) -> str:
    path = tmp_path / "response.json"
    path.write_text(json.dumps(pages), encoding="utf-8")
    return str(path)


def test_command_imports_a_saved_two_page_response_and_is_idempotent(trelleborg, tmp_path):
    path = write_pages(tmp_path, [recorded("page1.json"), recorded("page2.json")])
    out = run("--kpi", "N31807,U31402", "--years", "2018-2019", "--from-file", path)
    assert "7 nya, 0 ändrade, 0 oförändrade" in out
    assert KoladaValue.objects.count() == 7
    row = KoladaValue.objects.get(kpi="U31402", municipality="1286", year=2018)
    assert row.value is None and row.status == "Missing"

    again = run("--kpi", "N31807,U31402", "--years", "2018-2019", "--from-file", path)
    assert "0 nya, 0 ändrade, 7 oförändrade" in again
    assert KoladaValue.objects.count() == 7


def test_command_updates_a_value_kolada_revised(trelleborg, tmp_path):
    page1, page2 = recorded("page1.json"), recorded("page2.json")
    run("--kpi", "U31402", "--years", "2019", "--from-file", write_pages(tmp_path, [page1, page2]))
    page2["values"][2]["values"][0]["value"] = 3.0
    out = run(
        "--kpi", "U31402", "--years", "2019", "--from-file", write_pages(tmp_path, [page1, page2])
    )
    assert "0 nya, 1 ändrade" in out
    assert "värden i svaret gällde andra nyckeltal" in out  # 2018 and N31807 were not asked for
    assert KoladaValue.objects.get(kpi="U31402", municipality="1287", year=2019).value == 3


def test_command_online_asks_for_the_municipality_and_its_comparison_group(trelleborg, monkeypatch):
    transport = two_page_transport()
    monkeypatch.setattr(ImportKolada, "transport", transport)
    run("--kpi", "U31402,N31807", "--years", "2018,2019", "--organisation", "org")
    assert transport.calls[0] == FIRST_URL
    assert KoladaValue.objects.filter(municipality="1286").count() == 2


def test_command_writes_nothing_when_a_later_page_is_malformed(trelleborg, tmp_path):
    page2 = recorded("page2.json")
    page2["values"][2]["values"][0]["gender"] = "X"
    path = write_pages(tmp_path, [recorded("page1.json"), page2])
    with pytest.raises(CommandError, match=r"Inget importerades\. sida 2, values\[2\]"):
        run("--kpi", "N31807,U31402", "--years", "2018-2019", "--from-file", path)
    assert not KoladaValue.objects.exists()


@pytest.mark.parametrize(
    ("args", "text", "message"),
    [
        (["--kpi", "N31807"], "{not json", r"inte giltig JSON \(rad 1, kolumn 2\)"),
        (["--kpi", "31807"], "{}", "Okänt nyckeltals-id '31807'"),
        (["--kpi", "N31807"], json.dumps(recorded("page1.json")), "next_url pekar på fler sidor"),
        (["--kpi", "N31807", "--organisation", "nope"], "{}", "Ingen organisation"),
    ],
)
def test_command_errors_are_clear(trelleborg, tmp_path, args, text, message):
    path = tmp_path / "response.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run(*args, "--years", "2018", "--from-file", str(path))
    assert not KoladaValue.objects.exists()


def test_command_needs_the_organisations_municipality_code(org, tmp_path):
    with pytest.raises(CommandError, match="saknar kommunkod"):
        run("--kpi", "N31807", "--years", "2018", "--from-file", str(DEMO))
