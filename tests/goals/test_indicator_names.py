"""Indicator names: a built-in's seeded name is translated, every other name is data.

The seeded names are Swedish msgids (goals.models.BUILT_IN_NAMES); the English comes from the
catalogue. An administrator's own indicator, or a built-in they renamed, shows as typed.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from goals.models import BUILT_IN_NAMES, Indicator, ManualValue, YearGoal
from tests.goals.conftest import JANUARY

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ENGLISH = {
    "avslut": "Exits to work or studies",
    "avslut_etablering": "Exits to work or studies in the establishment programme",
    "utredningstid": "Assessment time (application → decision)",
    "ledtid_insats": "Time to intervention (referral → intervention)",
    "ledtid_kontrakt": "Time to own housing contract (arrival → contract)",
    "ledtid_rekrytering": "Recruitment time (order → match)",
    "franvaro_skola": "School absence, unaccompanied minors",
    "aterkomst": "Self-sufficiency after exit (no new application within 12 months)",
}


def custom(**fields) -> Indicator:
    defaults = {
        "code": "ledtid_plan",
        "name": "Tid till plan (egen)",
        "kind": Indicator.Kind.LEAD_TIME,
        "start_event_type": "first_meeting",
        "end_event_type": "plan_established",
        "direction": Indicator.Direction.LOWER_IS_BETTER,
        "unit_label": "dagar",
    }
    return Indicator.objects.create(**{**defaults, **fields})


def test_the_names_to_translate_are_exactly_the_seeded_ones():
    # A built-in seeded (or renamed by a migration) without updating BUILT_IN_NAMES would
    # stop translating without any error: the migrations' names must be the msgids.
    seeded = dict(Indicator.objects.filter(built_in=True).values_list("code", "name"))
    assert seeded == BUILT_IN_NAMES


def test_built_in_names_are_swedish_by_default_and_english_in_english():
    for indicator in Indicator.objects.filter(built_in=True):
        assert indicator.display_name == indicator.name
        assert str(indicator) == indicator.name
        with translation.override("en"):
            assert indicator.display_name == ENGLISH[indicator.code]
            assert str(indicator) == ENGLISH[indicator.code]


def test_an_administrators_indicator_shows_as_stored_in_every_language():
    # Even a name that happens to be a msgid is the administrator's text, not ours.
    own = custom(name="Avslut till arbete eller studier")
    with translation.override("en"):
        assert own.display_name == "Avslut till arbete eller studier"
        assert str(own) == "Avslut till arbete eller studier"


def test_a_renamed_built_in_shows_its_new_name_in_every_language(client, ada):
    client.force_login(ada)
    built_in = Indicator.objects.get(code="utredningstid")
    response = client.post(
        reverse("admin:goals_indicator_change", args=[built_in.pk]),
        {
            "name": "Handläggningstid",
            "unit_label": "dagar",
            "direction": "lower",
            "active": "on",
            "sort_order": "30",
        },
    )
    assert response.status_code == 302
    built_in.refresh_from_db()
    with translation.override("en"):
        assert built_in.display_name == "Handläggningstid"
    # Renamed back to the seeded name, it is translated again.
    built_in.name = BUILT_IN_NAMES["utredningstid"]
    with translation.override("en"):
        assert built_in.display_name == ENGLISH["utredningstid"]


def test_year_goals_page_names_indicators_in_the_readers_language(client, maria, org, today):
    own = custom()
    YearGoal.objects.create(
        unit=org["a"], indicator=Indicator.objects.get(code="avslut"), year=2026, target=120
    )
    YearGoal.objects.create(unit=org["a"], indicator=own, year=2026, target=30)
    client.force_login(maria)
    url = reverse("goals:year_goals", args=["unit-a", 2026])
    swedish = client.get(url).content.decode()
    assert '<th scope="row">Avslut till arbete eller studier</th>' in swedish
    assert '<th scope="row">Tid till plan (egen)</th>' in swedish
    english = client.get(url, **EN).content.decode()
    assert '<th scope="row">Exits to work or studies</th>' in english
    assert '<th scope="row">Tid till plan (egen)</th>' in english  # data, as stored
    assert "Avslut till arbete eller studier" not in english
    # The form's choices too (the indicator's str).
    assert ">Assessment time (application → decision)</option>" in english
    assert ">Tid till plan (egen)</option>" in english


def test_manual_values_page_names_the_built_in_in_english(client, maria, org, today):
    absence = Indicator.objects.get(code="franvaro_skola")
    ManualValue.objects.create(
        unit=org["a"], indicator=absence, month=JANUARY, value=4, entered_by=maria
    )
    client.force_login(maria)
    url = reverse("goals:manual_values", args=["unit-a", "2026-02"])
    assert "Skolfrånvaro ensamkommande (" in client.get(url).content.decode()
    english = client.get(url, **EN).content.decode()
    assert "School absence, unaccompanied minors (" in english
    assert "Skolfrånvaro" not in english


def test_audit_entries_name_indicators_in_the_sites_language(org):
    """The audit trail does not switch language with whoever made the change: a year goal
    saved by an English reader is recorded with the Swedish (site language) name."""
    from audit.models import AuditEntry

    indicator = Indicator.objects.get(code="avslut")
    with translation.override("en"):
        goal = YearGoal.objects.create(unit=org["a"], indicator=indicator, year=2026, target=10)
        assert ENGLISH["avslut"] in str(goal)
    entry = AuditEntry.objects.get_for_object(goal).get()
    assert indicator.name in entry.object_repr and ENGLISH["avslut"] not in entry.object_repr
