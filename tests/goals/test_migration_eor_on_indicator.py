"""goals 0005: the decisions recorded before issue 14 become EORs on `avslut`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("goals", "0004_cycle_history_reminders_guests")]
AFTER = [("goals", "0005_eor_on_indicator")]


@pytest.mark.django_db(transaction=True)
def test_existing_decisions_become_exit_eors_with_their_versions():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    unit = old.get_model("goals", "Unit").objects.create(code="grp", name="Grupp", path="/grp/")
    Decision = old.get_model("goals", "GroupDecision")
    month = dt.date(2018, 3, 1)
    Decision.objects.create(unit=unit, month=month, version=1, eor=9, rationale="r")
    Decision.objects.create(
        unit=unit, month=month, version=2, eor=11, rationale="r", revision_reason="fler"
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    rows = list(
        new.get_model("goals", "GroupDecision")
        .objects.order_by("version")
        .values_list("indicator__code", "version", "target")
    )
    assert rows == [("avslut", 1, Decimal("9")), ("avslut", 2, Decimal("11"))]

    # And back: the exit EORs are plain counts again.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps
    assert sorted(
        back.get_model("goals", "GroupDecision").objects.values_list("version", "eor")
    ) == [(1, 9), (2, 11)]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
