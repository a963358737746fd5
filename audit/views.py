"""Review pages: the change log ("Ändringslogg") and the access log ("Åtkomstlogg").

Read-only by construction: GET only, nothing here writes either log except the access
log's own record of who exported it.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from trelleborg.spreadsheets import csv_line

from .access import log_read
from .forms import AccessFilterForm, ChangeFilterForm
from .models import AccessKind, AccessRecordItem, AuditEntry
from .present import present_page
from .registry import tracked_models
from .selectors import review_units, scope_paths

PAGE_SIZE = 50


def _model_choices() -> list[tuple[str, str]]:
    # Imports are not tracked by django-auditlog (audit.services writes their one entry
    # each), but their entries are filtered on like any other kind.
    imports = apps.get_model("cases", "EventImport")
    kinds = sorted([*tracked_models(), imports], key=lambda m: str(m._meta.verbose_name))
    return [
        (str(ContentType.objects.get_for_model(m).pk), str(m._meta.verbose_name).capitalize())
        for m in kinds
    ]


@require_GET
@login_required
def changes(request: HttpRequest) -> HttpResponse:
    units = review_units(request.user)
    scope_paths(request.user, units, request.GET.get("unit"))  # 404 for a unit out of reach
    form = ChangeFilterForm(request.GET or None, units=units, models=_model_choices())
    entries = AuditEntry.objects.none()
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        paths = scope_paths(request.user, units, data.get("unit"))
        entries = (
            AuditEntry.objects.all() if paths is None else AuditEntry.objects.for_unit_paths(paths)
        )
        if data.get("model"):
            entries = entries.filter(content_type_id=data["model"])
        if data.get("action"):
            entries = entries.filter(action=int(data["action"]))
        if data.get("user"):
            entries = entries.filter(actor__username=data["user"])
        if data.get("date_from"):
            entries = entries.filter(timestamp__date__gte=data["date_from"])
        if data.get("date_to"):
            entries = entries.filter(timestamp__date__lte=data["date_to"])
        entries = entries.select_related("actor", "content_type").order_by("-timestamp", "-id")
    page = present_page(Paginator(entries, PAGE_SIZE).get_page(request.GET.get("sida")))
    template = "audit/_changes_table.html" if request.htmx else "audit/changes.html"
    return render(request, template, {"form": form, "page": page, "query": _query(request)})


def _access_items(request: HttpRequest, form: AccessFilterForm, units):
    data = form.cleaned_data if form.is_bound else {}
    paths = scope_paths(request.user, units, data.get("unit"))
    items = (
        AccessRecordItem.objects.all()
        if paths is None
        else AccessRecordItem.objects.for_unit_paths(paths)
    )
    if data.get("user"):
        items = items.filter(record__username=data["user"])
    if data.get("client_ref"):
        items = items.filter(client_ref=data["client_ref"].strip())
    if data.get("kind"):
        items = items.filter(record__kind=data["kind"])
    if data.get("date_from"):
        items = items.filter(record__at__date__gte=data["date_from"])
    if data.get("date_to"):
        items = items.filter(record__at__date__lte=data["date_to"])
    return items.select_related("record").order_by("-record__at", "-record_id", "id")


@require_GET
@login_required
def access(request: HttpRequest) -> HttpResponse:
    units = review_units(request.user)
    scope_paths(request.user, units, request.GET.get("unit"))  # 404 for a unit out of reach
    form = AccessFilterForm(request.GET or None, units=units)
    items = AccessRecordItem.objects.none()
    if not form.is_bound or form.is_valid():
        items = _access_items(request, form, units)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("sida"))
    template = "audit/_access_table.html" if request.htmx else "audit/access.html"
    return render(
        request,
        template,
        {"form": form, "page": page, "query": _query(request), "kinds": dict(AccessKind.choices)},
    )


@require_GET
@login_required
def access_export(request: HttpRequest) -> HttpResponse:
    units = review_units(request.user)
    scope_paths(request.user, units, request.GET.get("unit"))  # 404 for a unit out of reach
    form = AccessFilterForm(request.GET or None, units=units)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "audit/access.html",
            {"form": form, "page": None, "query": _query(request)},
            status=400,
        )
    items = _access_items(request, form, units)
    # The export shows client references too: it is itself a logged read.
    log_read(request, kind=AccessKind.EXPORT)
    kinds = {key: str(label) for key, label in AccessKind.choices}
    # Headers as on the page, in the reader's language: built now, while the request's
    # language is active (the body is streamed after the view returns).
    header = [
        _("Tidpunkt"),
        _("Vem"),
        _("IP-adress"),
        _("Typ"),
        _("Sida"),
        _("Klientreferens"),
        _("Objekt"),
    ]

    def rows():
        # A BOM so that Excel reads å, ä and ö; every cell through the one safe-cell helper
        # (a stored client ref such as "=HYPERLINK(…)" must not become a formula).
        yield "\ufeff" + csv_line(header)
        for item in items.iterator(chunk_size=2000):
            record = item.record
            yield csv_line(
                [
                    timezone.localtime(record.at).isoformat(timespec="seconds"),
                    record.username,
                    record.ip or "",
                    str(kinds.get(record.kind, record.kind)),
                    record.path,
                    item.client_ref,
                    f"{item.object_type}:{item.object_pk}" if item.object_type else "",
                ]
            )

    stamp = timezone.localdate().isoformat()
    return StreamingHttpResponse(
        rows(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="atkomstlogg-{stamp}.csv"'},
    )


def _query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("sida", None)
    return params.urlencode()
