"""The monthly cycle in Chromium, as the real roles: plan → group decision → exits logged on
the cases page → follow-up (outcome, hit rate, evaluation) → close.

The outcome and hit-rate figures of the follow-up are reports' partials, loaded by htmx into
the goals page; the exits reach them through the real path (cases' events_changed → reports'
refresh, eager Celery in tests → rollups).
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
APRIL_15 = dt.datetime(2026, 4, 15, 9, 0, tzinfo=STOCKHOLM)
MAY_4 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=STOCKHOLM)
APRIL = dt.date(2026, 4, 1)


@pytest.fixture
def clients_in_a(org, personas):
    # Alice's own cases: "Mina ärenden" lists the cases assigned to the caseworker.
    for ref in ("K-A1", "K-A2", "K-A3"):
        CaseFactory(
            unit=org["a"],
            client=ClientFactory(organisation=org["root"], ref=ref),
            caseworker=personas["alice"],
        )


def sign_out(page):
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url("**/logga-in/")


def log_exit(page, ref, reason):
    """Through the cases page, as a caseworker does: Mina ärenden → the case → Registrera
    avslut (dated today)."""
    page.locator("nav[aria-label=Huvudmeny]").get_by_role("link", name="Mina ärenden").click()
    page.get_by_role("row", name=re.compile(ref)).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ärende")
    form = page.locator("#exit-form")
    form.get_by_label("Orsak").select_option(reason)
    form.get_by_role("button", name="Registrera avslut").click()
    expect(page.get_by_text("Avslutet är registrerat.")).to_be_visible()


def test_the_whole_cycle(page, sign_in, personas, clients_in_a, org):
    alice, maria = personas["alice"], personas["maria"]
    with time_machine.travel(MARCH_20) as traveller:
        # 1. The caseworker sets next month's plan with named clients (htmx adds a row).
        sign_in(page, "alice")
        expect(
            # Min dag (a caseworker's start page since issue 15) lists the plan that is due.
            page.get_by_role("link", name=re.compile("(Sätt din plan|Plan) för 2026-04"))
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
        # reports' partials, loaded by htmx: six months of outcomes, no record yet, the pace
        expect(page.get_by_test_id("recent-outcomes").locator("tbody tr")).to_have_count(6)
        expect(page.get_by_test_id("record-month")).to_have_text(
            "Inga avslut till arbete eller studier registrerade ännu."
        )
        expect(page.get_by_test_id("pace")).to_contain_text("Hittills i år (3 månader)")
        page.get_by_role("textbox", name=re.compile("^Gruppens EOR")).fill("3")
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

        # 3. During the month the caseworker logs exits on the cases page: K-A1 (named) to
        #    work, K-A3 (nobody named) to studies.
        traveller.move_to(APRIL_15)
        sign_in(page, "alice")
        log_exit(page, "K-A1", "work")
        log_exit(page, "K-A3", "studies")
        sign_out(page)

        # 4. After the month: outcome and hit rate (reports' partials), the evaluation, and
        #    the month is closed.
        traveller.move_to(MAY_4)
        sign_in(page, "maria")
        page.locator("nav[aria-label=Huvudmeny]").get_by_role("link", name="Uppföljning").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            "Uppföljning Grupp A – 2026-04"
        )
        expect(page.get_by_text("EOR 3 – summa individuella mål 2")).to_be_visible()
        outcome = page.get_by_test_id("followup")
        expect(outcome.locator("dl.figures dd")).to_have_text(["2", "2"])
        # The EOR judged by reports.judging: April is over, 2 exits against 3.
        expect(outcome.get_by_test_id("eors-judged").locator("tbody tr")).to_have_text(
            re.compile(r"Avslut till arbete eller studier\s*≥ 3\s*2\s*Ej nådd ✗")
        )
        named = outcome.locator("h4 + ul")
        expect(named.nth(0)).to_have_text(re.compile(r"^\s*K-A1 \(.+\)\s*$"))
        expect(named.nth(1)).to_have_text(re.compile(r"^\s*K-A2 \(.+\)\s*$"))
        expect(named.nth(2)).to_have_text(re.compile(r"^\s*K-A3\s*$"))  # nobody named it
        alice_name = alice.get_full_name() or alice.username
        expect(outcome.get_by_role("row", name=re.compile(re.escape(alice_name)))).to_have_text(
            re.compile(r"2\s*1\s*50 %")
        )
        group = page.get_by_test_id("hit-rate").locator("tfoot tr")
        expect(group).to_have_text(re.compile(r"Gruppen\s*2\s*1\s*50 %"))
        page.get_by_label("Vad fungerade?").fill("Fredagsuppföljningen höll tempot uppe.")
        page.get_by_label("Vad justerar vi?").fill("Bjud in Komvux till gruppmötet.")
        page.get_by_role("button", name="Spara utvärderingen").click()
        expect(page.get_by_test_id("evaluation")).to_contain_text(
            "Fredagsuppföljningen höll tempot uppe."
        )
        page.get_by_role("button", name="Stäng månaden").click()
        expect(page.get_by_test_id("month-status")).to_contain_text("Månaden är stängd")
        expect(page.get_by_test_id("evaluation")).to_contain_text("Bjud in Komvux")
        expect(page.get_by_test_id("hit-rate").locator("tfoot tr")).to_contain_text("50 %")
        assert MonthFollowUp.objects.get(unit=org["a"], month=APRIL).is_closed
        assert maria.pk == MonthFollowUp.objects.get(unit=org["a"], month=APRIL).closed_by_id
        # and April's two exits are now the unit's record month on the meeting page
        page.get_by_role("link", name="Till gruppmötet för månaden").click()
        expect(page.get_by_test_id("record-month")).to_have_text(
            "Rekordet är 2 avslut till arbete eller studier, i april 2026."
        )
        expect(page.get_by_test_id("recent-outcomes")).to_contain_text("2026-03")


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


def test_the_manager_decides_a_lead_time_eor_and_sees_it_judged(page, sign_in, personas, org):
    """A lead-time EOR in the meeting: pick the indicator, see its material (backlog, oldest
    waits), decide a target in days; pågår while the month runs, nådd after it."""
    from reports.compute import recompute
    from reports.models import RollupRun
    from tests.factories import CaseEventFactory

    waiting = CaseFactory(unit=org["a"])
    CaseEventFactory(
        case=waiting, event_type="application_received", occurred_on=dt.date(2026, 3, 2)
    )
    with time_machine.travel(MARCH_20) as traveller:
        sign_in(page, "maria")
        page.goto("/mal/gruppmote/unit-a/2026-04/")
        page.get_by_role("link", name="Utredningstid (ansökan → beslut)").click()
        material = page.get_by_test_id("eor-material")
        expect(material.get_by_test_id("backlog")).to_have_text("1")
        expect(material.get_by_test_id("oldest-waits")).to_have_text("18")
        page.get_by_role("textbox", name=re.compile("^Gruppens EOR")).fill("6,5")
        page.get_by_label("Motivering", exact=True).fill("Halvera utredningstiden: äldst först.")
        page.get_by_role("button", name="Spara beslutet").click()
        expect(page.get_by_text("Gruppens EOR är sparat.")).to_be_visible()
        expect(page.get_by_test_id("eor-list")).to_contain_text(
            "Utredningstid (ansökan → beslut): ≤ 6,5 d"
        )
        expect(page.get_by_test_id("eors-judged").locator("tbody tr")).to_contain_text("Pågår")
        decision = GroupDecision.objects.get(unit=org["a"], month=APRIL)
        assert (decision.indicator.code, str(decision.target)) == ("utredningstid", "6.50")

        # April: three applications decided in 4, 6 and 8 days (median 6 ≤ 6,5).
        for wait in (4, 6, 8):
            case = CaseFactory(unit=org["a"])
            CaseEventFactory(
                case=case, event_type="application_received", occurred_on=dt.date(2026, 4, 1)
            )
            CaseEventFactory(
                case=case, event_type="decision", occurred_on=dt.date(2026, 4, 1 + wait)
            )
        recompute(trigger=RollupRun.Trigger.COMMAND)
        traveller.move_to(MAY_4)
        sign_in(page, "maria")
        page.goto("/mal/gruppmote/unit-a/2026-04/?indicator=utredningstid")
        row = page.get_by_test_id("eors-judged").locator("tbody tr")
        expect(row).to_contain_text("6 d")
        expect(row).to_contain_text("Nådd ✓")
