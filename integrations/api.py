"""The JSON API for case systems and automation robots (django-ninja, OpenAPI at /api/openapi.json
for a token or an administrator).

Authentication: ``Authorization: Bearer eor_<prefix>_<secret>``, a per-integration token an
administrator created (integrations.ApiToken). A token reaches its units and every unit
below them, and may read, write or both.

- ``POST /api/v1/events`` and ``POST /api/v1/events/batch`` go through the same import core
  as the CSV (cases.importing.import_rows, source "api"): the same validation, vocabulary,
  idempotency on event_id and all-or-nothing rule. A refused batch answers 422 and names
  every error: its index in the batch (0-based), the field and the message. The token's
  units are the write's scope (cases.rules.Scope): an event or case that exists outside
  them is refused, without saying where it is. The change log records the token's owner
  as actor, the token's id and the caller's address.
- ``GET /api/v1/units/{code}/figures?year=YYYY`` answers the unit's monthly figures, pooled
  over its subtree, from the rollup tables (in full, like ``eor_report``: integrations are
  administrators' tools, the small-number rule of leadership pages does not apply). Its
  months are ``eor_report``'s (the same ``exits_total``, ``eor``, ``individual_targets_sum``
  and ``eors``, each EOR judged by reports.judging) plus decisions by mode and return rate.

Every call is written to the call log (integrations.middleware.ApiAuditMiddleware).
"""

from __future__ import annotations

import math
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Field, NinjaAPI, Path, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import HttpBearer
from pydantic import ConfigDict, field_validator

from cases.importing import import_rows
from goals.access import is_admin
from goals.models import Unit
from trelleborg.vocabulary import DecisionMode, EventType, ExitReason, Program, Source

from . import throttling
from .figures import unit_year_figures
from .middleware import _remote_addr
from .models import ApiToken
from .services import token_authenticate

# --- authentication -------------------------------------------------------------------------


def _schema_access(view):
    """The OpenAPI schema for integrators (a valid token) and administrators, nobody else:
    it holds no data, but it maps every endpoint of a social-services system."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs):
        admin = request.user.is_authenticated and is_admin(request.user)
        if not admin:
            try:  # the same address limits as the endpoints
                throttling.check_before_authentication(request)
            except Throttled as exc:
                response = JsonResponse({"detail": "För många anrop; försök igen senare."})
                response.status_code = 429
                if exc.wait is not None:
                    response["Retry-After"] = str(math.ceil(exc.wait))
                return response
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        allowed = admin or (scheme.lower() == "bearer" and token_authenticate(token.strip()))
        if not allowed:
            throttling.count_bad_token(request)
            response = JsonResponse({"detail": "Unauthorized"}, status=401)
            response["WWW-Authenticate"] = "Bearer"
            return response
        return view(request, *args, **kwargs)

    return guarded


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> ApiToken | None:
        # The address's limits come before the token, so bad tokens are limited too.
        throttling.check_before_authentication(request)
        found = super().__call__(request)
        if found is None:
            throttling.count_bad_token(request)
        return found

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = token_authenticate(token)
        if found is not None:
            request.api_token = found  # type: ignore[attr-defined]  # read by the call log
        return found


api = NinjaAPI(
    title="EOR API",
    version="1",
    description=__doc__,
    urls_namespace="api",
    auth=TokenAuth(),
    docs_url=None,  # no docs page: its scripts would need a CDN or inline code (CSP)
    docs_decorator=_schema_access,
    throttle=[throttling.TokenRateThrottle()],  # per address: in TokenAuth, before the token
)
v1 = Router()


def _token(request: HttpRequest) -> ApiToken:
    return request.auth  # type: ignore[attr-defined,return-value]


# --- schemas --------------------------------------------------------------------------------


def _clean_text(value: Any) -> Any:
    """Refuse what no database column can store, before it reaches one."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("Otillåtet tecken (NUL).")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("Ogiltig Unicode-text.") from None
    return value


