"""One access rule, everywhere: every URL pattern of the project, as every persona.

The table below says what each persona gets from each URL, with path parameters filled
from a seeded organisation: variant [a] is an object of unit A (alice, bob, maria), [b] one
of unit B (carl). A URL pattern that is not in the table fails `test_every_url_has_a_rule`,
so a new page cannot land without someone deciding who may see it.

Answers: "200", "404", "405", …; "login" = redirected to a sign-in page; "redirect" =
redirected elsewhere. Columns: anonymous, alice, bob (caseworkers A), carl (caseworker B),
maria (manager A), lena (leadership, root), ada (administrator), token (an API token for
unit A only, sent as a Bearer header, no session).

The admin site (namespace "admin") is checked by rule instead: Django's admin answers every
non-staff user with its sign-in page, and staff by model permissions, the same for every
model; `test_admin_is_for_administrators_only` walks all of its URLs.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from goals.models import Unit
from tests.audit.urlwalk import classify, walk
from tests.factories import CaseEventFactory, CaseFactory
from trelleborg import months

pytestmark = pytest.mark.django_db

PERSONAS = ["anon", "alice", "bob", "carl", "maria", "lena", "ada", "token"]

# GET, key "view_name[variant]" or "view_name?query-variant".
GET = {
    "home": "login 200 200 200 200 200 200 login",
    "login": "200 redirect redirect redirect redirect redirect redirect 200",
    "logout": "405 405 405 405 405 405 405 405",
    "set_language": "redirect redirect redirect redirect redirect redirect redirect redirect",
    "favicon": "redirect redirect redirect redirect redirect redirect redirect redirect",
    # cases: client-level, caseworkers and managers of the unit, admin; never leadership
    "cases:my_cases": "login 200 200 200 200 404 200 login",
    "cases:register_case": "login 200 200 200 200 404 200 login",
    "cases:my_day": "login 200 200 200 404 404 200 login",
    "cases:my_day_exit[a]": "login 200 200 404 200 404 200 login",
    "cases:my_day_exit[b]": "login 404 404 200 404 404 200 login",
    "cases:import_events": "login 404 404 404 200 404 200 login",
    "cases:import_confirm": "login 404 404 404 405 404 405 login",
    "cases:import_list": "login 404 404 404 200 404 200 login",
    "cases:case_detail[a]": "login 200 200 404 200 404 200 login",
    "cases:case_detail[b]": "login 404 404 200 404 404 200 login",
    "cases:log_exit[a]": "login 200 200 404 200 404 200 login",
    "cases:log_exit[b]": "login 404 404 200 404 404 200 login",
    "cases:log_event[a]": "login 200 200 404 200 404 200 login",
    "cases:log_event[b]": "login 404 404 200 404 404 200 login",
    # correcting or withdrawing an exit: who logged it (alice in A, carl in B), its manager
    "cases:amend_exit[a]": "login 200 404 404 200 404 200 login",
    "cases:amend_exit[b]": "login 404 404 200 404 404 200 login",
    # goals: plans are the caseworker's; meeting, follow-up, year goals the manager's
    "goals:plan_start": "login redirect redirect redirect 404 404 redirect login",
    "goals:plan[a]": "login 200 200 404 404 404 200 login",
    "goals:plan[b]": "login 404 404 200 404 404 200 login",
    "goals:meeting_start": "login 404 404 404 redirect 404 redirect login",
    "goals:meeting[a]": "login 404 404 404 200 404 200 login",
    "goals:meeting[b]": "login 404 404 404 404 404 200 login",
    "goals:followup_start": "login 404 404 404 redirect 404 redirect login",
    "goals:followup[a]": "login 404 404 404 200 404 200 login",
    "goals:followup[b]": "login 404 404 404 404 404 200 login",
    "goals:followup_close[a]": "login 405 405 405 405 405 405 login",
    "goals:followup_close[b]": "login 405 405 405 405 405 405 login",
    # leadership sets the administration's (the root's) year goals, no unit's below it
    "goals:year_goals_start": "login 404 404 404 redirect redirect redirect login",
    "goals:year_goals[a]": "login 404 404 404 200 404 200 login",
    "goals:year_goals[b]": "login 404 404 404 404 404 200 login",
    "goals:manual_values[a]": "login 404 404 404 200 404 200 login",
    "goals:manual_values[b]": "login 404 404 404 404 404 200 login",
    # reports: aggregates for every member of a unit (leadership included), by unit reach
    "reports:dashboard": "login 200 200 200 200 200 200 login",
    "reports:dashboard?a": "login 200 200 404 200 200 200 login",
    "reports:dashboard?b": "login 404 404 200 404 200 200 login",
    "reports:overview": "login 404 404 404 200 200 200 login",
    "reports:overview?a": "login 404 404 404 200 200 200 login",
    "reports:overview?b": "login 404 404 404 404 200 200 login",
    "reports:monthly_report": "login 200 200 200 200 200 200 login",
    "reports:monthly_report?a": "login 200 200 404 200 200 200 login",
    "reports:monthly_report?b": "login 404 404 200 404 200 200 login",
    "reports:export": "login 400 400 400 400 400 400 login",
    "reports:export?a": "login 200 200 404 200 200 200 login",
    "reports:export?b": "login 404 404 200 404 200 200 login",
    # reports' partials composed into the goals pages: aggregates by unit reach; the
    # follow-up and hit-rate partials are about named clients (caseworkers and managers)
    "reports:partial_recent_outcomes[a]": "login 200 200 404 200 200 200 login",
    "reports:partial_recent_outcomes[b]": "login 404 404 200 404 200 200 login",
    "reports:partial_record_month[a]": "login 200 200 404 200 200 200 login",
    "reports:partial_record_month[b]": "login 404 404 200 404 200 200 login",
    "reports:partial_pace[a]": "login 200 200 404 200 200 200 login",
    "reports:partial_pace[b]": "login 404 404 200 404 200 200 login",
    "reports:partial_baseline[a]": "login 200 200 404 200 200 200 login",
    "reports:partial_baseline[b]": "login 404 404 200 404 200 200 login",
    # named clients who already exited: client refs (caseworkers and managers)
    "cases:partial_ended_named[a]": "login 200 200 404 200 404 200 login",
    "cases:partial_ended_named[b]": "login 404 404 200 404 404 200 login",
    # a closed month at closing and now, with its corrections: no client named
    "reports:partial_restated[a]": "login 200 200 404 200 200 200 login",
    "reports:partial_restated[b]": "login 404 404 200 404 200 200 login",
    "reports:partial_eors[a]": "login 200 200 404 200 200 200 login",
    "reports:partial_eors[b]": "login 404 404 200 404 200 200 login",
    "reports:partial_eor_material[a]": "login 200 200 404 200 200 200 login",
    "reports:partial_eor_material[b]": "login 404 404 200 404 200 200 login",
    "reports:partial_followup[a]": "login 200 200 404 200 404 200 login",
    "reports:partial_followup[b]": "login 404 404 200 404 404 200 login",
    "reports:partial_hit_rate[a]": "login 200 200 404 200 404 200 login",
    "reports:partial_hit_rate[b]": "login 404 404 200 404 404 200 login",
    # forecast hit rate: counts and rates only, small numbers masked outside the unit
    "reports:hit_rate": "login 200 200 200 200 200 200 login",
    "reports:hit_rate?a": "login 200 200 404 200 200 200 login",
    "reports:hit_rate?b": "login 404 404 200 404 200 200 login",
    # integrations' pages: Kolada comparison and decision modes, aggregates by unit reach
    "integrations:comparison": "login 200 200 200 200 200 200 login",
    "integrations:comparison?a": "login 200 200 404 200 200 200 login",
    "integrations:comparison?b": "login 404 404 200 404 200 200 login",
    "integrations:decisions": "login 200 200 200 200 200 200 login",
    "integrations:decisions?a": "login 200 200 404 200 200 200 login",
    "integrations:decisions?b": "login 404 404 200 404 200 200 login",
    # the API: bearer tokens only, scoped to the token's units
    "api:api-root": "404 404 404 404 404 404 404 404",
    "api:openapi-json": "401 401 401 401 401 401 200 200",  # integrators and admins
    "api:post_event": "405 405 405 405 405 405 405 405",
    "api:post_events": "405 405 405 405 405 405 405 405",
    "api:list_units": "401 401 401 401 401 401 401 200",
    "api:unit_figures[a]": "401 401 401 401 401 401 401 200",
    "api:unit_figures[b]": "401 401 401 401 401 401 401 404",
    # audit: managers for their units, administrators for all
    "audit:changes": "login 404 404 404 200 404 200 login",
    "audit:changes?a": "login 404 404 404 200 404 200 login",
    "audit:changes?b": "login 404 404 404 404 404 200 login",
    "audit:access": "login 404 404 404 200 404 200 login",
    "audit:access?a": "login 404 404 404 200 404 200 login",
    "audit:access?b": "login 404 404 404 404 404 200 login",
    "audit:access_export": "login 404 404 404 200 404 200 login",
    "audit:access_export?b": "login 404 404 404 404 404 200 login",
    # OpenID Connect is off unless configured (tests/audit/test_oidc.py turns it on)
    "audit:oidc_login": "404 404 404 404 404 404 404 404",
    "audit:oidc_callback": "404 404 404 404 404 404 404 404",
}

# POST to the views that only accept POST (empty forms: the access check comes first).
POST = {
    "cases:import_confirm": "login 404 404 404 redirect 404 redirect login",
    "goals:followup_close[a]": "login 404 404 404 redirect 404 redirect login",
    "goals:followup_close[b]": "login 404 404 404 404 404 redirect login",
    "api:post_event": "401 401 401 401 401 401 401 422",
    "api:post_events": "401 401 401 401 401 401 401 422",
}

YEAR = dt.date.today().year
QUERIES = {
    "reports:dashboard": {"a": "unit=unit-a", "b": "unit=unit-b"},
    "reports:overview": {"a": "unit=unit-a", "b": "unit=unit-b"},
    "reports:monthly_report": {"a": "unit=unit-a", "b": "unit=unit-b"},
    "reports:export": {
        "a": f"kind=monthly&unit=unit-a&year={YEAR}&format=csv",
        "b": f"kind=monthly&unit=unit-b&year={YEAR}&format=csv",
    },
    "reports:hit_rate": {"a": "unit=unit-a", "b": "unit=unit-b"},
    "integrations:comparison": {"a": "unit=unit-a", "b": "unit=unit-b"},
    "integrations:decisions": {"a": "unit=unit-a", "b": "unit=unit-b"},
    "audit:changes": {"a": "unit=unit-a", "b": "unit=unit-b"},
    "audit:access": {"a": "unit=unit-a", "b": "unit=unit-b"},
    "audit:access_export": {"b": "unit=unit-b"},
    "api:unit_figures": {"": f"year={YEAR}"},
    "reports:partial_eor_material": {"": "indicator=utredningstid"},
}


@pytest.fixture
def world(org, personas):
    from integrations.services import token_create

    cases = {
        "a": CaseFactory(unit=org["a"], caseworker=personas["alice"]),
        "b": CaseFactory(unit=org["b"], caseworker=personas["carl"]),
    }
    exits = {
        v: CaseEventFactory(
            case=case,
            event_type="exit",
            reason="work",
            occurred_on=months.current_month(),
            recorded_by=personas["alice" if v == "a" else "carl"],
        )
        for v, case in cases.items()
    }
    _token, secret = token_create(name="walk", scope="read_write", units=[org["a"]])
    month = months.format_month(months.current_month())
    params = {
        "a": {
            "indicator": "avslut",
            "unit_code": "unit-a",
            "code": "unit-a",
            "pk": cases["a"].pk,
            "event_pk": exits["a"].pk,
            "month": month,
            "year": YEAR,
        },
        "b": {
            "indicator": "avslut",
            "unit_code": "unit-b",
            "code": "unit-b",
            "pk": cases["b"].pk,
            "event_pk": exits["b"].pk,
            "month": month,
            "year": YEAR,
        },
    }
    return {"params": params, "secret": secret}


def _client(persona: str, personas, world) -> Client:
    if persona == "token":
        return Client(HTTP_AUTHORIZATION=f"Bearer {world['secret']}")
    client = Client()
    if persona != "anon":
        client.force_login(personas[persona])
    return client


def _requests(world):
    """(key, url, method) for every non-admin URL pattern and its variants."""
    for name, pattern, _route in walk():
        if name.startswith("admin:"):
            continue
        converters = list(pattern.pattern.converters)
        variants = ["a", "b"] if converters else [""]
        for variant in variants:
            kwargs = {k: world["params"][variant][k] for k in converters} if variant else {}
            url = reverse(name, kwargs=kwargs)
            key = f"{name}[{variant}]" if variant else name
            queries = QUERIES.get(name, {})
            if "" in queries:
                url = f"{url}?{queries['']}"
            yield key, url
            for q_variant, query in queries.items():
                if q_variant:
                    yield f"{name}?{q_variant}", f"{url}?{query}"


def test_every_url_has_a_rule(world):
    keys = {key for key, _url in _requests(world)}
    missing = sorted(keys - GET.keys())
    assert not missing, f"URLs without an access rule in {__name__}.GET: {missing}"
    stale = sorted(GET.keys() - keys)
    assert not stale, f"rules for URLs that no longer exist: {stale}"
    for key, row in [*GET.items(), *POST.items()]:
        assert len(row.split()) == len(PERSONAS), key
    assert set(POST) <= set(GET)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_each_persona_by_the_rule(persona, personas, world):
    column = PERSONAS.index(persona)
    client = _client(persona, personas, world)
    wrong = []
    urls = dict(_requests(world))
    for key, url in urls.items():
        expected = GET[key].split()[column]
        got = classify(client.get(url))
        if got != expected:
            wrong.append(f"GET {key} ({url}): expected {expected}, got {got}")
    for key, row in POST.items():
        expected = row.split()[column]
        got = classify(
            client.post(urls[key], {}, content_type="application/json")
            if key.startswith("api:")
            else client.post(urls[key], {})
        )
        if got != expected:
            wrong.append(f"POST {key}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


def _admin_url(name: str, pattern, route: str) -> str:
    unit = Unit.objects.first()
    values = {
        "app_label": "goals",
        "object_id": str(unit.pk),
        "content_type_id": str(ContentType.objects.get_for_model(Unit).pk),
        "id": str(unit.pk),
        "url": "no-such-page/",
    }
    if not name.startswith("admin:<unnamed"):
        names = set(pattern.pattern.converters) | set(pattern.pattern.regex.groupindex)
        return reverse(name, kwargs={n: values[n] for n in names})
    # Unnamed patterns (the admin's old-style object URL): fill the route by hand.
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)
    return "/" + route.lstrip("^").rstrip("$")


@pytest.mark.parametrize("persona", ["anon", "lena", "ada"])  # every non-staff alike
def test_admin_is_for_administrators_only(persona, personas, world):
    client = _client(persona, personas, world)
    wrong = []
    for name, pattern, route in walk():
        if not name.startswith("admin:"):
            continue
        url = _admin_url(name, pattern, route)
        got = classify(client.get(url))
        if name == "admin:login":
            expected = {"200"} if persona != "ada" else {"redirect"}
        elif name == "admin:logout":
            expected = {"405", "login", "redirect"}
        elif persona != "ada":
            expected = {"login"}
        else:
            # Staff by model permission; 404 for what an object or page does not have.
            expected = {"200", "redirect", "403", "404"}
        if got not in expected:
            wrong.append(f"{name} ({url}): expected {sorted(expected)}, got {got}")
    assert not wrong, "\n".join(wrong)
