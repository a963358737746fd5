"""Each kind of EOR of the seeds, end to end over HTTP: the manager (or leadership, for the
administration) decides it for a month on the meeting page, the events that move it are
logged, and the meeting's judged EORs, the follow-up, the leadership overview and
`eor_report` judge it the same way: pågår while the month runs, then nådd / ej nådd.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from goals.models import GroupDecision, Indicator, ManualValue
from reports.compute import recompute
from reports.models import RollupRun
from tests.factories import CaseEventFactory, CaseFactory

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
BEFORE = dt.datetime(2026, 1, 26, 10, tzinfo=STOCKHOLM)  # the meeting, before February
DURING = dt.datetime(2026, 2, 20, 10, tzinfo=STOCKHOLM)  # February in progress
AFTER = dt.datetime(2026, 3, 5, 10, tzinfo=STOCKHOLM)  # February over
FEBRUARY = dt.date(2026, 2, 1)


def lead_pairs(unit, start, end, waits, program="forsorjningsstod"):
    """One case per wait: a start in January or February, its end in February."""
    for n, wait in enumerate(waits):
        case = CaseFactory(unit=unit, program=program)
        ended = dt.date(2026, 2, 10 + n)
        CaseEventFactory(case=case, event_type=start, occurred_on=ended - dt.timedelta(wait))
        CaseEventFactory(case=case, event_type=end, occurred_on=ended)


def exits(unit, count, program="forsorjningsstod"):
    for n in range(count):
        case = CaseFactory(unit=unit, program=program)
        CaseEventFactory(
            case=case, event_type="exit", occurred_on=dt.date(2026, 2, 3 + n), reason="work"
        )


# (indicator, target as typed on the page, events, outcome in the indicator's unit, reached)
SEEDS = {
    # the groups: exits to work or studies; met already on the 7th (reached early)
    "avslut": ("4", lambda u: exits(u, 5), 5, True),
    # Planering: exits in etablering (only those count)
    "avslut_etablering": (
        "3",
        lambda u: (exits(u, 2, program="etablering"), exits(u, 4)),
        2,
        False,
    ),
    # Stödprocess Myndighet: median utredningstid at most 7 days
    "utredningstid": (
        "7",
        lambda u: lead_pairs(u, "application_received", "decision", [3, 5, 6, 8, 9]),
        6,
        True,
    ),
    # Planering: time to intervention
    "ledtid_insats": (
        "14",
        lambda u: lead_pairs(u, "referral", "intervention_start", [10, 16, 20, 25, 30]),
        20,
        False,
    ),
    # Boendedrift – bosättning: time to an own housing contract
    "ledtid_kontrakt": (
        "60",
        lambda u: lead_pairs(u, "arrival", "housing_contract", [30, 40, 50, 55, 70]),
        50,
        True,
    ),
    # Insats: recruitment lead time, with a decimal target typed the Swedish way
    "ledtid_rekrytering": (
        "12,5",
        lambda u: lead_pairs(u, "recruitment_order", "candidate_matched", [8, 10, 12, 14, 20]),
        12,
        True,
    ),
    # Boendedrift – ensamkommande: school absence, a value entered by hand
    "franvaro_skola": (
        "8",
        lambda u: ManualValue.objects.create(
            unit=u,
            indicator=Indicator.objects.get(code="franvaro_skola"),
            month=FEBRUARY,
            value=Decimal("8.5"),
        ),
        8.5,
        False,
    ),
}


def refresh():
    recompute(trigger=RollupRun.Trigger.COMMAND)


def judged(client, unit, month="2026-02"):
    """{indicator code: status} from the judged EORs the meeting and follow-up load."""
    page = client.get(reverse("reports:partial_eors", args=[unit, month])).content.decode()
    return dict(_statuses(page))


def _statuses(page):
    import re

    return re.findall(r'data-indicator="([^"]+)" data-status="([^"]+)"', page)


def report(unit):
    out = io.StringIO()
    call_command("eor_report", "--unit", unit, "--year", "2026", stdout=out)
    feb = json.loads(out.getvalue())["months"][1]
    return {e["indicator"]: e for e in feb["eors"]}


def overview_row(client, unit, month="2026-02"):
    page = client.get(reverse("reports:overview"), {"month": month}).content.decode()
    return page[page.index(f'data-unit="{unit}"') :].split("</tr>")[0]


@pytest.mark.parametrize("code", list(SEEDS))
def test_each_kind_of_eor_is_decided_followed_and_judged_everywhere(code, client, org, maria, lena):
    target, make_events, outcome, reached = SEEDS[code]
    unit = org["a"]
    with time_machine.travel(BEFORE, tick=False):
        client.force_login(maria)
        meeting = reverse("goals:meeting", args=["unit-a", "2026-02"])
        response = client.post(
            meeting,
            {"indicator": code, "eor": target, "rationale": "Vi satsar", "version": "0"},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response.url.endswith(f"?indicator={code}")
        decision = GroupDecision.objects.get()
        assert decision.indicator.code == code
        assert decision.target == Decimal(target.replace(",", "."))
        page = client.get(response.url).content.decode()
        assert Indicator.objects.get(code=code).display_name in page
    make_events(unit)
    refresh()

    with time_machine.travel(DURING, tick=False):
        # Pågår: never "not reached" before the month ends (an exit EOR met may be reached).
        early = "natt" if (code == "avslut") else "pagar"
        client.force_login(maria)  # sessions last hours, not weeks
        assert judged(client, "unit-a") == {code: early}
        followup = client.get(reverse("reports:partial_followup", args=["unit-a", "2026-02"]))
        assert dict(_statuses(followup.content.decode())) == {code: early}
        # eor_report's contract: `reached` null while the month runs, whatever the pages say.
        assert report("unit-a")[code]["reached"] is None
        client.force_login(lena)
        assert f'data-indicator="{code}" data-status="{early}"' in overview_row(client, "unit-a")

    with time_machine.travel(AFTER, tick=False):
        status = "natt" if reached else "ej_natt"
        client.force_login(maria)
        assert judged(client, "unit-a") == {code: status}
        followup = client.get(reverse("reports:partial_followup", args=["unit-a", "2026-02"]))
        assert dict(_statuses(followup.content.decode())) == {code: status}
        page = client.get(reverse("goals:followup", args=["unit-a", "2026-02"])).content
        exit_eor = Indicator.objects.get(code=code).kind == Indicator.Kind.EXITS
        assert (f"EOR {target} – summa" in page.decode()) is exit_eor
        assert ("Gruppens EOR gäller en ledtid" in page.decode()) is not exit_eor
        entry = report("unit-a")[code]
        assert (entry["outcome"], entry["reached"]) == (outcome, reached)
        client.force_login(lena)
        row = overview_row(client, "unit-a")
        assert f'data-indicator="{code}" data-status="{status}"' in row
        assert ("Nådd" if reached else "Ej nådd") in row
        assert code not in row.split("data-indicator")[0]  # words, never the code, shown


def test_a_unit_decides_two_eors_in_a_month_each_with_its_own_history(client, org, maria):
    with time_machine.travel(BEFORE, tick=False):
        client.force_login(maria)
        meeting = reverse("goals:meeting", args=["unit-a", "2026-02"])
        post = {"rationale": "r", "version": "0"}
        client.post(meeting, {**post, "indicator": "ledtid_insats", "eor": "14"})
        client.post(meeting, {**post, "indicator": "avslut_etablering", "eor": "3"})
        # A revision of one leaves the other alone, and asks for a reason.
        refused = client.post(
            meeting, {**post, "indicator": "ledtid_insats", "eor": "12", "version": "1"}
        )
        assert refused.status_code == 200 and "Ange skälet" in refused.content.decode()
        client.post(
            meeting,
            {
                **post,
                "indicator": "ledtid_insats",
                "eor": "12",
                "version": "1",
                "revision_reason": "Nya remisser",
            },
        )
        rows = list(
            GroupDecision.objects.order_by("indicator__code", "version").values_list(
                "indicator__code", "version", "target"
            )
        )
        assert rows == [
            ("avslut_etablering", 1, 3),
            ("ledtid_insats", 1, 14),
            ("ledtid_insats", 2, 12),
        ]
        page = client.get(meeting + "?indicator=ledtid_insats").content.decode()
        assert "Nya remisser" in page and 'data-testid="eor-list"' in page
        # An exit EOR must be whole: 2,5 exits is refused.
        bad = client.post(meeting, {**post, "indicator": "avslut", "eor": "2,5"})
        assert "heltal" in bad.content.decode()


def test_the_meeting_shows_a_lead_time_eors_material(client, org, maria, lena):
    unit = org["a"]
    lead_pairs(unit, "application_received", "decision", [4, 6, 10])
    waiting = CaseFactory(unit=unit)
    CaseEventFactory(
        case=waiting, event_type="application_received", occurred_on=dt.date(2026, 1, 2)
    )
    refresh()
    with time_machine.travel(AFTER, tick=False):
        client.force_login(maria)
        meeting = reverse("goals:meeting", args=["unit-a", "2026-04"])
        page = client.get(meeting + "?indicator=utredningstid").content.decode()
        material_url = reverse("reports:partial_eor_material", args=["unit-a", "2026-04"])
        assert f"{material_url}?indicator=utredningstid" in page
        material = client.get(
            material_url, {"indicator": "utredningstid"}, HTTP_HX_REQUEST="true"
        ).content.decode()
        manual = client.get(
            material_url, {"indicator": "franvaro_skola"}, HTTP_HX_REQUEST="true"
        ).content.decode()
        client.force_login(lena)
        for_leadership = client.get(
            material_url, {"indicator": "utredningstid"}, HTTP_HX_REQUEST="true"
        ).content.decode()
    assert 'data-testid="backlog">1<' in material  # the start of 2 January, still open
    # Outside the unit (leadership): no single case's wait, no median over fewer than 5.
    assert 'data-testid="oldest-waits">–<' in for_leadership
    assert 'data-testid="best-month">–<' in for_leadership
    assert 'data-testid="backlog">1<' in for_leadership
    assert 'data-testid="oldest-waits">62<' in material  # 2 January → 5 March
    assert "2026-02: 6 d" in material  # the best (and only) month: median of 4, 6, 10
    assert "ej inmatat" in manual


def test_leadership_records_the_administrations_eor_and_nothing_else(client, org, lena):
    with time_machine.travel(BEFORE, tick=False):
        client.force_login(lena)
        root = reverse("goals:meeting", args=["org", "2026-02"])
        overview = client.get(reverse("reports:overview")).content.decode()
        assert f'href="{root}">Besluta EOR för hela Testkommunen<' in overview
        page = client.get(root)
        assert page.status_code == 200
        assert "Individuella mål och namngivna klienter" not in page.content.decode()
        response = client.post(
            root, {"indicator": "utredningstid", "eor": "6", "rationale": "Halvera", "version": "0"}
        )
        assert response.status_code == 302
        assert GroupDecision.objects.get().unit == org["root"]
        # A group's meeting stays the manager's.
        group = reverse("goals:meeting", args=["unit-a", "2026-02"])
        assert client.get(group).status_code == 404
        assert client.post(group, {"eor": "3", "rationale": "r", "version": "0"}).status_code == 404
    assert GroupDecision.objects.count() == 1


def test_a_parent_without_its_own_exit_eor_shows_the_labelled_sum(client, org, maria, lena):
    for unit, eor in ((org["a"], 4), (org["b"], 5)):
        GroupDecision.objects.create(unit=unit, month=FEBRUARY, eor=eor, rationale="r")
    GroupDecision.objects.create(
        unit=org["b"],
        month=FEBRUARY,
        indicator=Indicator.objects.get(code="utredningstid"),
        target=7,
        rationale="r",
    )
    exits(org["a"], 3)
    refresh()
    with time_machine.travel(AFTER, tick=False):
        client.force_login(lena)
        row = overview_row(client, "org")
        assert "(summa av gruppernas EOR) ≥ 9: 3" in row
        assert row.count("data-indicator=") == 1  # lead-time EORs are never summed
        dashboard = client.get(reverse("reports:dashboard"), {"unit": "org", "year": "2026"})
        assert "EOR (summa av gruppernas EOR)" in dashboard.content.decode()
        printed = client.get(reverse("reports:monthly_report"), {"unit": "org", "month": "2026-02"})
        assert "Gruppens EOR (summa av gruppernas EOR)" in printed.content.decode()
        assert report("org") == {}  # eor_report lists only the unit's own decisions


def test_the_export_has_the_eors_column_with_small_numbers_hidden(client, org, maria, lena):
    GroupDecision.objects.create(
        unit=org["a"],
        month=FEBRUARY,
        indicator=Indicator.objects.get(code="utredningstid"),
        target=7,
        rationale="r",
    )
    lead_pairs(org["a"], "application_received", "decision", [3, 5])
    refresh()
    with time_machine.travel(AFTER, tick=False):
        client.force_login(lena)
        body = client.get(
            reverse("reports:export"), {"unit": "unit-a", "year": "2026", "format": "csv"}
        ).content.decode("utf-8-sig")
        assert "Månadens EOR: mål, utfall, status" in body.splitlines()[0]
        assert "Utredningstid (ansökan → beslut) ≤ 7 d: färre än 5 ärenden ✓ Nådd" in body
        client.force_login(maria)
        body = client.get(
            reverse("reports:export"), {"unit": "unit-a", "year": "2026", "format": "csv"}
        ).content.decode("utf-8-sig")
        assert "≤ 7 d: 4 d ✓ Nådd" in body


def test_the_wide_audience_export_never_shows_an_exit_outcome_it_hides(client, org, maria):
    GroupDecision.objects.create(unit=org["a"], month=FEBRUARY, eor=2, rationale="r")
    exits(org["a"], 3)
    refresh()
    with time_machine.travel(AFTER, tick=False):
        client.force_login(maria)
        query = {"unit": "unit-a", "year": "2026", "format": "csv", "kind": "monthly_public"}
        body = client.get(reverse("reports:export"), query).content.decode("utf-8-sig")
    february = next(line for line in body.splitlines() if "2026-02" in line)
    assert "Avslut till arbete eller studier ≥ 2: <5 ✓ Nådd" in february
    assert ": 3 " not in february
