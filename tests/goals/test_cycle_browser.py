"""The monthly cycle in Chromium, as the real roles: plan → group decision → follow-up → close.

The outcome and hit-rate figures of the follow-up are reports' partials; they are checked
here once reports serves them (the page includes them only when their URLs exist).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from goals.models import GroupDecision, IndividualTarget, MonthFollowUp
from tests.factories import CaseFactory, ClientFactory
from tests.goals.conftest import STOCKHOLM

pytestmark = pytest.mark.browser

MARCH_20 = dt.datetime(2026, 3, 20, 10, 0, tzinfo=STOCKHOLM)
MAY_4 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=STOCKHOLM)
APRIL = dt.date(2026, 4, 1)


@pytest.fixture
def clients_in_a(org):
    for ref in ("K-A1", "K-A2", "K-A3"):
        CaseFactory(unit=org["a"], client=ClientFactory(organisation=org["root"], ref=ref))


def sign_out(page):
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url("**/logga-in/")


def test_the_whole_cycle(page, sign_in, personas, clients_in_a, org):
    alice, maria = personas["alice"], personas["maria"]
    with time_machine.travel(MARCH_20) as traveller:
        # 1. The caseworker sets next month's plan with named clients (htmx adds a row).
        sign_in(page, "alice")
        expect(
            page.get_by_role("link", name=re.compile("Sätt din plan för 2026-04"))
        ).to_be_visible()
        page.locator("nav[aria-label=Huvudmeny]").get_by_role("link", name="Min plan").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Min plan för 2026-04")
        page.get_by_label("Mitt mål för månaden").fill("2")
        page.get_by_label("Klientreferens, rad 1").fill("K-A1")
        page.get_by_label("Planerad åtgärd, rad 1").fill(
            "Praktik på lagret, uppföljning varje fredag"
        )
        page.get_by_role("button", name="Lägg till rad").click()
        page.get_by_label("Klientreferens, rad 2").fill("K-A2")
        page.get_by_label("Planerad åtgärd, rad 2").fill("Ansökan till Komvux")
        page.get_by_role("button", name="Spara planen").click()
        expect(page.get_by_text("Planen är sparad.")).to_be_visible()
        plan = IndividualTarget.objects.get(caseworker=alice, month=APRIL)
        assert plan.target == 2
        assert sorted(plan.named_clients.values_list("client_ref", flat=True)) == ["K-A1", "K-A2"]
        sign_out(page)

        # 2. The manager records an EOR above the sum, with a rationale.
        sign_in(page, "maria")
        page.locator("nav[aria-label=Huvudmeny]").get_by_role("link", name="Gruppmöte").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("EOR för 2026-04")
        expect(page.get_by_text("Praktik på lagret, uppföljning varje fredag")).to_be_visible()
        expect(page.get_by_test_id("target-sum")).to_have_text("2")
        page.get_by_role("spinbutton", name="Gruppens EOR").fill("3")
        page.get_by_label("Motivering", exact=True).fill(
            "Rekryteringsträffen ger en chans till utöver de namngivna."
        )
        page.get_by_label(alice.get_full_name()).check()
        page.get_by_label("Övriga deltagare (gäster)").fill("Omar Said, Komvux")
        page.get_by_role("button", name="Spara beslutet").click()
        expect(page.get_by_text("Gruppens EOR är sparat.")).to_be_visible()
        expect(page.get_by_test_id("eor-vs-sum")).to_contain_text(
            "EOR 3 – summa individuella mål 2"
        )
        expect(page.get_by_test_id("eor-vs-sum")).to_contain_text("+1")
        decision = GroupDecision.objects.get(unit=org["a"], month=APRIL)
        assert list(decision.participants.all()) == [alice]
        sign_out(page)

        # 3. After the month: the evaluation, then the month is closed.
        traveller.move_to(MAY_4)
        sign_in(page, "maria")
        page.locator("nav[aria-label=Huvudmeny]").get_by_role("link", name="Uppföljning").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            "Uppföljning Grupp A – 2026-04"
        )
        expect(page.get_by_text("EOR 3 – summa individuella mål 2")).to_be_visible()
        page.get_by_label("Vad fungerade?").fill("Fredagsuppföljningen höll tempot uppe.")
        page.get_by_label("Vad justerar vi?").fill("Bjud in Komvux till gruppmötet.")
        page.get_by_role("button", name="Spara utvärderingen").click()
        expect(page.get_by_test_id("evaluation")).to_contain_text(
            "Fredagsuppföljningen höll tempot uppe."
        )
        page.get_by_role("button", name="Stäng månaden").click()
        expect(page.get_by_test_id("month-status")).to_contain_text("Månaden är stängd")
        assert MonthFollowUp.objects.get(unit=org["a"], month=APRIL).is_closed
        assert maria.pk == MonthFollowUp.objects.get(unit=org["a"], month=APRIL).closed_by_id


def test_plan_rows_are_added_without_javascript(
    browser, live_server, transactional_db, personas, clients_in_a, sign_in
):
    context = browser.new_context(
        base_url=live_server.url, locale="sv-SE", java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        with time_machine.travel(MARCH_20):
            sign_in(page, "alice")
            page.goto(live_server.url + "/mal/plan/unit-a/2026-04/")
            page.get_by_label("Mitt mål för månaden").fill("1")
            page.get_by_label("Klientreferens, rad 1").fill("K-A3")
            page.get_by_label("Planerad åtgärd, rad 1").fill("Körkortsteori")
            page.get_by_role("button", name="Lägg till rad").click()  # a full round trip
            expect(page.get_by_label("Klientreferens, rad 2")).to_be_visible()
            expect(page.get_by_label("Klientreferens, rad 1")).to_have_value("K-A3")
            page.get_by_role("button", name="Spara planen").click()
            expect(page.get_by_text("Planen är sparad.")).to_be_visible()
        plan = IndividualTarget.objects.get(caseworker=personas["alice"])
        assert list(plan.named_clients.values_list("client_ref", flat=True)) == ["K-A3"]
    finally:
        context.close()
