"""The JSON API: tokens, scopes, the import rules through the API, audit and limits."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.urls import reverse

from cases.models import CaseEvent, EventImport, ImportKind
from integrations.models import ApiCall, ApiToken
from integrations.services import token_revoke
from tests.integrations.conftest import event

EVENTS = "/api/v1/events"
BATCH = "/api/v1/events/batch"


def post(client, url, payload, bearer=None, **extra):
    headers = bearer.headers if bearer else {}
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(url, body, content_type="application/json", **headers, **extra)


# --- tokens ---------------------------------------------------------------------------------


def test_only_a_hash_of_the_secret_is_stored(robot):
    row = ApiToken.objects.get(pk=robot.token.pk)
    assert row.secret_hash == hashlib.sha256(robot.secret.encode()).hexdigest()
    stored = " ".join(str(v) for v in ApiToken.objects.filter(pk=row.pk).values().first().values())
    assert robot.secret not in stored
    assert robot.secret.split("_", 2)[2] not in stored


@pytest.mark.parametrize(
    "header", [None, "Bearer nope", "Bearer eor_000000000000_wrong", "Basic dXNlcjpwYXNz"]
)
def test_calls_without_a_valid_token_are_refused_and_logged(client, robot, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/units/unit-a/figures?year=2018", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "token" in response.json()["detail"]
    call = ApiCall.objects.get()
    assert (call.token, call.status, call.method) == (None, 401, "GET")


def test_a_revoked_token_is_refused(client, robot, ada):
    assert client.get("/api/v1/units", **robot.headers).status_code == 200
    token_revoke(token=robot.token, by=ada)
    assert client.get("/api/v1/units", **robot.headers).status_code == 401
    robot.token.refresh_from_db()
    assert robot.token.revoked_by == ada


def test_a_token_with_a_tampered_secret_is_refused(client, robot):
    tampered = robot.secret[:-1] + ("A" if robot.secret[-1] != "A" else "B")
    response = client.get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {tampered}")
    assert response.status_code == 401


def test_last_used_at_is_recorded(client, robot):
    assert robot.token.last_used_at is None
    client.get("/api/v1/units", **robot.headers)
    robot.token.refresh_from_db()
    assert robot.token.last_used_at is not None


def test_a_read_token_cannot_write(client, make_token, org):
    reader = make_token(org["root"], scope="read")
    response = post(client, EVENTS, event(1), reader)
    assert response.status_code == 403
    assert not CaseEvent.objects.exists()
    assert client.get("/api/v1/units/unit-a/figures?year=2018", **reader.headers).status_code == 200


def test_a_write_token_cannot_read_figures(client, make_token, org):
    writer = make_token(org["root"], scope="write")
    assert post(client, EVENTS, event(1), writer).status_code == 200
    response = client.get("/api/v1/units/unit-a/figures?year=2018", **writer.headers)
    assert response.status_code == 403


# --- writing events -------------------------------------------------------------------------


def test_one_event_is_stored_with_source_api_and_is_idempotent(client, robot):
    response = post(client, EVENTS, event(1), robot)
    assert response.status_code == 200, response.content
    assert response.json() == {"rows": 1, "new": 1, "changed": 0, "unchanged": 0}
    stored = CaseEvent.objects.get(event_id="api-1")
    assert stored.source == "api" and stored.unit.code == "unit-a"

    again = post(client, EVENTS, event(1), robot)
    assert again.json() == {"rows": 1, "new": 0, "changed": 0, "unchanged": 1}
    changed = post(client, EVENTS, event(1, event_type="first_meeting"), robot)
    assert changed.json()["changed"] == 1
    assert CaseEvent.objects.count() == 1
    assert CaseEvent.objects.get().event_type == "first_meeting"


def test_a_batch_is_stored_whole(client, robot):
    batch = [
        event(1),
        event(
            2, case_id="C-1", client_ref="K-00001", event_type="decision", decision_mode="automated"
        ),
        event(3, case_id="C-1", client_ref="K-00001", event_type="exit", reason="work"),
    ]
    response = post(client, BATCH, {"events": batch}, robot)
    assert response.status_code == 200, response.content
    assert response.json()["new"] == 3
    decision = CaseEvent.objects.get(event_id="api-2")
    assert decision.decision_mode == "automated"
    # a decision without a mode is a manual one, as in the CSV
    post(
        client, EVENTS, event(4, case_id="C-1", client_ref="K-00001", event_type="decision"), robot
    )
    assert CaseEvent.objects.get(event_id="api-4").decision_mode == "manual"


def test_a_batch_is_recorded_as_one_import_with_its_token(client, make_token, org):
    robot = make_token(org["root"])
    response = post(client, BATCH, {"events": [event(1), event(2)]}, robot)
    assert response.status_code == 200, response.content
    record = EventImport.objects.get()
    assert (record.kind, record.api_token_id, record.new) == (ImportKind.API, robot.token.pk, 2)
    assert (record.file_name, record.sha256) == ("", "")
    assert record.source_text == f"API-token #{robot.token.pk}"


def test_a_bad_batch_is_refused_whole_with_every_error_named(client, robot):
    batch = [
        event(1),
        event(2, event_type="lunch"),
        event(3, event_type="exit", unit="nowhere"),
        event(4, occurred_on="2018-02-30", client_ref="19121212-1212"),
    ]
    response = post(client, BATCH, {"events": batch}, robot)
    assert response.status_code == 422
    body = response.json()
    assert "inget sparades" in body["detail"]
    named = {(e["index"], e["field"]) for e in body["errors"]}
    assert named == {
        (1, "event_type"),
        (2, "unit"),
        (2, "reason"),
        (3, "occurred_on"),
        (3, "client_ref"),
    }
    assert all(e["message"] for e in body["errors"])
    # the personal number itself is never echoed back
    assert "19121212" not in response.content.decode()
    assert not CaseEvent.objects.exists()


def test_an_event_id_twice_in_a_batch_names_the_second(client, robot):
    response = post(client, BATCH, {"events": [event(1), event(1, case_id="C-9")]}, robot)
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, "event_id")]


def test_a_token_scoped_to_one_unit_cannot_write_another(client, robot_a):
    batch = [event(1), event(2, unit="unit-b")]
    response = post(client, BATCH, {"events": batch}, robot_a)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (1, "unit")
    assert "unit-b" in error["message"]
    assert not CaseEvent.objects.exists()


@pytest.mark.parametrize(
    ("payload", "index", "field"),
    [
        ({"events": [event(1), {"event_id": "x"}]}, 1, "case_id"),
        ({"events": [event(1, colour="red")]}, 0, "colour"),
        ({"events": [event(1, unit=7)]}, 0, "unit"),
        ({"events": [event(1, unit="a\x00b")]}, 0, "unit"),
        ({"events": []}, None, "events"),
        ({"rows": [event(1)]}, None, "events"),
        ([event(1)], None, None),
    ],
)
def test_shape_errors_answer_422_naming_index_and_field(client, robot, payload, index, field):
    response = post(client, BATCH, payload, robot)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert (index, field) in {(e["index"], e["field"]) for e in errors}
    assert not CaseEvent.objects.exists()


def test_a_single_event_shape_error_is_index_zero(client, robot):
    response = post(client, EVENTS, {"event_id": "x"}, robot)
    assert response.status_code == 422
    assert {(e["index"], e["field"]) for e in response.json()["errors"]} >= {(0, "case_id")}


def test_malformed_json_is_a_400(client, robot):
    response = post(client, BATCH, "{not json", robot)
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_too_large_requests_are_refused_before_reading(client, robot, settings):
    settings.EOR_API_MAX_BODY_BYTES = 1_000
    response = post(client, BATCH, {"events": [event(n) for n in range(20)]}, robot)
    assert response.status_code == 413
    assert not CaseEvent.objects.exists()
    assert ApiCall.objects.get().status == 413


def test_batches_over_the_row_limit_are_refused(client, robot, settings):
    settings.EOR_API_MAX_BATCH_ROWS = 2
    response = post(client, BATCH, {"events": [event(n) for n in range(3)]}, robot)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "events"
    assert not CaseEvent.objects.exists()


# --- audit ----------------------------------------------------------------------------------


def test_every_call_is_logged_with_token_endpoint_status_rows_and_address(client, robot):
    post(client, BATCH, {"events": [event(1), event(2)]}, robot, REMOTE_ADDR="10.1.2.3")
    post(client, BATCH, {"events": [event(3, event_type="x")]}, robot)
    client.get("/api/v1/units/unit-a/figures?year=2018", **robot.headers)
    calls = list(ApiCall.objects.order_by("id"))
    assert [(c.method, c.endpoint, c.status, c.rows) for c in calls] == [
        ("POST", BATCH, 200, 2),
        ("POST", BATCH, 422, 1),
        ("GET", "/api/v1/units/unit-a/figures", 200, 12),
    ]
    assert {c.token_id for c in calls} == {robot.token.pk}
    assert calls[0].remote_addr == "10.1.2.3"
    assert calls[0].at is not None


# --- reading figures ------------------------------------------------------------------------


def test_a_token_scoped_to_one_unit_cannot_read_another(client, robot_a):
    ok = client.get("/api/v1/units/unit-a/figures?year=2018", **robot_a.headers)
    assert ok.status_code == 200
    assert len(ok.json()["months"]) == 12
    for code in ("unit-b", "org", "no-such-unit"):
        response = client.get(f"/api/v1/units/{code}/figures?year=2018", **robot_a.headers)
        assert response.status_code == 404, code
    units = client.get("/api/v1/units", **robot_a.headers).json()
    assert [u["code"] for u in units] == ["unit-a"]


@pytest.mark.parametrize("query", ["", "?year=abc", "?year=1850", "?year=99999"])
def test_figures_need_a_sensible_year(client, robot, query):
    response = client.get(f"/api/v1/units/unit-a/figures{query}", **robot.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "year"


def test_the_openapi_schema_is_for_integrators_and_administrators(client, robot, alice, ada):
    assert client.get("/api/openapi.json").status_code == 401
    bad = client.get("/api/openapi.json", HTTP_AUTHORIZATION="Bearer eor_nope_nope")
    assert bad.status_code == 401
    client.force_login(alice)  # a caseworker has no use for it
    assert client.get("/api/openapi.json").status_code == 401
    client.force_login(ada)
    assert client.get("/api/openapi.json").status_code == 200
    client.logout()
    response = client.get("/api/openapi.json", **robot.headers)
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/events", "/api/v1/events/batch", "/api/v1/units/{code}/figures"} <= set(
        schema["paths"]
    )
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


# --- administration -------------------------------------------------------------------------


def test_an_admin_creates_a_token_and_sees_the_secret_once(client, ada, org):
    client.force_login(ada)
    response = client.post(
        reverse("admin:integrations_apitoken_add"),
        {"name": "Ekonomibiståndsroboten", "scope": "write", "units": [org["a"].pk]},
    )
    assert response.status_code == 200, response.content
    token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert secret.startswith(f"eor_{token.prefix}_")
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.created_by == ada
    assert "no-store" in response["Cache-Control"]
    page = client.get(reverse("admin:integrations_apitoken_change", args=[token.pk]))
    assert secret not in page.content.decode()

    client.post(
        reverse("admin:integrations_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == ada


def test_only_administrators_reach_tokens_and_the_call_log(client, maria):
    maria.is_staff = True
    maria.save(update_fields=["is_staff"])
    client.force_login(maria)
    for name in ("admin:integrations_apitoken_changelist", "admin:integrations_apicall_changelist"):
        assert client.get(reverse(name)).status_code == 403


def test_figures_carry_the_eors_judged_as_eor_report_does(client, robot_a, org, maria):
    import datetime as dt

    from django.core.management import call_command

    from goals.models import GroupDecision, Indicator, IndividualTarget
    from reports.report import eor_report

    month = dt.date(2018, 2, 1)
    GroupDecision.objects.create(unit=org["a"], month=month, eor=4, rationale="r")
    GroupDecision.objects.create(
        unit=org["a"],
        month=month,
        indicator=Indicator.objects.get(code="ledtid_insats"),
        target=10,
        rationale="r",
    )
    IndividualTarget.objects.create(unit=org["a"], caseworker=maria, month=month, target=3)
    call_command("rollup", "--year", "2018", stdout=None)
    body = client.get("/api/v1/units/unit-a/figures?year=2018", **robot_a.headers).json()
    feb = body["months"][1]
    assert (feb["eor"], feb["individual_targets_sum"]) == (4, 3)
    assert feb["eors"] == [
        {"indicator": "avslut", "target": 4, "outcome": 0, "reached": False},
        {"indicator": "ledtid_insats", "target": 10.0, "outcome": None, "reached": None},
    ]
    raw = client.get("/api/v1/units/unit-a/figures?year=2018", **robot_a.headers).content
    assert b'"eor": 4,' in raw and b'"target": 10.0' in raw  # a count, and a measure
    report = eor_report(org["a"], 2018, refresh=False)["months"]
    for api_month, report_month in zip(body["months"], report, strict=True):
        for key in ("exits_total", "eor", "individual_targets_sum", "eors", "lead_times"):
            assert api_month[key] == report_month[key], key
