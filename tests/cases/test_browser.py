"""The caseworker's flows in a real browser (Chromium via Playwright)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import CaseEvent

pytestmark = pytest.mark.browser


def test_log_exit_without_reload(page, sign_in, live_server, alice, case_a):
    sign_in(page, "alice")
    page.goto(live_server.url + reverse("cases:case_detail", args=[case_a.pk]))
    page.evaluate("window.__sameDocument = true")
    form = page.locator("#exit-form")
    form.get_by_label("Orsak").select_option("work")
    form.get_by_role("button", name="Registrera avslut").click()
    page.get_by_text("Avslutet är registrerat.").wait_for()
    # the timeline reloaded itself through the HX-Trigger, the page did not
    page.locator("#timeline").get_by_text("Avslut", exact=True).wait_for()
    assert page.evaluate("window.__sameDocument") is True
    assert CaseEvent.objects.exits().get().reason == "work"

    # a second exit in the same month asks for confirmation first
    form = page.locator("#exit-form")
    form.get_by_label("Orsak").select_option("studies")
    form.get_by_role("button", name="Registrera avslut").click()
    confirm = page.get_by_label("Ja, registrera ett avslut till i samma månad")
    confirm.wait_for()
    assert CaseEvent.objects.exits().count() == 1
    page.locator("#exit-form").get_by_label("Orsak").select_option("studies")
    confirm.check()
    page.locator("#exit-form").get_by_role("button", name="Registrera avslut").click()
    page.get_by_text("Avslutet är registrerat.").wait_for()
    assert CaseEvent.objects.exits().count() == 2


def test_log_event(page, sign_in, live_server, alice, case_a):
    sign_in(page, "alice")
    page.goto(live_server.url + reverse("cases:case_detail", args=[case_a.pk]))
    form = page.locator("#event-form")
    form.get_by_label("Händelse").select_option("decision")
    form.get_by_label("Beslutssätt (för beslut)").select_option("assisted")
    form.get_by_role("button", name="Registrera händelse").click()
    page.get_by_text("Händelsen är registrerad.").wait_for()
    page.locator("#timeline").get_by_text("beslutssätt: Assisterat").wait_for()
    assert CaseEvent.objects.of_type("decision").get().decision_mode == "assisted"


def test_live_search(page, sign_in, live_server, alice, case_a):
    sign_in(page, "alice")
    page.goto(live_server.url + reverse("cases:my_cases"))
    page.get_by_role("link", name="A-1").wait_for()
    page.get_by_label("Sök på klientreferens eller ärendenummer").fill("finns-inte")
    page.get_by_text("Inga ärenden matchar sökningen.").wait_for()


def test_import_preview_then_confirm(page, sign_in, live_server, maria, tmp_path):
    path = tmp_path / "handelser.csv"
    path.write_text(
        "event_id;case_id;client_ref;unit;event_type;occurred_on;reason\n"
        "w1;W1;K-501;unit-a;application_received;2018-01-03;\n"
        "w2;W1;K-501;unit-a;exit;2018-02-03;work\n"
        "w3;W2;K-502;unit-a;exit;2018-02-03;\n",
        encoding="utf-8",
    )
    sign_in(page, "maria")
    page.goto(live_server.url + reverse("cases:import_events"))
    page.get_by_label("CSV-fil med händelser").set_input_files(str(path))
    page.get_by_role("button", name="Förhandsgranska").click()
    page.get_by_text("Filen har 1 fel").wait_for()
    assert "reason" in page.locator(".import-errors").inner_text()
    assert not CaseEvent.objects.exists()

    path.write_text(
        path.read_text(encoding="utf-8").replace("exit;2018-02-03;\n", "exit;2018-02-03;studies\n"),
        encoding="utf-8",
    )
    page.get_by_label("CSV-fil med händelser").set_input_files(str(path))
    page.get_by_role("button", name="Förhandsgranska").click()
    page.locator('[data-count="new"]').get_by_text("3").wait_for()
    assert not CaseEvent.objects.exists()
    page.get_by_role("button", name="Bekräfta och importera").click()
    page.get_by_text("är importerad: 3 nya").wait_for()
    assert CaseEvent.objects.count() == 3


def test_min_dag_one_tap_and_one_confirmation_logs_the_exit(
    page, sign_in, live_server, alice, case_a
):
    from goals.models import IndividualTarget, NamedClient
    from trelleborg import months

    plan = IndividualTarget.objects.create(
        unit=case_a.unit, caseworker=alice, month=months.current_month(), target=1
    )
    NamedClient.objects.create(
        target=plan, client_ref=case_a.client.ref, planned_action="Matchning mot jobb"
    )
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "alice")
    page.goto(live_server.url + "/")
    page.get_by_role("heading", name="Min dag").wait_for()
    page.get_by_role("link", name="Registrera avslut").click()  # the one tap
    assert page.get_by_label("Arbete").is_checked()  # reason preselected
    page.get_by_role("button", name="Bekräfta avslut").click()  # the one confirmation
    page.get_by_text(f"Avslutet för {case_a.client.ref} är registrerat.").wait_for()
    page.get_by_text("Avslutad: Arbete").wait_for()
    event = CaseEvent.objects.exits().get()
    assert (event.case_id, event.reason, event.recorded_by_id) == (case_a.pk, "work", alice.pk)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"Min dag overflows at 390 px: {width}"
