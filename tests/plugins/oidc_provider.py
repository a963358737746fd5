"""A real OpenID Connect provider for tests that ask for `oidc_provider`.

`oidc_provider` starts scripts/oidc-provider.mjs (npm's `oidc-provider`, pinned in
package.json) on a free loopback port with a fresh client secret and the live server's
callback as the one redirect URI, and answers with its endpoints; it is stopped after the
test. The npm packages are installed with `npm ci` when node_modules lacks them.

Without `node` and `npm` these tests are deselected with a loud note, except under CI=true,
where the run stops and says what to install: CI must sign in through a real provider (as
tests/plugins/browser.py does for Chromium).
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugins.browser import _in_ci

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = "oidc_provider"
_missing_note: list[str] = []


def _node_missing() -> str | None:
    missing = [name for name in ("node", "npm") if shutil.which(name) is None]
    if not missing:
        # oidc-provider 9 (package.json) needs Node.js 20 or newer; Debian 12's own is 18.
        version = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        major = version.lstrip("v").split(".")[0]
        if major.isdigit() and int(major) >= 20:
            return None
        return f"node {version or '?'} is too old: the OpenID Connect provider needs Node.js 20+."
    return (
        f"{' and '.join(missing)} missing: the OpenID Connect sign-in test runs a real provider "
        "on Node.js (`sudo apt-get install nodejs npm`, or scripts/ensure-packages.sh node)."
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    wanted = [item for item in items if FIXTURE in getattr(item, "fixturenames", ())]
    message = _node_missing() if wanted else None
    if not message:
        return
    if _in_ci():
        raise pytest.UsageError(message)
    _missing_note.append(f"{len(wanted)} OpenID Connect tests DESELECTED: {message}")
    config.hook.pytest_deselected(items=wanted)
    items[:] = [item for item in items if FIXTURE not in getattr(item, "fixturenames", ())]


def pytest_terminal_summary(terminalreporter):
    for note in _missing_note:
        terminalreporter.write_sep("!", note, red=True, bold=True)


def npm_ci() -> None:
    """node_modules as package-lock.json says, installed once (CI starts without it)."""
    if (ROOT / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=ROOT,
        check=True,
        timeout=300,
    )


@pytest.fixture
def oidc_provider(live_server) -> Iterator[dict]:
    from django.urls import reverse

    npm_ci()
    secret = secrets.token_urlsafe(24)
    callback = live_server.url + reverse("audit:oidc_callback")
    process = subprocess.Popen(
        [
            "node",
            str(ROOT / "scripts" / "oidc-provider.mjs"),
            "--port=0",
            "--client-id=eor-test",
            f"--client-secret={secret}",
            f"--redirect-uri={callback}",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(30)
    if not first or not first[0].strip():
        process.kill()
        raise RuntimeError(f"the OpenID Connect provider did not start: {process.stderr.read()}")
    endpoints = json.loads(first[0])
    try:
        yield {**endpoints, "client_id": "eor-test", "client_secret": secret}
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
