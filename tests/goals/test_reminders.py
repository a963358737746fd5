from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from goals import services, tasks
from goals.models import GroupDecision, ReminderSent
from tests.goals.conftest import STOCKHOLM

pytestmark = pytest.mark.django_db

MAY = dt.date(2026, 5, 1)


@pytest.fixture
def late_april(settings):
    settings.EOR_REMINDER_DAY = 25
    with time_machine.travel(dt.datetime(2026, 4, 25, 7, 0, tzinfo=STOCKHOLM), tick=False):
        yield


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_nothing_is_sent_before_the_reminder_day(settings, personas):
    settings.EOR_REMINDER_DAY = 25
    with time_machine.travel(dt.datetime(2026, 4, 24, 23, 0, tzinfo=STOCKHOLM), tick=False):
        assert tasks.send_reminders.delay().get() == 0
    assert mail.outbox == []


def test_missing_plans_and_eor_are_reminded_once(late_april, personas, org, register):
    alice = personas["alice"]
    services.plan_save(unit=org["a"], caseworker=alice, month=MAY, target=1, clients=[], by=alice)
    assert tasks.send_reminders.delay().get() == 3  # bob, carl (plan), maria (EOR)
    assert recipients() == ["bob@example.invalid", "carl@example.invalid", "maria@example.invalid"]
    maria_mail = next(m for m in mail.outbox if m.to == ["maria@example.invalid"])
    assert "EOR" in maria_mail.subject and "2026-05" in maria_mail.subject
    assert "Grupp A" in maria_mail.body
    # the second beat run the same day, and the next day: nothing new
    assert tasks.send_reminders.delay().get() == 0
    with time_machine.travel(dt.datetime(2026, 4, 26, 7, 0, tzinfo=STOCKHOLM), tick=False):
        assert services.reminders_send() == 0
    assert len(mail.outbox) == 3
    assert ReminderSent.objects.count() == 3
    assert "lena@example.invalid" not in recipients()  # leadership sets nothing


def test_a_recorded_decision_means_no_manager_reminder(late_april, maria, alice, org):
    GroupDecision.objects.create(unit=org["a"], month=MAY, eor=3, rationale="r", decided_by=maria)
    services.reminders_send()
    assert "maria@example.invalid" not in recipients()


def test_a_sent_record_from_a_concurrent_run_blocks_the_mail(late_april, bob):
    ReminderSent.objects.create(user=bob, month=MAY, kind="plan")
    services.reminders_send()
    assert "bob@example.invalid" not in recipients()


def test_failed_mail_leaves_no_sent_record_and_the_next_run_retries(late_april, bob, monkeypatch):
    real_send = services.send_mail

    def broken(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(services, "send_mail", broken)
    assert services.reminders_send() == 0
    assert not ReminderSent.objects.exists()
    monkeypatch.setattr(services, "send_mail", real_send)
    assert services.reminders_send() == 1
    assert recipients() == ["bob@example.invalid"]


def test_start_page_todo_list(client, late_april, alice, maria, org):
    client.force_login(alice)
    body = client.get(reverse("home")).content.decode()
    assert "Att göra" in body
    assert reverse("goals:plan", args=["unit-a", "2026-05"]) in body
    client.force_login(maria)
    body = client.get(reverse("home")).content.decode()
    assert reverse("goals:meeting", args=["unit-a", "2026-05"]) in body


def test_todo_is_empty_when_everything_is_set(client, late_april, alice, org, register):
    services.plan_save(unit=org["a"], caseworker=alice, month=MAY, target=0, clients=[], by=alice)
    client.force_login(alice)
    assert "Att göra" not in client.get(reverse("home")).content.decode()


def test_beat_schedule_has_the_reminder_task(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["goals-send-reminders"]
    assert entry["task"] == tasks.send_reminders.name


def test_a_parent_units_manager_is_not_asked_for_an_eor_it_never_decides(
    late_april, personas, org, register
):
    """The root has no caseworkers and no year goal: its manager gets no EOR reminder (the
    group below, which has caseworkers, still does)."""
    from tests.factories import MembershipFactory, UserFactory

    boss = UserFactory(username="boss")
    MembershipFactory(user=boss, unit=org["root"], role="manager")
    services.reminders_send()
    assert "boss@example.invalid" not in recipients()
    assert "maria@example.invalid" in recipients()
    assert not [t for t in services.todo_for(user=boss) if t["kind"] == "decision"]


def test_a_level_holding_a_year_goal_is_asked_for_its_eor(late_april, personas, org):
    from goals.models import Indicator, YearGoal
    from tests.factories import MembershipFactory, UserFactory

    boss = UserFactory(username="boss")
    MembershipFactory(user=boss, unit=org["root"], role="manager")
    YearGoal.objects.create(
        unit=org["root"], indicator=Indicator.objects.get(code="avslut"), year=2026, target=300
    )
    services.reminders_send()
    boss_mail = next(m for m in mail.outbox if m.to == ["boss@example.invalid"])
    assert "EOR" in boss_mail.subject and "Testkommunen" in boss_mail.body


def test_a_group_without_caseworkers_or_goals_gets_no_eor_reminder(late_april, maria, org):
    services.reminders_send()
    assert "maria@example.invalid" not in recipients()