class EventIn(Schema):
    """One case event: the columns of the event CSV (DESIGN.md "Case-event CSV")."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(
        ..., max_length=200, description="The source system's unique id of the event."
    )
    case_id: str = Field(..., max_length=200, description="The source system's case number.")
    client_ref: str = Field(
        ...,
        max_length=200,
        description="Pseudonymous client reference; never a personal identity number.",
    )
    unit: str = Field(..., max_length=200, description="Unit code.")
    caseworker: str | None = Field(None, max_length=200, description="Username, optional.")
    event_type: str = Field(
        ..., max_length=200, description="One of: " + ", ".join(EventType.values)
    )
    occurred_on: str = Field(
        ...,
        max_length=200,
        description="ISO date YYYY-MM-DD, not in the future nor before EOR_EARLIEST_EVENT_DATE.",
    )
    reason: str | None = Field(
        None, max_length=200, description="Exits only: " + ", ".join(ExitReason.values)
    )
    program: str | None = Field(
        None,
        max_length=200,
        description="Optional, default forsorjningsstod: " + ", ".join(Program.values),
    )
    decision_mode: str | None = Field(
        None,
        max_length=200,
        description="Decisions only, default manual: " + ", ".join(DecisionMode.values),
    )

    _text = field_validator("*", mode="before")(_clean_text)

    def as_row(self) -> dict[str, str]:
        return {key: value or "" for key, value in self.model_dump().items()}


class BatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    events: list[EventIn] = Field(
        ...,
        min_length=1,
        description="At most EOR_API_MAX_BATCH_ROWS events (default 10 000).",
    )


class ImportOut(Schema):
    rows: int = Field(description="Events in the request.")
    new: int
    changed: int
    unchanged: int = Field(description="Events already stored exactly so (same event_id).")


class ErrorItem(Schema):
    index: int | None = Field(description="0-based position in the batch (null: the request).")
    field: str | None
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = []


class LeadTimeOut(Schema):
    n: int
    median: float | None
    p90: float | None
    open: int


class ReturnRateOut(Schema):
    clients: int = Field(description="Clients who exited to work or studies in the month.")
    returned: int = Field(description="Of them, with a new application within 12 months.")
    final: bool = Field(description="Whether the 12 months after the month have passed.")
    rate: float | None = Field(description="Share without a new application; null until final.")


class EorOut(Schema):
    indicator: str = Field(description="The indicator's code.")
    target: int | float = Field(
        description="The EOR in the indicator's unit: a count of exits, or days or a value."
    )
    outcome: int | float | None = Field(description="The month's outcome in the same unit.")
    reached: bool | None = Field(
        description="Null while the month is in progress or the outcome is unknown."
    )


class MonthOut(Schema):
    month: str = Field(description="YYYY-MM")
    exits_work: int
    exits_studies: int
    exits_total: int = Field(description="Exits that count toward the EOR (work, studies).")
    eor: int | None = Field(description="The unit's own EOR on `avslut`, null when none.")
    individual_targets_sum: int | None = Field(description="Null when no target was set.")
    eors: list[EorOut] = Field(description="Every EOR the unit itself decided for the month.")
    lead_times: dict[str, LeadTimeOut]
    decisions: dict[str, int] = Field(description="Decision events by decision_mode.")
    return_rate: ReturnRateOut


class FiguresOut(Schema):
    unit: str
    year: int
    months: list[MonthOut]


class UnitOut(Schema):
    code: str
    name: str
    parent: str | None


# --- errors ---------------------------------------------------------------------------------

_MESSAGES = {
    "missing": "Fältet saknas.",
    "extra_forbidden": "Okänt fält.",
    "string_type": "Ska vara en text.",
    "string_too_long": "För lång text.",
    "too_short": "Listan är tom.",
    "too_long": "För många händelser i en begäran.",
    "list_type": "Ska vara en lista.",
    "model_type": "Ska vara ett objekt.",
    "model_attributes_type": "Ska vara ett objekt.",
    "dict_type": "Ska vara ett objekt.",
}


def _error(detail: str, status: int, request: HttpRequest, errors=()) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": list(errors)}, status=status)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    items = []
    for error in exc.errors:
        loc = list(error.get("loc", ()))
        source = loc.pop(0) if loc and loc[0] in ("body", "query", "path", "header") else ""
        if source == "body" and loc and loc[0] == "payload":
            loc.pop(0)  # the parameter's own name says nothing to the caller
        index = None
        if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
            index, loc = loc[1], loc[2:]
        elif loc and loc[0] != "events" and request.path.endswith("/events"):
            index = 0  # the single-event endpoint: the event is the batch
        field = ".".join(str(part) for part in loc) or None
        if error.get("type") == "value_error":
            message = str(error.get("ctx", {}).get("error") or error.get("msg", ""))
        else:
            message = _MESSAGES.get(error.get("type", ""), error.get("msg", ""))
        items.append({"index": index, "field": field, "message": message})
    return _error("Begäran har fel; inget sparades.", 422, request, items)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        "Ogiltig, återkallad eller saknad token (Authorization: Bearer …).", 401, request
    )
    response["WWW-Authenticate"] = 'Bearer realm="eor"'
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(str(exc) or "Hittades inte.", 404, request)


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = _error("För många anrop; försök igen senare.", 429, request)
    if exc.wait is not None:
        response["Retry-After"] = str(math.ceil(exc.wait))
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return _error("Begäran är inte giltig JSON.", 400, request)
    return _error(str(exc), exc.status_code, request)


# --- endpoints ------------------------------------------------------------------------------


def _require(request: HttpRequest, *, write: bool) -> ApiToken:
    token = _token(request)
    if write and not token.can_write:
        raise HttpError(403, "Tokenen får inte skriva (behörighet: läsa).")
    if not write and not token.can_read:
        raise HttpError(403, "Tokenen får inte läsa (behörighet: skriva).")
    return token


def _import(request: HttpRequest, events: list[EventIn]) -> HttpResponse | dict:
    token = _require(request, write=True)
    request.api_rows = len(events)  # type: ignore[attr-defined]
    # The token's units are the write's scope (cases.rules.Scope): rows naming a case or
    # event outside them are refused. Its owner and id, and the caller's address, are the
    # actor of the change log's entries.
    result = import_rows(
        [event.as_row() for event in events],
        source=Source.API,
        user=token.created_by,
        allowed_units=list(token.reachable_units()),
        context={"api_token": token.pk, "remote_addr": _remote_addr(request)},
    )
    if not result.ok:
        errors = [
            # import_rows numbers rows from 1; a batch is a JSON array, indexed from 0
            {"index": e.line - 1 if e.line else None, "field": e.column, "message": e.message}
            for e in result.errors
        ]
        return _error(
            f"{len(errors)} fel; inget sparades (allt eller inget).", 422, request, errors
        )
    return {
        "rows": result.rows,
        "new": result.new,
        "changed": result.changed,
        "unchanged": result.unchanged,
    }


_WRITE_RESPONSES = {
    200: ImportOut,
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}
_READ_RESPONSES = {200: FiguresOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@v1.post("/events", response=_WRITE_RESPONSES, summary="Post one case event")
def post_event(request: HttpRequest, payload: EventIn):
    """One event; the rules of the batch apply (an error answers 422 with index 0)."""
    return _import(request, [payload])


@v1.post("/events/batch", response=_WRITE_RESPONSES, summary="Post a batch of case events")
def post_events(request: HttpRequest, payload: BatchIn):
    """All or nothing: one invalid event refuses the whole batch, and every error is named."""
    limit = settings.EOR_API_MAX_BATCH_ROWS
    if len(payload.events) > limit:
        message = f"Högst {limit} händelser per begäran; dela upp batchen."
        return _error(
            message, 422, request, [{"index": None, "field": "events", "message": message}]
        )
    return _import(request, payload.events)


@v1.get(
    "/units",
    response={200: list[UnitOut], 401: ErrorOut},
    summary="Units this token reaches",
)
def list_units(request: HttpRequest):
    units = _token(request).reachable_units().select_related("parent")
    return [
        {"code": u.code, "name": u.name, "parent": u.parent.code if u.parent_id else None}
        for u in units
    ]


@v1.get(
    "/units/{code}/figures",
    response=_READ_RESPONSES,
    summary="Monthly figures of a unit's subtree for a year",
)
def unit_figures(
    request: HttpRequest,
    code: str = Path(..., max_length=64),
    year: int = Query(..., ge=2000, le=2100),
):
    token = _require(request, write=False)
    try:
        unit = token.reachable_units().get(code=code)
    except Unit.DoesNotExist:
        raise Http404("Ingen sådan enhet.") from None
    figures = unit_year_figures(unit=unit, year=year)
    request.api_rows = len(figures["months"])  # type: ignore[attr-defined]
    return figures


api.add_router("/v1", v1)
