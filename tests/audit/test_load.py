"""Load: many caseworkers log exits at once against a real server on PostgreSQL.

Every exit must be stored exactly once (a double submit is refused, not doubled) and the
monthly rollup must count them all once the refresh work is drained.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from cases.models import CaseEvent
from reports.models import Rollup
from reports.services import refresh_drain
from tests.factories import CaseFactory, MembershipFactory, UserFactory
from trelleborg.months import current_month, today
from trelleborg.vocabulary import Role

# (conftest re-seeds the built-in indicators a previous transactional test's flush removed)
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

WORKERS = 8
CASES_EACH = 6


@pytest.fixture(autouse=True)
def _celery_join_flag():
    """Eager tasks run in the server's threads at once; Celery saves and restores a global
    "join would block" flag around each, and interleaved threads can leave it set, which
    would make a later test's result.get() refuse. Put it back as it was."""
    from celery._state import _set_task_join_will_block, task_join_will_block

    before = task_join_will_block()
    yield
    _set_task_join_will_block(before)


def _session_for(user, base_url: str) -> requests.Session:
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    first = session.get(f"{base_url}{reverse('home')}", timeout=30)
    assert first.status_code == 200
    return session


def _log_exit(session: requests.Session, base_url: str, case_pk: int) -> int:
    url = f"{base_url}{reverse('cases:log_exit', args=[case_pk])}"
    page = session.get(url, timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        url,
        data={"csrfmiddlewaretoken": token, "reason": "work", "occurred_on": today().isoformat()},
        allow_redirects=False,
        timeout=60,
    )
    return response.status_code


def test_concurrent_exits_are_stored_once_and_all_counted(live_server, org, monkeypatch):
    # The server's threads close their connections after each request, so none outlives
    # the test (the test database is dropped at the end of the session).
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    month = current_month()
    work = []
    for n in range(WORKERS):
        user = UserFactory(username=f"load-{n}")
        MembershipFactory(user=user, unit=org["a"], role=Role.CASEWORKER)
        cases = [CaseFactory(unit=org["a"], caseworker=user).pk for _ in range(CASES_EACH)]
        work.append((user, cases))
    base = live_server.url

    def run(item):
        user, cases = item
        try:
            session = _session_for(user, base)  # force_login queries from this thread
        finally:
            connections.close_all()  # else the thread's connection outlives the test DB
        answers = [_log_exit(session, base, pk) for pk in cases]
        # A double submit of the first exit: refused (already an exit this month), not stored.
        answers.append(_log_exit(session, base, cases[0]))
        return answers

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(run, work))

    for answers in results:
        assert answers[:-1] == [302] * CASES_EACH, answers
        assert answers[-1] == 200, answers  # the form again, with the refusal
    total = WORKERS * CASES_EACH
    exits = CaseEvent.objects.exits().filter(unit=org["a"], occurred_on__gte=month)
    assert exits.count() == total
    assert exits.values("case").distinct().count() == total
    refresh_drain()  # what the sweep does with anything a busy moment left pending
    rollup = Rollup.objects.get(unit=org["a"], indicator__code="avslut", month=month)
    assert rollup.count == total
    parent = Rollup.objects.get(unit=org["root"], indicator__code="avslut", month=month)
    assert parent.count == total
