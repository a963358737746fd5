"""Sign in through the real form in Chromium as each role and see that role's navigation.

Each app adds its navigation entries (templates/_nav_items.html): add them to EXPECTED below
as the role that must see them, and the test checks every other role does not.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# link text in nav[aria-label=Huvudmeny] -> the personas that must see it
EXPECTED: dict[str, set[str]] = {
    "Start": {"alice", "maria", "lena", "ada"},
    "Administration": {"ada"},
    "Instrumentpanel": {"alice", "maria", "lena", "ada"},
    "Översikt": {"maria", "lena", "ada"},
    "Min plan": {"alice"},
    "Min dag": {"alice"},
    "Gruppmöte": {"maria", "ada"},
    "Uppföljning": {"maria", "ada"},
    "Årsmål": {"maria", "lena", "ada"},  # leadership: the administration's year goals
    "Importera händelser": {"maria", "ada"},
    "Ändringslogg": {"maria", "ada"},
    "Åtkomstlogg": {"maria", "ada"},
}


@pytest.mark.parametrize("username", ["alice", "maria", "lena", "ada"])
def test_each_role_signs_in_and_sees_its_navigation(page, sign_in, personas, username):
    sign_in(page, username)

    nav = page.locator("nav[aria-label=Huvudmeny]")
    # the administrative links sit in a disclosure menu: open it from the keyboard first
    menu = nav.locator("summary", has_text="Administrera")
    if username in {"maria", "ada"}:
        menu.focus()
        page.keyboard.press("Enter")
        assert nav.locator("details[data-nav-menu]").get_attribute("open") is not None
    else:
        assert menu.count() == 0
    links = set(nav.get_by_role("link").all_inner_texts())
    for text, who in EXPECTED.items():
        if username in who:
            assert text in links, f"{username} should see {text!r} in {sorted(links)}"
        else:
            assert text not in links, f"{username} must not see {text!r}"

    if username in {"maria", "ada"}:
        # Escape closes the menu and gives focus back to its button
        page.keyboard.press("Escape")
        assert nav.locator("details[data-nav-menu]").get_attribute("open") is None
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"

    # the main row fits one line at 1366 px (the header is one row, not three)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.keyboard.press("Escape")
    tops = page.evaluate(
        "() => Array.from(document.querySelectorAll('.main-nav > ul > li, .user-box'))"
        ".map(e => Math.round(e.getBoundingClientRect().top))"
    )
    assert max(tops) - min(tops) < 20, f"{username}'s header wraps: {tops}"

    # and signing out works from the header
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url("**/logga-in/")
    assert page.locator("nav[aria-label=Huvudmeny]").count() == 0


def test_wrong_password_stays_on_the_form_with_an_error(page, personas, live_server):
    page.goto(live_server.url + "/logga-in/")
    page.get_by_label("Användarnamn").fill("alice")
    page.get_by_label("Lösenord").fill("fel-lösenord")
    page.get_by_role("button", name="Logga in").click()
    assert page.get_by_role("alert").is_visible()
    assert page.locator("nav[aria-label=Huvudmeny]").count() == 0
