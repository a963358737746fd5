"""goals' demo step: lived-in cycles whose named clients are real clients (via the hooks)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from goals import hooks
from goals.models import (
    GroupDecision,
    IndividualTarget,
    ManualValue,
    MonthFollowUp,
    NamedClient,
    YearGoal,
)
from trelleborg import months

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_register(monkeypatch):
    """Stand-in for cases' demo clients: 40 refs per unit, a few exits every month."""
    exits: dict[tuple[str, dt.date], set[str]] = {}

    def lister(unit, limit):
        return [f"K-{unit.pk:02d}{n:03d}" for n in range(40)][:limit]

    def exited(unit, refs, month):
        chosen = {ref for ref in refs if int(ref[-3:]) % 9 == month.month % 9}
        exits[(unit.code, month)] = chosen
        return chosen

    monkeypatch.setattr(hooks, "_client_ref_lister", lister)
    monkeypatch.setattr(hooks, "_exited_checker", exited)
    return {"lister": lister, "exits": exits}


def test_demo_cycle_is_lived_in(settings, demo_register):
    settings.DEBUG = True
    call_command("load_demo")
    current = months.current_month()
    previous = months.add_months(current, -1)
    assert IndividualTarget.objects.filter(month=current).count() >= 20
    # named clients are clients the register knows, in the plan's unit
    for named in NamedClient.objects.select_related("target__unit")[:200]:
        assert named.client_ref in demo_register["lister"](named.target.unit, 1000)
        assert named.planned_action
    # decisions: every one has a rationale, some differ from the sum, a few were revised
    differing = 0
    for decision in GroupDecision.objects.filter(version=1):
        total = sum(
            IndividualTarget.objects.for_unit_month(decision.unit, decision.month).values_list(
                "target", flat=True
            )
        )
        differing += decision.eor != total
        assert decision.rationale
    assert differing >= 5
    assert GroupDecision.objects.filter(version=2).exclude(revision_reason="").exists()
    # past months evaluated and closed, last month evaluated but still open
    assert MonthFollowUp.objects.filter(month__lt=previous, closed_at__isnull=False).count() >= 50
    assert MonthFollowUp.objects.filter(month=previous, closed_at__isnull=True).exists()
    assert not MonthFollowUp.objects.filter(month=current).exists()
    assert YearGoal.objects.filter(factor__isnull=False).exists()
    assert ManualValue.objects.filter(indicator__code="franvaro_skola").count() == 12
    # each unit commits on its counterpart's indicator in the seeds' 2018 EORs, every month
    committed = {
        code: set(
            GroupDecision.objects.filter(unit__code=code, month=current).values_list(
                "indicator__code", flat=True
            )
        )
        for code in (
            "amf", "planering", "grupp-norr", "insats", "boende-bosattning",
            "boende-ensamkommande", "myndighet",
        )
    }  # fmt: skip
    assert committed == {
        "amf": {"utredningstid"},
        "planering": {"ledtid_insats", "avslut_etablering"},
        "grupp-norr": {"avslut"},
        "insats": {"ledtid_rekrytering"},
        "boende-bosattning": {"ledtid_kontrakt"},
        "boende-ensamkommande": {"franvaro_skola"},
        "myndighet": {"utredningstid"},
    }
    # the administration's own EOR is leadership's
    root_eor = GroupDecision.objects.filter(unit__code="amf").first()
    assert root_eor.decided_by.username == "karin.ek"
    # next month: some plans made, none decided (so the to-do lists have something)
    upcoming = months.add_months(current, 1)
    assert IndividualTarget.objects.filter(month=upcoming).exists()
    assert not GroupDecision.objects.filter(month=upcoming).exists()


def test_demo_cycle_without_clients_still_loads(settings, monkeypatch):
    monkeypatch.setattr(hooks, "_client_ref_lister", None)
    settings.DEBUG = True
    call_command("load_demo")
    assert GroupDecision.objects.exists()
    assert not NamedClient.objects.exists()
