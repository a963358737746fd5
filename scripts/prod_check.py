"""The checks of `make prod-check`, run by scripts/prod-check.sh once the topology is up.

Through nginx over https (the certificate made by prod-check.sh is the only one trusted),
as a browser would: sign in with the login form (CSRF cookie and token, Origin and Referer),
then log one exit on each of N open cases with the case's exit form, several clients at once.
Each form carries its idempotency key (`submission_key`, cases/idempotency.py); when an
answer is lost (a 502, a reset connection) the client posts the same form again, as a
retrying browser or proxy would. Every tenth form is posted twice on purpose (a double click).

While the exits are being logged, gunicorn instance A is killed (SIGKILL to its process
group: a crash, requests in flight lost) and, a third of the exits later, started again with
the same command (scripts/entrypoint.sh web). Then:

- every form got its answer (the redirect to the case) within its retries;
- the database holds exactly one exit per form: nothing lost, nothing doubled;
- both instances served exits, and A served exits again after its restart;
- the figures API (`/api/v1/units/<code>/figures`, what the dashboards draw) shows the new
  exits within a timeout: the Celery worker's refresh caught up.

Needs the production environment prod-check.sh exports (DATABASE_URL and the rest): the
setup and the database checks use the ORM directly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
EXITS = 30
CLIENTS = 4
RETRY_SECONDS = 30
FIGURES_TIMEOUT = 90


def fail(message: str) -> None:
    print(f"prod-check FAILED: {message}", flush=True)
    raise SystemExit(1)


class Browser:
    """One signed-in user: cookies, CSRF, a fresh TLS connection per request (so a request
    can go to either instance)."""

    def __init__(self, url: str, cafile: str):
        parts = urlsplit(url)
        self.origin = url.rstrip("/")
        self.host, self.port = parts.hostname, parts.port
        self.context = ssl.create_default_context(cafile=cafile)
        self.cookies: dict[str, str] = {}
        self.lock = threading.Lock()

    def request(self, method: str, path: str, body: dict | None = None, headers=None):
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=30)
        with self.lock:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        head = {"Cookie": cookie, **(headers or {})}
        data = None
        if body is not None:
            data = urlencode(body)
            head.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.origin,
                    "Referer": self.origin + path,
                }
            )
        try:
            conn.request(method, path, body=data, headers=head)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                # A deletion (empty value, expired) carries no secret and Django sends it
                # without the flag; every cookie with a value must be Secure.
                if morsel.value and "secure" not in raw.lower():
                    fail(f"cookie {name} set without Secure behind TLS")
                with self.lock:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, text

    def retrying(self, method: str, path: str, body: dict | None = None, headers=None):
        """The request until an instance answers it (502/503/504 and dropped connections are
        what a client sees while an instance dies); (status, headers, text, attempts)."""
        deadline = time.monotonic() + RETRY_SECONDS
        attempts = 0
        while True:
            attempts += 1
            try:
                status, head, text = self.request(method, path, body, headers)
                if status not in (502, 503, 504):
                    return status, head, text, attempts
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                fail(f"{method} {path}: no answer within {RETRY_SECONDS} s")
            time.sleep(0.2)


def hidden(text: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', text) or re.search(
        rf'value="([^"]*)" name="{name}"', text
    )
    if not match:
        fail(f"no {name} in the form")
    return match.group(1)


def setup(password: str):
    """The caseworker with the most open cases in one group, EXITS of those cases, and a
    read token for the group's figures."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trelleborg.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db.models import Count

    from cases.models import Case
    from integrations.services import token_create

    open_cases = Case.objects.filter(caseworker__isnull=False).exclude(events__event_type="exit")
    best = (
        open_cases.values("caseworker_id", "unit_id")
        .annotate(n=Count("id"))
        .order_by("-n", "caseworker_id")
        .first()
    )
    if not best or best["n"] < EXITS:
        fail(f"no caseworker with {EXITS} open cases in one group ({best})")
    cases = list(
        open_cases.filter(caseworker_id=best["caseworker_id"], unit_id=best["unit_id"])
        .order_by("pk")
        .select_related("unit", "caseworker")[:EXITS]
    )
    user, unit = cases[0].caseworker, cases[0].unit
    _, secret = token_create(name="prod-check", scope="read", units=[unit])
    return user, unit, [c.pk for c in cases], secret


