"""The access log: one call in every view that shows client-level data.

    from audit.access import log_read
    log_read(request, kind="case", records=[case])
    log_read(request, kind="case_list", records=page.object_list)

`records` may hold clients, cases, case events, named clients, anything with a `client_ref`
attribute, or plain client references (str). Every record shown becomes one item of one
access record (who, when, IP, path), so an auditor can ask both "what did this user read"
and "who read this client". The write is not optional: if it fails the read fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from django.db import connections, router, transaction
from django.http import HttpRequest

from .models import AccessKind, AccessRecord, AccessRecordItem
from .net import client_ip
from .registry import _loaded


def _item_for(obj: Any) -> dict:
    """What can be read off one record without a query; the rest is filled in batches."""
    if isinstance(obj, str):
        return {"client_ref": obj}
    meta = getattr(obj, "_meta", None)
    label = meta.model_name if meta is not None else type(obj).__name__.lower()
    item: dict = {"object_type": label, "object_pk": str(getattr(obj, "pk", "") or "")}
    if label == "client":
        item["client_ref"] = obj.ref
        item["unit_id"] = getattr(obj, "organisation_id", None)
        return item
    if hasattr(obj, "client_ref"):
        item["client_ref"] = obj.client_ref
    elif label == "case":
        client = _loaded(obj, "client")
        if client is not None:
            item["client_ref"] = client.ref
        else:
            item["client_id"] = obj.client_id
    elif hasattr(obj, "case_id"):  # a case event
        case = _loaded(obj, "case")
        client = _loaded(case, "client") if case is not None else None
        if client is not None:
            item["client_ref"] = client.ref
        else:
            item["case_id"] = obj.case_id
    unit = _loaded(obj, "unit")
    if unit is not None:
        item["unit_path"] = unit.path
    elif getattr(obj, "unit_id", None) is not None:
        item["unit_id"] = obj.unit_id
    elif label == "namedclient":
        target = _loaded(obj, "target")
        if target is not None:
            item["unit_id"] = target.unit_id
        else:
            item["target_id"] = obj.target_id
    return item


def _fill(items: list[dict], known_paths: dict[int, str]) -> None:
    """Resolve client references and unit paths with one query per kind of reference."""
    from cases.models import Case, Client
    from goals.models import IndividualTarget, Unit

    case_ids = {i["case_id"] for i in items if "case_id" in i}
    if case_ids:
        cases = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "client_id"))
        for i in items:
            if "case_id" in i:
                i["client_id"] = cases.get(i.pop("case_id"))
    client_ids = {i["client_id"] for i in items if i.get("client_id")}
    if client_ids:
        refs = dict(Client.objects.filter(pk__in=client_ids).values_list("pk", "ref"))
        for i in items:
            if i.get("client_id"):
                i["client_ref"] = refs.get(i["client_id"], "")
    target_ids = {i["target_id"] for i in items if "target_id" in i}
    if target_ids:
        units = dict(
            IndividualTarget.objects.filter(pk__in=target_ids).values_list("pk", "unit_id")
        )
        for i in items:
            if "target_id" in i:
                i["unit_id"] = units.get(i.pop("target_id"))
    paths = dict(known_paths)
    unit_ids = {
        i["unit_id"] for i in items if i.get("unit_id") and "unit_path" not in i
    } - paths.keys()
    if unit_ids:
        paths.update(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "path"))
    for i in items:
        if "unit_path" not in i:
            i["unit_path"] = paths.get(i.pop("unit_id", None), "")
        i.pop("unit_id", None)
        i.pop("client_id", None)


def log_read(
    request: HttpRequest,
    *,
    kind: str,
    records: Iterable[Any] = (),
    unit: Any = None,
) -> AccessRecord:
    """Record that `request.user` was shown `records` (client-level data) on this request.

    `unit`: the unit the page is about, used for items whose own unit is unknown (plain
    references). Call it after the access check, with exactly what the response shows.
    """
    if kind not in AccessKind.values:
        raise ValueError(f"Unknown access kind {kind!r}: add it to audit.models.AccessKind")
    items = [_item_for(obj) for obj in records]
    fallback_path = getattr(unit, "path", "") or ""
    _fill(items, {unit.pk: fallback_path} if fallback_path else {})
    user = request.user if request.user.is_authenticated else None
    record = AccessRecord(
        user=user,
        username=user.get_username() if user is not None else "",
        ip=client_ip(request),
        method=request.method or "",
        path=request.get_full_path()[:2000],
        kind=kind,
        count=len(items),
    )
    rows = [
        (
            (i.get("client_ref") or "")[:64],
            i.get("object_type", ""),
            i.get("object_pk", ""),
            i["unit_path"] or fallback_path,
        )
        for i in items
    ]
    _write(record, rows)
    return record


_RECORD_FIELDS = ("user", "username", "at", "ip", "method", "path", "kind", "count")


@cache
def _postgres_sql() -> str:
    """The one statement that writes a record and its items, built once per process."""
    from django.db import connection as any_postgres  # quoting is the same on every alias

    quote = any_postgres.ops.quote_name
    record, item = AccessRecord._meta, AccessRecordItem._meta
    record_columns = ", ".join(quote(record.get_field(n).column) for n in _RECORD_FIELDS)
    item_columns = ", ".join(
        quote(item.get_field(n).column)
        for n in ("record", "client_ref", "object_type", "object_pk", "unit_path")
    )
    return f"""
WITH r AS (
    INSERT INTO {quote(record.db_table)} ({record_columns})
    VALUES ({", ".join(["%s"] * len(_RECORD_FIELDS))})
    RETURNING id
), i AS (
    INSERT INTO {quote(item.db_table)} ({item_columns})
    SELECT r.id, x.c, x.t, x.p, x.u
    FROM r, unnest(%s::text[], %s::text[], %s::text[], %s::text[]) AS x(c, t, p, u)
)
SELECT id FROM r"""  # noqa: S608 (identifiers from model meta; every value is a parameter)


def _write(record: AccessRecord, rows: list[tuple[str, str, str, str]]) -> None:
    """Write the record and its items.

    On PostgreSQL one statement (a data-modifying CTE) writes both, so a read costs one
    round trip and needs no transaction of its own: every page that shows client data
    pays for it (issue 7's query budgets). Elsewhere two statements in one transaction."""
    db = router.db_for_write(AccessRecord)
    connection = connections[db]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=db, savepoint=False):
            record.save(using=db, force_insert=True)
            AccessRecordItem.objects.using(db).bulk_create(
                AccessRecordItem(
                    record=record, client_ref=c, object_type=t, object_pk=p, unit_path=u
                )
                for c, t, p, u in rows
            )
        return
    fields = [AccessRecord._meta.get_field(name) for name in _RECORD_FIELDS]
    values = [f.get_db_prep_save(f.pre_save(record, True), connection) for f in fields]
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * 4
    with connection.cursor() as cursor:
        cursor.execute(_postgres_sql(), [*values, *columns])
        record.pk = cursor.fetchone()[0]
    record._state.adding = False
    record._state.db = db
