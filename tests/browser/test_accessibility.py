"""Every page every demo role can reach passes axe-core's WCAG 2.1 A/AA rules, at 1366 px and
at 390 px, and no page scrolls sideways on a phone (issue 15).

One test, so the demo data loads once and one Chromium serves every role: it signs in as each
demo role, walks the pages that role reaches (tests/browser/pagewalk.py: the header's links,
the "Administrera" menu and the admin included, then one page of each kind they link to) and
collects every violation before failing, so one run lists them all. Marked `axe` as well as
`browser` so CI can run it once rather than on every database.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from goals.demo import DEMO_PASSWORD, FEATURED, run_demo
from tests.browser.pagewalk import walk

pytestmark = [pytest.mark.browser, pytest.mark.axe, pytest.mark.once]

WIDTHS = (1366, 390)
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG21_AA}, "resultTypes": ["violations"]}
OVERFLOW_JS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def describe(violation: dict) -> str:
    nodes = ", ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:5])
    more = len(violation["nodes"]) - 5
    return f"{violation['id']} ({violation.get('impact')}): {violation['help']} — {nodes}" + (
        f" (+{more} more)" if more > 0 else ""
    )


@pytest.mark.timeout(600)
def test_every_page_of_every_demo_role_passes_axe_and_fits_a_phone(
    browser, live_server, transactional_db
):
    from axe_playwright_python.sync_playwright import Axe

    run_demo(password=DEMO_PASSWORD, log=lambda line: None)
    axe = Axe()
    failures: list[str] = []
    walked: dict[str, int] = {}

    def check(page, where: str) -> None:
        """axe at each width, and no sideways scrolling on the phone."""
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(150)  # plotly's responsive charts relayout on resize
            at = f"{where} @{width}px"
            for violation in axe.run(page, options=AXE_OPTIONS).response["violations"]:
                failures.append(f"{at}: {describe(violation)}")
            if width == 390:
                scroll, client = page.evaluate(OVERFLOW_JS)
                if scroll > client:
                    failures.append(f"{at}: the page scrolls sideways ({scroll} > {client})")
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})

    def signed_in(username: str, locale: str = "sv-SE"):
        # bypass_csp: axe is injected as a script, which the app's CSP (rightly) forbids
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            viewport={"width": WIDTHS[0], "height": 900},
            bypass_csp=True,
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(reverse("login"))
        if not walked:
            check(page, "(signed out) " + reverse("login"))
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(DEMO_PASSWORD)
        page.locator("main form [type=submit]").click()
        page.wait_for_url(live_server.url + reverse("home"))
        return context, page

    for _role, (username, *_rest) in FEATURED.items():
        context, page = signed_in(username)
        walked[username] = 0
        for path in walk(page, live_server.url):
            walked[username] += 1
            check(page, f"{username} {path}")
        context.close()

    # English is a second set of strings and colours of its own (the issue saw contrast
    # problems on the English dashboard): leadership's start page and dashboard in English.
    context, page = signed_in("karin.ek", locale="en-GB")
    for path in (reverse("home"), reverse("reports:dashboard")):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "en"
        check(page, f"karin.ek (en) {path}")
    context.close()

    # the walk reached the pages that matter, not just the start page
    assert walked["anna.lind"] >= 6 and walked["maria.holm"] >= 12, walked
    assert walked["admin"] > walked["maria.holm"], walked  # the admin's own pages too
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)
