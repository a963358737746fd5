"""A lead-time plan in Chromium: the caseworker names an open case (refused when it already
reached its end), the manager sees it at the meeting, Min dag shows its status."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from goals.models import GroupDecision, Indicator, PlannedCase
from tests.factories import CaseEventFactory, CaseFactory, ClientFactory
from tests.goals.conftest import STOCKHOLM

pytestmark = pytest.mark.browser

MARCH_20 = dt.datetime(2026, 3, 20, 10, 0, tzinfo=STOCKHOLM)


@pytest.fixture
def lead_time_unit(org, personas):
    """Unit A decided an utredningstid EOR for March; FS-1 waits, FS-2 has its decision."""
    GroupDecision.objects.create(
        unit=org["a"],
        month=dt.date(2026, 3, 1),
        indicator=Indicator.objects.get(code="utredningstid"),
        target=Decimal(7),
        rationale="Halvera utredningstiden",
        decided_by=personas["maria"],
    )
    for number, events in (
        ("FS-1", [("application_received", dt.date(2026, 3, 2))]),
        (
            "FS-2",
            [
                ("application_received", dt.date(2026, 3, 1)),
                ("decision", dt.date(2026, 3, 5)),
            ],
        ),
    ):
        case = CaseFactory(
            unit=org["a"],
            case_number=number,
            client=ClientFactory(organisation=org["root"], ref=f"K-{number[-1]}00"),
            caseworker=personas["alice"],
        )
        for kind, day in events:
            CaseEventFactory(case=case, event_type=kind, occurred_on=day)


def test_a_lead_time_plan_from_plan_to_meeting(page, sign_in, personas, lead_time_unit):
    with time_machine.travel(MARCH_20):
        sign_in(page, "alice")
        page.locator("nav[aria-label=Huvudmeny]").get_by_role("link", name="Min plan").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Min plan för 2026-04")
        expect(page.get_by_test_id("open-cases")).to_contain_text("FS-1")
        expect(page.get_by_test_id("open-cases")).not_to_contain_text("FS-2")
        page.get_by_label("Mitt mål för månaden").fill("0")
        # An ended case is refused with the reason; the rest of the input stays.
        page.get_by_label("Ärende, rad 1").fill("FS-2")
        page.get_by_label("Planerad åtgärd, ärenderad 1").fill("Beslut i veckan")
        page.get_by_role("button", name="Spara planen").click()
        expect(
            page.get_by_text(re.compile(r"Ärende 1 \(FS-2\): inget öppet ärende"))
        ).to_be_visible()
        expect(page.get_by_label("Planerad åtgärd, ärenderad 1")).to_have_value("Beslut i veckan")
        assert not PlannedCase.objects.exists()
        page.get_by_label("Ärende, rad 1").fill("FS-1")
        page.get_by_role("button", name="Spara planen").click()
        expect(page.get_by_text("Planen är sparad.")).to_be_visible()
        assert PlannedCase.objects.get().case_ref == "FS-1"
        page.get_by_role("button", name="Logga ut").click()
        page.wait_for_url("**/logga-in/")

        sign_in(page, "maria")
        page.locator("nav[aria-label=Huvudmeny]").get_by_role("link", name="Gruppmöte").click()
        planned = page.get_by_test_id("meeting-planned-cases")
        expect(planned).to_contain_text("FS-1")
        expect(planned).to_contain_text("Beslut i veckan")
        expect(planned.get_by_test_id("planned-count")).to_have_text("1")
