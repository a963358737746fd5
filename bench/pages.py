"""Benchmark 3: server time and query count of the five busiest pages.

    python -m bench.pages [--repeat N] [--json]

In-process with Django's test client (no network, DEBUG off), signed in as realistic users of
the LARGEST organisation of the data set (the pages' work grows with the organisation):

- unit dashboard (rapporter/): its leadership user, at the organisation's root;
- leadership overview (rapporter/oversikt/): the same user;
- group meeting (mal/gruppmote/UNIT/MONTH/): the manager of its largest group, this month;
- "Min dag" (arenden/min-dag/, `cases:my_day`, the caseworker's start page): a caseworker of
  that group (the one with the most cases);
- "Mina ärenden" (arenden/): the same caseworker (first page, 50 cases).

Each page is requested a few times to warm up, then `--repeat` times timed; the query count
comes from one extra request under CaptureQueriesContext (timed requests run without it).
Target (issues 7 and 16): p95 ≤ 100 ms and ≤ 10 queries per page.
"""

from __future__ import annotations

import time

from bench import common


def pick_users():
    """(leadership user, root), (manager, group), caseworker: of the largest organisation."""
    from django.db.models import Count

    from cases.models import Case
    from goals.models import Membership, Unit
    from trelleborg.vocabulary import Role

    biggest = (
        Case.objects.values("organisation_id")
        .annotate(n=Count("id"))
        .order_by("-n", "organisation_id")
        .first()
    )
    root = Unit.objects.get(pk=biggest["organisation_id"])
    group_row = (
        Case.objects.filter(organisation=root)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by("-n", "unit_id")
        .first()
    )
    group = Unit.objects.get(pk=group_row["unit_id"])
    memberships = Membership.objects.select_related("user")
    leader = memberships.filter(unit=root, role=Role.LEADERSHIP).first().user
    manager = memberships.filter(unit=group, role=Role.MANAGER).first().user
    caseworker = (
        Case.objects.filter(unit=group, caseworker__isnull=False)
        .values("caseworker_id")
        .annotate(n=Count("id"))
        .order_by("-n", "caseworker_id")
        .first()
    )
    worker = memberships.filter(user_id=caseworker["caseworker_id"]).first().user
    return (leader, root), (manager, group), worker


def measure(client, url: str, *, repeat: int, warmup: int = 3) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {"url": url, "queries": len(queries.captured_queries), **common.summary_ms(times)}


def main() -> None:
    args_parser = common.parser(__doc__.splitlines()[0])
    args_parser.add_argument("--repeat", type=int, default=50)
    args = args_parser.parse_args()
    common.setup_django()
    from django.test import Client
    from django.urls import reverse

    from trelleborg.months import current_month, format_month

    common.ensure_rollups()
    repeat = 3 if args.smoke else args.repeat
    (leader, root), (manager, group), worker = pick_users()
    month = format_month(current_month())
    pages = {
        "unit_dashboard": (leader, f"{reverse('reports:dashboard')}?unit={root.code}"),
        "leadership_overview": (leader, reverse("reports:overview")),
        "group_meeting": (
            manager,
            reverse("goals:meeting", kwargs={"unit_code": group.code, "month": month}),
        ),
        "my_day": (worker, reverse("cases:my_day")),
        "my_cases": (worker, reverse("cases:my_cases")),
    }
    results = {}
    for name, (user, url) in pages.items():
        client = Client()
        client.force_login(user)
        results[name] = {"user": user.username, **measure(client, url, repeat=repeat)}
    figures = {
        "database": common.database_facts(),
        "organisation": root.code,
        "group": group.code,
        "pages": results,
    }
    targets = {}
    for name, result in results.items():
        targets[f"{name}:p95<=100ms"] = common.verdict(result["p95_ms"], 100)
        targets[f"{name}:queries<=10"] = common.verdict(result["queries"], 10)
    headlines = []
    for name, result in results.items():
        verdicts = {targets[f"{name}:p95<=100ms"], targets[f"{name}:queries<=10"]}
        headlines.append(
            common.headline(
                f"page {name}: p95, queries",
                f"p95 {result['p95_ms']:.0f} ms (p50 {result['p50_ms']:.0f}, n {result['n']}), "
                f"{result['queries']} queries",
                "≤ 100 ms, ≤ 10 queries",
                "met" if verdicts == {"met"} else "missed",
            )
        )
    common.report("pages", figures, write_json=args.json, targets=targets, headlines=headlines)


if __name__ == "__main__":
    main()
