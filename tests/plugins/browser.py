"""Playwright against Debian's Chromium, for tests marked `browser`.

Fixtures: `browser` (session: one headless Chromium), `page` (a fresh context per test) and
`sign_in(page, username, password=...)`, which signs in through the real login form of
pytest-django's `live_server`. Browser tests need the live server's committed data, so every
test using `page` gets `transactional_db`.

Without /usr/bin/chromium the browser tests are deselected with a loud note, except under
CI=true, where the run stops and says to install it: CI must exercise the browser.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

CHROMIUM = os.environ.get("EOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PERSONA_PASSWORD = "test-password-123"
_missing_note: list[str] = []


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items or os.access(CHROMIUM, os.X_OK):
        return
    message = (
        f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
        "(`sudo apt-get install chromium`; never `playwright install`)."
    )
    if _in_ci():
        raise pytest.UsageError(message)
    _missing_note.append(f"{len(browser_items)} browser tests DESELECTED: {message}")
    config.hook.pytest_deselected(items=browser_items)
    items[:] = [item for item in items if not item.get_closest_marker("browser")]


def pytest_terminal_summary(terminalreporter):
    for note in _missing_note:
        terminalreporter.write_sep("!", note, red=True, bold=True)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's async-safety check
    # would then refuse the test's own ORM calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@pytest.fixture
def page(browser, live_server, transactional_db) -> Iterator:
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def sign_in(live_server) -> Callable:
    """sign_in(page, username, password=PERSONA_PASSWORD): the real login form, then home."""
    from django.urls import reverse

    def _sign_in(page, username: str, password: str = PERSONA_PASSWORD):
        page.goto(live_server.url + reverse("login"))
        page.get_by_label("Användarnamn").fill(username)
        page.get_by_label("Lösenord").fill(password)
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_url(live_server.url + reverse("home"))
        return page

    return _sign_in
