"""Screenshots of each demo role's start page at 390 px (a phone) and 1366 px (a laptop).

    make run                                   # in one terminal: the demo on :8000
    .venv/bin/python scripts/screenshots.py    # in another: writes docs/screenshots/*.png

Options: --base-url (default http://127.0.0.1:8000), --out (default docs/screenshots),
--password (default the demo's). Uses Debian's Chromium through Playwright like the browser
tests (EOR_CHROMIUM overrides the path); never downloads a browser.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# role, username: the demo's featured sign-ins (goals/demo.py FEATURED; demo_logins prints them)
ROLES = [
    ("handlaggare", "anna.lind"),
    ("enhetschef", "maria.holm"),
    ("ledning", "karin.ek"),
    ("administrator", "admin"),
]
WIDTHS = (390, 1366)
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--password", default="eor-demo-2018")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    chromium = os.environ.get("EOR_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        for role, username in ROLES:
            context = browser.new_context(
                base_url=args.base_url, locale="sv-SE", viewport={"width": 1366, "height": 900}
            )
            page = context.new_page()
            page.goto("/logga-in/")
            page.get_by_label("Användarnamn").fill(username)
            page.get_by_label("Lösenord").fill(args.password)
            page.get_by_role("button", name="Logga in").click()
            page.wait_for_url(args.base_url.rstrip("/") + "/")
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.reload()
                page.wait_for_load_state("networkidle")
                target = args.out / f"{role}-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                sys.stdout.write(f"{target}\n")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
