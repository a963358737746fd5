"""Two managers saving the group EOR at the same moment: one wins, the other is told."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from goals import services
from goals.models import GroupDecision, GroupDecisionQuerySet
from tests.factories import MembershipFactory
from tests.goals.conftest import APRIL
from trelleborg.vocabulary import Role


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_real_transactions_racing_for_the_same_version(org, maria, today, monkeypatch):
    other = MembershipFactory(unit=org["a"], role=Role.MANAGER).user
    barrier = threading.Barrier(2, timeout=10)
    waited = threading.local()
    original = GroupDecisionQuerySet.latest_version

    def latest_then_wait(self):
        current = original(self)
        if not getattr(waited, "done", False):
            # Both threads have seen "no decision yet" before either inserts.
            waited.done = True
            barrier.wait()
        return current

    monkeypatch.setattr(GroupDecisionQuerySet, "latest_version", latest_then_wait)
    outcomes: dict[str, object] = {}

    def save(name, user, eor):
        try:
            outcomes[name] = services.decision_record(
                unit=org["a"],
                month=APRIL,
                eor=eor,
                rationale=f"Motivering från {name}",
                seen_version=0,
                by=user,
            )
        except services.DecisionConflict as clash:
            outcomes[name] = clash
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=("maria", maria, 5)),
        threading.Thread(target=save, args=("other", other, 8)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [o for o in outcomes.values() if isinstance(o, GroupDecision)]
    losers = [o for o in outcomes.values() if isinstance(o, services.DecisionConflict)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    # the loser is told which decision is now in force
    assert losers[0].current is not None and losers[0].current.pk == winners[0].pk
    assert list(GroupDecision.objects.values_list("version", "target")) == [(1, winners[0].eor)]


@pytest.mark.django_db
def test_stale_version_check_without_a_race(org, maria, today):
    services.decision_record(
        unit=org["a"], month=APRIL, eor=5, rationale="a", seen_version=0, by=maria
    )
    with pytest.raises(services.DecisionConflict):
        services.decision_record(
            unit=org["a"],
            month=APRIL,
            eor=6,
            rationale="b",
            revision_reason="c",
            seen_version=0,
            by=maria,
        )
    decision = services.decision_record(
        unit=org["a"],
        month=APRIL,
        eor=6,
        rationale="b",
        revision_reason="c",
        seen_version=1,
        by=maria,
    )
    assert decision.version == 2
