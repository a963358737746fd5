"""The English catalogue (locale/en): complete, faithful to its placeholders, compiled, and
what a reader who chose English actually gets.

The UI's msgids are Swedish; English comes only from this catalogue, so a string without an
entry, a fuzzy one or a stale .mo shows Swedish to an English reader without any error.
"""

from __future__ import annotations

import gettext
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import CaseEventFactory, CaseFactory
from trelleborg.months import today

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msguniq")
EN = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8"}

# printf-style (named or positional), str.format-style, HTML tags and entities: whatever the
# code fills in or the browser parses must survive translation unchanged.
PRINTF = re.compile(r"%(?:\([^)]+\))?[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACES = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
HTML = re.compile(r"</?[A-Za-z][^>]*>|&[A-Za-z]+;|&#\d+;")


def _catalogue() -> polib.POFile:
    return polib.pofile(str(PO))


def _tokens(text: str) -> Counter:
    return Counter(PRINTF.findall(text) + BRACES.findall(text) + HTML.findall(text))


def _label(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


# --- The catalogue file ---------------------------------------------------------------------


def test_every_entry_is_translated_and_none_is_fuzzy():
    po = _catalogue()
    assert len(po) > 700  # the whole UI, not a sample
    assert [_label(e) for e in po.untranslated_entries()] == []
    assert [_label(e) for e in po.fuzzy_entries()] == []
    assert not po.metadata_is_fuzzy
    assert [_label(e) for e in po.obsolete_entries()] == []
    assert po.metadata["Language"] == "en"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    for entry in po:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == [0, 1], _label(entry)
            assert all(entry.msgstr_plural.values()), _label(entry)


def test_translations_keep_every_placeholder_and_tag():
    wrong = []
    for entry in _catalogue():
        if entry.msgid_plural:
            pairs = [
                (entry.msgid, entry.msgstr_plural[0]),
                (entry.msgid_plural, entry.msgstr_plural[1]),
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, translation in pairs:
            if _tokens(source) != _tokens(translation):
                wrong.append((source, translation))
            if source.endswith("\n") != translation.endswith("\n"):
                wrong.append((source, translation))
    assert wrong == []


def test_placeholder_check_catches_a_renamed_placeholder():
    # The check above is only as good as its patterns: they must see these differences.
    assert _tokens("Sida %(n)s av %(total)s") != _tokens("Page %(number)s of %(total)s")
    assert _tokens("%d token återkallad.") != _tokens("one token revoked.")
    assert _tokens("Hej {name}") != _tokens("Hello name")
    assert _tokens("som <5:") == _tokens("as <5:")  # a less-than sign is text, not a tag
    assert _tokens("<strong>Obs:</strong>") != _tokens("Note:")


def test_committed_mo_is_compiled_from_the_committed_po():
    """`make run` on a fresh machine reads the .mo and needs no gettext tools, so the .mo
    is committed: it must say exactly what the .po says."""
    with MO.open("rb") as handle:
        compiled = dict(gettext.GNUTranslations(handle)._catalog)
    compiled.pop("", None)  # the header
    expected: dict = {}
    for entry in _catalogue().translated_entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            for index, text in entry.msgstr_plural.items():
                expected[(key, int(index))] = text
        else:
            expected[key] = entry.msgstr
    missing = sorted(map(str, expected.keys() - compiled.keys()))
    extra = sorted(map(str, compiled.keys() - expected.keys()))
    differing = sorted(
        str(k) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k]
    )
    hint = "run `make messages` (or manage.py compilemessages -l en) and commit the .mo"
    assert (missing, extra, differing) == ([], [], []), hint


def _makemessages_args() -> list[str]:
    """The arguments `make messages` passes, read from the Makefile so both agree."""
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line.startswith("MAKEMESSAGES_ARGS :="):
            return shlex.split(line.split(":=", 1)[1])
    raise AssertionError("Makefile has no MAKEMESSAGES_ARGS")


def _copy_ignoring(directory, names):
    heavy = {"staticfiles", "node_modules", "htmlcov", "__pycache__", "media"}
    skipped = {n for n in names if n.startswith((".", "db.sqlite3")) or n in heavy}
    if Path(directory).name == "bench":
        skipped.add("out")
    return skipped


def test_catalogue_covers_every_string_in_the_code(tmp_path):
    """makemessages over a copy of the tree: a string the code marks for translation
    that has no English (or only a fuzzy guess), or an entry no code uses any more, fails."""
    missing_tools = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing_tools:
        message = (
            f"{', '.join(missing_tools)} missing: the catalogue's completeness check needs "
            "GNU gettext (`apt-get install gettext`; .ci/run installs it)."
        )
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    tree = tmp_path / "tree"
    shutil.copytree(ROOT, tree, ignore=_copy_ignoring, symlinks=True)
    env = {**os.environ, "DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", *_makemessages_args()],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    fresh = polib.pofile(str(tree / PO.relative_to(ROOT)))
    committed = {_label(e) for e in _catalogue()}
    hint = (
        "run `make messages`, translate the new entries in locale/en/LC_MESSAGES/django.po "
        "(README: Translations), run it again and commit the .po and the .mo"
    )
    untranslated = [_label(e) for e in fresh.untranslated_entries()]
    fuzzy = [_label(e) for e in fresh.fuzzy_entries()]
    stale = sorted(committed - {_label(e) for e in fresh})
    assert (untranslated, fuzzy, stale) == ([], [], []), hint


# --- What an English reader sees ------------------------------------------------------------


def _assert_english(body: str, english: list[str], swedish: list[str]) -> None:
    for text in english:
        assert text in body, f"{text!r} missing"
    for text in swedish:
        assert text not in body, f"Swedish {text!r} shown in English"


@pytest.mark.django_db
def test_sign_in_page_follows_the_browsers_language(client):
    swedish = client.get(reverse("login")).content.decode()
    assert '<html lang="sv">' in swedish and "Användarnamn" in swedish  # Swedish first
    body = client.get(reverse("login"), **EN).content.decode()
    assert '<html lang="en">' in body
    _assert_english(
        body,
        ["Sign in", "Username", "Password", "Skip to content", "Language"],
        ["Logga in", "Användarnamn", "Lösenord", "Hoppa till innehållet", "Språk"],
    )


@pytest.mark.django_db
def test_language_switcher_names_each_language_in_itself(client):
    for headers in ({}, EN):
        body = client.get(reverse("login"), **headers).content.decode()
        assert re.search(r'<option value="sv" lang="sv"[^>]*>Svenska</option>', body)
        assert re.search(r'<option value="en" lang="en"[^>]*>English</option>', body)


@pytest.mark.django_db
def test_my_cases_in_english_after_choosing_it(client, alice, org):
    client.force_login(alice)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    CaseFactory(unit=org["a"], caseworker=alice, case_number="A-1")
    body = client.get(reverse("cases:my_cases")).content.decode()
    _assert_english(
        body,
        ["My cases", "Register a new case", "Search by client reference or case number"],
        ["Mina ärenden", "Registrera nytt ärende", "Sök på klientreferens"],
    )


@pytest.mark.django_db
def test_case_page_exit_form_is_english_after_a_swedish_render(client, alice, org):
    """The blank exit form is a cached fragment: the Swedish render must not be what an
    English reader gets from the cache."""
    case = CaseFactory(unit=org["a"], caseworker=alice, case_number="A-1")
    CaseEventFactory(case=case, event_type="application_received", occurred_on=today())
    client.force_login(alice)
    url = reverse("cases:case_detail", args=[case.pk])
    swedish = client.get(url).content.decode()
    assert "Orsak" in swedish and "Registrera avslut" in swedish
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(url).content.decode()
    _assert_english(
        body,
        ["Reason", "Register exit", "Choose a reason", "Work", "Studies", "Timeline"],
        ["Orsak", "Registrera avslut", "Välj orsak", "Arbete", "Studier", "Tidslinje"],
    )
    # And back: the English render does not leak into Swedish either.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    again = client.get(url).content.decode()
    assert "Orsak" in again and "Reason" not in again


@pytest.mark.django_db
def test_group_meeting_in_english(client, maria, alice):
    client.force_login(maria)
    month = today().replace(day=1).strftime("%Y-%m")
    body = client.get(reverse("goals:meeting", args=["unit-a", month]), **EN).content.decode()
    _assert_english(
        body,
        ["Group meeting", "Decide the group's EOR", "Rationale", "No plan yet"],
        ["Gruppmöte", "Besluta gruppens EOR", "Motivering", "Ingen plan ännu"],
    )


@pytest.mark.django_db
def test_unit_dashboard_in_english(client, maria):
    client.force_login(maria)
    body = client.get(
        reverse("reports:dashboard"), {"unit": "unit-a", "year": str(today().year)}, **EN
    ).content.decode()
    _assert_english(
        body,
        ["Dashboard – Grupp A", "Show the figures as a table", "Record month (all time)"],
        ["Instrumentpanel", "Visa siffrorna som tabell", "Rekordmånad"],
    )
