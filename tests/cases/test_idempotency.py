"""A form submission is stored once, however often it is posted (issue 13, point 7)."""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, FormSubmission
from cases.tasks import sweep_form_keys
from trelleborg.months import today

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def key_in(body: bytes, form_id: str) -> str:
    form = re.search(rf'<form id="{form_id}".*?</form>', body.decode(), re.S).group(0)
    return re.search(r'name="submission_key" value="([0-9a-f-]{36})"', form).group(1)


def test_each_rendering_of_the_cached_blank_forms_has_its_own_key(client, alice, bob, case_a):
    page = reverse("cases:case_detail", args=[case_a.pk])
    client.force_login(alice)
    first = client.get(page).content
    second = client.get(page).content  # the blank fields come from the fragment cache now
    client.force_login(bob)
    third = client.get(page).content
    exit_keys = {key_in(body, "exit-form") for body in (first, second, third)}
    event_keys = {key_in(body, "event-form") for body in (first, second, third)}
    assert len(exit_keys) == 3 and len(event_keys) == 3 and not exit_keys & event_keys


def test_a_repeated_exit_post_is_stored_once_and_answered_like_the_first(client, alice, case_a):
    client.force_login(alice)
    key = key_in(client.get(reverse("cases:case_detail", args=[case_a.pk])).content, "exit-form")
    url = reverse("cases:log_exit", args=[case_a.pk])
    data = {"reason": "work", "occurred_on": today().isoformat(), "confirm": "on"}
    answers = [client.post(url, {**data, "submission_key": key}) for _ in range(5)]
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, reverse("cases:case_detail", args=[case_a.pk]))
    }
    assert CaseEvent.objects.exits().filter(case=case_a).count() == 1
    # With htmx the repeat gets the same fresh form and refresh trigger as the first.
    again = client.post(url, {**data, "submission_key": key}, **HX)
    assert again.status_code == 200 and "HX-Trigger" in again
    assert CaseEvent.objects.exits().filter(case=case_a).count() == 1
    # A new rendering of the form (a new key) is a new exit, as confirmed.
    fresh = key_in(again.content, "exit-form")
    assert fresh != key
    client.post(url, {**data, "submission_key": fresh})
    assert CaseEvent.objects.exits().filter(case=case_a).count() == 2


def test_a_repeated_event_post_is_stored_once(client, alice, case_a):
    client.force_login(alice)
    key = key_in(client.get(reverse("cases:case_detail", args=[case_a.pk])).content, "event-form")
    url = reverse("cases:log_event", args=[case_a.pk])
    data = {"event_type": "decision", "occurred_on": today().isoformat(), "submission_key": key}
    before = CaseEvent.objects.filter(case=case_a).count()
    for _ in range(3):
        assert client.post(url, data).status_code == 302
    assert CaseEvent.objects.filter(case=case_a).count() == before + 1


def test_a_refused_post_does_not_use_up_its_key(client, alice, case_a):
    client.force_login(alice)
    url = reverse("cases:log_exit", args=[case_a.pk])
    key = key_in(client.get(url).content, "exit-form")
    refused = client.post(
        url, {"reason": "", "occurred_on": today().isoformat(), "submission_key": key}
    )
    assert refused.status_code == 200 and key_in(refused.content, "exit-form") == key
    assert not FormSubmission.objects.exists()
    data = {"reason": "studies", "occurred_on": today().isoformat(), "submission_key": key}
    assert client.post(url, data).status_code == 302
    assert CaseEvent.objects.exits().filter(case=case_a).count() == 1


def test_a_repeated_case_registration_redirects_to_the_same_case(client, alice, org):
    client.force_login(alice)
    url = reverse("cases:register_case")
    key = re.search(
        r'name="submission_key" value="([0-9a-f-]{36})"', client.get(url).content.decode()
    ).group(1)
    data = {
        "client_ref": "K-77001",
        "case_number": "DUBBEL-1",
        "unit": org["a"].pk,
        "caseworker": alice.pk,
        "program": "forsorjningsstod",
        "submission_key": key,
    }
    answers = [client.post(url, data) for _ in range(3)]
    case = Case.objects.get(case_number="DUBBEL-1")
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, reverse("cases:case_detail", args=[case.pk]))
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_identical_exit_posts_store_one_exit(alice, case_a):
    url = reverse("cases:log_exit", args=[case_a.pk])
    browser = HttpClient()
    browser.force_login(alice)
    key = key_in(browser.get(url).content, "exit-form")
    data = {
        "reason": "work",
        "occurred_on": today().isoformat(),
        "confirm": "on",
        "submission_key": key,
    }
    start = threading.Barrier(20, timeout=30)
    answers: list = []

    def post():
        try:
            own = HttpClient()
            own.cookies = browser.cookies  # the same signed-in browser, twenty times
            start.wait()
            answers.append(own.post(url, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [302] * 20
    assert CaseEvent.objects.exits().filter(case=case_a).count() == 1
    assert FormSubmission.objects.filter(key=key).count() == 1


def test_keys_older_than_a_week_are_forgotten_by_the_nightly_sweep(alice):
    old = FormSubmission.objects.create(key=uuid.uuid4(), user=alice)
    FormSubmission.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=8)
    )
    recent = FormSubmission.objects.create(key=uuid.uuid4(), user=alice)
    assert sweep_form_keys() == 1
    assert list(FormSubmission.objects.values_list("key", flat=True)) == [recent.key]
