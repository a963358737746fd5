"""generate_synthetic: deterministic, consistent with the model's rules, and careful with
data that is already there."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F

from bench import synthetic
from cases.models import Case, CaseEvent, Client
from cases.validators import looks_like_personal_number
from goals.models import GroupDecision, IndividualTarget, Membership, NamedClient, Unit, YearGoal
from trelleborg.months import today
from trelleborg.vocabulary import Role

END = dt.date(2018, 12, 1)  # a month in the past: nothing to clip at today


def _events():
    return list(
        CaseEvent.objects.order_by("event_id").values_list(
            "event_id", "case__case_number", "unit__code", "event_type", "occurred_on", "reason"
        )
    )


@pytest.mark.django_db
def test_same_seed_same_rows_other_seed_other_rows():
    call_command("generate_synthetic", preset="tiny", seed=7, end="2018-12")
    first = _events()
    call_command("generate_synthetic", preset="tiny", seed=7, end="2018-12", replace=True)
    assert _events() == first
    call_command("generate_synthetic", preset="tiny", seed=8, end="2018-12", replace=True)
    assert _events() != first


@pytest.mark.django_db
def test_refuses_a_database_with_data_unless_replace(org):
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_synthetic", preset="tiny")
    assert Unit.objects.filter(code="org").exists()
    call_command("generate_synthetic", preset="tiny", replace=True)
    assert not Unit.objects.filter(code="org").exists()
    assert Unit.objects.filter(code="k1287", municipality_code="1287").exists()


@pytest.mark.django_db
def test_tiny_preset_is_a_whole_organisation_with_a_cycle():
    written = synthetic.generate(preset="tiny", seed=1, months=12, end=END, log=lambda _: None)
    assert written.events == CaseEvent.objects.count() > 1000
    assert Case.objects.count() == Client.objects.count() == written.cases
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {Role.CASEWORKER, Role.MANAGER, Role.LEADERSHIP}
    assert get_user_model().objects.count() == written.users
    assert IndividualTarget.objects.count() == written.targets > 0
    assert NamedClient.objects.count() == written.named > 0
    assert GroupDecision.objects.count() == written.decisions > 0
    assert YearGoal.objects.exists()
    # Sequences follow the explicit ids: a case registered later gets a fresh id.
    unit = Unit.objects.get(code="k1287-grp1")
    case = Case.objects.create(
        organisation=unit.root(), case_number="NY-1", client=Client.objects.first(), unit=unit
    )
    assert case.pk == written.cases + 1


@pytest.mark.django_db
def test_events_follow_the_import_rules():
    synthetic.generate(preset="tiny", seed=3, months=36, log=lambda _: None)
    events = CaseEvent.objects.all()
    assert not events.filter(occurred_on__gt=today()).exists()
    assert not events.exclude(event_type="exit").exclude(reason="").exists()
    assert not events.filter(event_type="exit", reason="").exists()
    assert not events.filter(event_type="decision", decision_mode="").exists()
    # Every event is in its case's organisation and unit's subtree.
    assert not events.exclude(organisation=F("case__organisation")).exists()
    refs = Client.objects.values_list("ref", flat=True)
    assert not any(looks_like_personal_number(ref) for ref in refs)
    # Named clients are real clients, named for a month in which they were on support.
    named = set(NamedClient.objects.values_list("client_ref", flat=True))
    assert named <= set(refs)


def test_municipality_codes_are_kolada_shaped_and_stable():
    codes = synthetic.municipality_codes(290)
    assert len(set(codes)) == 290
    assert codes[0] == "1287"
    assert all(len(c) == 4 and c.isdigit() for c in codes)
    assert {"0180", "1280", "1480"} <= set(codes)
    assert synthetic.municipality_codes(290) == codes


def test_national_households_are_split_over_290_organisations():
    rng = synthetic.np.random.default_rng(1)
    split = synthetic._split_households(rng, 100_000, 290)
    assert len(split) == 290 and split.sum() == 100_000 and split.min() >= 30