def sign_in(browser: Browser, username: str, password: str) -> None:
    status, _, text = browser.request("GET", "/logga-in/")
    if status != 200:
        fail(f"GET /logga-in/ answered {status}")
    status, head, text = browser.request(
        "POST",
        "/logga-in/",
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": hidden(text, "csrfmiddlewaretoken"),
            "next": "/",
        },
    )
    if status != 302 or "sessionid" not in browser.cookies:
        fail(f"sign-in answered {status}, not a redirect with a session ({text[:300]!r})")
    status, _, text = browser.request("GET", "/")
    if status != 200:
        fail(f"the start page after sign-in answered {status}")
    print(f"   signed in as {username} over https (CSRF, Secure cookies)", flush=True)


def figures_exits(browser: Browser, unit_code: str, secret: str, month: str) -> int:
    status, _, text, _ = browser.retrying(
        "GET",
        f"/api/v1/units/{unit_code}/figures?year={month[:4]}",
        headers={"Authorization": f"Bearer {secret}"},
    )
    if status != 200:
        fail(f"figures API answered {status}: {text[:300]}")
    for row in json.loads(text)["months"]:
        if row["month"] == month:
            return row["exits_total"]
    fail(f"figures API has no month {month}")
    return 0


def port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("url", "cafile", "password", "web-a-pidfile", "web-a-log", "web-b-log"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--web-a-port", type=int, required=True)
    parser.add_argument("--worker-log", default="")
    args = parser.parse_args()

    user, unit, case_ids, secret = setup(args.password)
    from django.utils import timezone

    from cases.models import CaseEvent, FormSubmission
    from trelleborg.months import format_month, today

    day = today()
    month = format_month(dt.date(day.year, day.month, 1))
    browser = Browser(args.url, args.cafile)
    sign_in(browser, user.username, args.password)
    before = figures_exits(browser, unit.code, secret, month)
    started_at = timezone.now()

    done = 0
    done_lock = threading.Lock()
    retried = 0
    keys: dict[int, str] = {}

    def log_exit(index_pk: tuple[int, int]) -> None:
        nonlocal done, retried
        index, pk = index_pk
        path = f"/arenden/{pk}/avslut/"
        status, _, text, _ = browser.retrying("GET", path)
        if status != 200:
            fail(f"GET {path} answered {status}")
        form = {
            "csrfmiddlewaretoken": hidden(text, "csrfmiddlewaretoken"),
            "submission_key": hidden(text, "submission_key"),
            "reason": "work",
            "occurred_on": day.isoformat(),
        }
        uuid.UUID(form["submission_key"])  # the form's own key, not one made up here
        keys[pk] = form["submission_key"]
        for _ in range(2 if index % 10 == 0 else 1):  # every tenth: a double click
            status, head, text, attempts = browser.retrying("POST", path, form)
            if status != 302 or head.get("Location", "") != f"/arenden/{pk}/":
                fail(f"POST {path} answered {status} {head.get('Location')} ({text[:300]!r})")
        with done_lock:
            done += 1
            retried += attempts - 1

    pid_a = int(Path(args.web_a_pidfile).read_text())
    web_a_log = Path(args.web_a_log)
    third = EXITS // 3
    t0 = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        # 1. Both instances up; A crashes halfway through, with requests in flight.
        futures = [pool.submit(log_exit, item) for item in enumerate(case_ids[:third])]
        while done < third // 2 and not any(f.done() and f.exception() for f in futures):
            time.sleep(0.02)
        os.killpg(pid_a, signal.SIGKILL)
        while port_open(args.web_a_port):
            time.sleep(0.05)
        print(f"   gunicorn A killed after {done} exits", flush=True)
        for future in futures:
            future.result()
        # 2. A is down: nginx sends everything to B.
        items = list(enumerate(case_ids))[third : 2 * third]
        for future in [pool.submit(log_exit, item) for item in items]:
            future.result()
        # 3. A started again with the same command; nginx takes it back after fail_timeout.
        restarted_at_size = web_a_log.stat().st_size
        with web_a_log.open("ab") as log:
            process = subprocess.Popen(
                [str(ROOT / "scripts" / "entrypoint.sh"), "web"],
                env={**os.environ, "GUNICORN_BIND": f"127.0.0.1:{args.web_a_port}"},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        Path(args.web_a_pidfile).write_text(str(process.pid))  # prod-check.sh stops it
        deadline = time.monotonic() + 60
        while not port_open(args.web_a_port):
            if process.poll() is not None or time.monotonic() > deadline:
                fail("gunicorn A did not start again")
            time.sleep(0.1)
        # nginx takes A back once its fail_timeout (2 s) has passed: until A's log shows a
        # request that came through nginx, keep asking for the start page.
        deadline = time.monotonic() + 30
        while b'"GET / ' not in web_a_log.read_bytes()[restarted_at_size:]:
            if time.monotonic() > deadline:
                fail("nginx sent nothing to gunicorn A within 30 s of its restart")
            browser.retrying("GET", "/")
            time.sleep(0.2)
        print(f"   gunicorn A started again after {done} exits", flush=True)
        items = list(enumerate(case_ids))[2 * third :]
        for future in [pool.submit(log_exit, item) for item in items]:
            future.result()
    seconds = time.monotonic() - t0
    print(
        f"   {EXITS} exits ({EXITS // 10} posted twice) by {CLIENTS} clients in {seconds:.1f} s, "
        f"{retried} posts retried after a lost answer",
        flush=True,
    )

    stored = CaseEvent.objects.filter(
        case_id__in=case_ids, event_type="exit", recorded_at__gte=started_at
    )
    per_case = {}
    for case_id in stored.values_list("case_id", flat=True):
        per_case[case_id] = per_case.get(case_id, 0) + 1
    lost = [pk for pk in case_ids if pk not in per_case]
    doubled = {pk: n for pk, n in per_case.items() if n > 1}
    if lost or doubled:
        fail(f"exits lost on cases {lost}, doubled on {doubled}")
    claimed = FormSubmission.objects.filter(key__in=[uuid.UUID(k) for k in keys.values()])
    if claimed.count() != EXITS:
        fail(f"{claimed.count()} idempotency keys stored for {EXITS} forms")
    print(f"   database: {EXITS} exits stored, one per accepted form", flush=True)

    served_a_after = web_a_log.read_bytes()[restarted_at_size:].count(b"/avslut/")
    served_b = Path(args.web_b_log).read_bytes().count(b"POST /arenden/")
    if served_a_after == 0 or served_b == 0:
        fail(f"instance A served {served_a_after} exit requests after restart, B {served_b}")
    print(f"   gunicorn A served {served_a_after} exit requests after its restart", flush=True)

    deadline = time.monotonic() + FIGURES_TIMEOUT
    t1 = time.monotonic()
    while True:
        now = figures_exits(browser, unit.code, secret, month)
        if now == before + EXITS:
            break
        if now > before + EXITS or time.monotonic() > deadline:
            fail(f"figures API shows {now} exits in {month}; expected {before} + {EXITS}")
        time.sleep(0.5)
    refreshed = Path(args.worker_log).read_text(errors="replace") if args.worker_log else ""
    if args.worker_log and not re.search(r"Task reports\.\w+\[[^]]+\] succeeded", refreshed):
        fail("the Celery worker's log shows no reports task that succeeded")
    print(
        f"   figures API: {before} → {now} exits in {month} for {unit.code}, "
        f"{time.monotonic() - t1:.1f} s after the last exit",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
