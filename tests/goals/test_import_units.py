from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from goals.importing import import_units
from goals.models import Unit
from tests.factories import UnitFactory
from trelleborg.csvread import CsvInvalid

pytestmark = pytest.mark.django_db

GOOD = (
    "code,name,parent\n"
    "g-norr,Grupp Norr,plan\n"  # the parent comes later in the file
    "amf,Arbetsmarknadsförvaltningen,\n"
    "plan,Planering och uppföljning,amf\n"
    "insats,Insats,amf\n"
)


def write(tmp_path: Path, content: str | bytes) -> str:
    path = tmp_path / "units.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def snapshot():
    return sorted(Unit.objects.values_list("code", "name", "parent__code", "path"))


def run(tmp_path, content, capsys=None):
    call_command("import_units", write(tmp_path, content))


def errors_of(tmp_path, content, capsys):
    before = snapshot()
    with pytest.raises(CommandError, match="ingenting importerades"):
        run(tmp_path, content)
    assert snapshot() == before, "a refused file must write nothing"
    return capsys.readouterr().err


def test_good_file_builds_the_tree_with_paths(tmp_path):
    run(tmp_path, GOOD)
    assert snapshot() == [
        ("amf", "Arbetsmarknadsförvaltningen", None, "/amf/"),
        ("g-norr", "Grupp Norr", "plan", "/amf/plan/g-norr/"),
        ("insats", "Insats", "amf", "/amf/insats/"),
        ("plan", "Planering och uppföljning", "amf", "/amf/plan/"),
    ]


def test_semicolon_delimiter_bom_and_crlf_are_accepted(tmp_path):
    content = "\ufeff" + GOOD.replace(",", ";").replace("\n", "\r\n")
    run(tmp_path, content.encode("utf-8"))
    assert Unit.objects.get(code="g-norr").path == "/amf/plan/g-norr/"
    assert Unit.objects.get(code="amf").name == "Arbetsmarknadsförvaltningen"


def test_reimport_is_idempotent(tmp_path, capsys):
    run(tmp_path, GOOD)
    first = snapshot()
    capsys.readouterr()
    run(tmp_path, GOOD)
    assert snapshot() == first
    assert "0 enheter skapade, 0 uppdaterade, 4 oförändrade" in capsys.readouterr().out


def test_reimport_updates_names_and_moves_subtrees(tmp_path):
    run(tmp_path, GOOD)
    UnitFactory(code="g-norr-1", parent=Unit.objects.get(code="g-norr"))  # not in the file
    run(
        tmp_path,
        "code,name,parent\nplan,Planering,insats\ninsats,Insatser,amf\n",
    )
    assert Unit.objects.get(code="plan").name == "Planering"
    assert Unit.objects.get(code="insats").name == "Insatser"
    # the moved unit's descendants follow it, at any depth
    assert Unit.objects.get(code="g-norr").path == "/amf/insats/plan/g-norr/"
    assert Unit.objects.get(code="g-norr-1").path == "/amf/insats/plan/g-norr/g-norr-1/"
    assert Unit.objects.get(code="plan").parent.code == "insats"


def test_reimport_can_make_a_unit_a_root(tmp_path):
    run(tmp_path, GOOD)
    run(tmp_path, "code,name,parent\nplan,Planering,\n")
    assert Unit.objects.get(code="g-norr").path == "/plan/g-norr/"
    assert Unit.objects.get(code="plan").parent is None


def test_parent_may_be_an_existing_unit(tmp_path):
    UnitFactory(code="org", name="Org")
    run(tmp_path, "code,name,parent\nnew,Ny,org\n")
    assert Unit.objects.get(code="new").path == "/org/new/"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("kod,namn,parent\na,A,\n", ["rad 1, kolumn kod", "rad 1, kolumn name"]),
        ("code,name\na,A\n", ["rad 1, kolumn parent: Kolumnen saknas"]),
        (
            "code,name,parent\na,A,nowhere\n",
            ["rad 2, kolumn parent: Okänd överordnad enhet 'nowhere'"],
        ),
        (
            "code,name,parent\na,A,c\nb,B,a\nc,C,b\nroot,R,\n",
            ["rad 2, kolumn parent: Enheterna bildar en cykel", "rad 3", "rad 4"],
        ),
        ("code,name,parent\na,A,a\n", ["rad 2, kolumn parent: Enheten kan inte vara sin egen"]),
        (
            "code,name,parent\na,A,\nb,B,\na,A igen,\n",
            ["rad 4, kolumn code: Koden 'a' finns redan på rad 2"],
        ),
        ("", ["Filen är tom"]),
        ("code,name,parent\n", ["inga enheter"]),
        ("code,name,parent\nhej då,A,\n", ["rad 2, kolumn code: Koden 'hej då'"]),
        ("code,name,parent\na,,\n", ["rad 2, kolumn name: Namnet saknas"]),
        (
            "code,name,parent\na," + "x" * 201 + ",\n",
            ["rad 2, kolumn name: Namnet är längre än 200"],
        ),
        ("code,name,parent\n" + "a" * 65 + ",A,\n", ["rad 2, kolumn code: Koden är längre än 64"]),
        ("code,name,parent\na,A,,,,,,,,\n", ["rad 2: Raden har 10 fält men rubrikraden 3"]),
        ("code,name,parent" + ",x" * 60 + "\n", ["för många kolumner"]),
        ('code,name,parent\na,"A,\n', ["går inte att tolka som CSV"]),
    ],
)
def test_bad_files_are_refused_with_line_and_column(tmp_path, capsys, content, expected):
    UnitFactory(code="keep", name="Keep")
    err = errors_of(tmp_path, content, capsys)
    for fragment in expected:
        assert fragment in err


def test_every_error_is_reported_not_just_the_first(tmp_path, capsys):
    err = errors_of(tmp_path, "code,name,parent\nA B,x,\nb,,\nc,C,\nc,C,\n", capsys)
    assert "rad 2, kolumn code" in err
    assert "rad 3, kolumn name" in err
    assert "rad 5, kolumn code" in err


def test_cycle_through_existing_units_is_refused(tmp_path, capsys):
    run(tmp_path, GOOD)
    # amf is in the database under nothing; putting it under its own grandchild loops
    err = errors_of(tmp_path, "code,name,parent\namf,AMF,g-norr\n", capsys)
    assert "cykel" in err


def test_binary_garbage_is_refused(tmp_path, capsys):
    garbage = bytes(range(256)) * 40
    err = errors_of(tmp_path, garbage, capsys)
    assert "rad 1" in err


def test_png_is_refused(tmp_path, capsys):
    err = errors_of(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 50, capsys)
    assert "inte UTF-8" in err or "binärdata" in err


def test_latin1_file_is_refused_with_its_line(tmp_path, capsys):
    content = "code,name,parent\nok,Bra,\nbad,Förvaltning,\n".encode("latin-1")
    err = errors_of(tmp_path, content, capsys)
    assert "rad 3: Raden är inte UTF-8" in err


def test_utf16_file_is_refused_with_advice(tmp_path, capsys):
    err = errors_of(tmp_path, GOOD.encode("utf-16"), capsys)
    assert "UTF-16" in err


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Kan inte läsa"):
        call_command("import_units", str(tmp_path / "nope.csv"))


def test_service_can_be_called_with_bytes():
    result = import_units(GOOD.encode())
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    with pytest.raises(CsvInvalid) as info:
        import_units(b"code,name,parent\nx,X,y\n")
    assert info.value.errors[0].line == 2
    assert info.value.errors[0].column == "parent"
