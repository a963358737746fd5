"""The access log as seen from the apps below `audit` (a leaf: it imports no app).

`cases` and `goals` must not import `audit` (it sits at the top of the dependency chain),
yet their views are where client-level data is read. They call `log_read` here; `audit`
registers the real writer (audit.access.log_read) in its AppConfig.ready().

    from trelleborg import accesslog
    accesslog.log_read(request, kind="case", records=[case])

Without a registered writer the read fails: client data is never shown unlogged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import ImproperlyConfigured

_writer: Callable[..., Any] | None = None


def register(writer: Callable[..., Any]) -> None:
    global _writer
    _writer = writer


def log_read(request: Any, *, kind: str, records: Iterable[Any] = (), unit: Any = None) -> Any:
    """Record that the signed-in user is shown `records` (see audit.access.log_read)."""
    if _writer is None:
        raise ImproperlyConfigured("No access log is registered (is 'audit' installed?)")
    return _writer(request, kind=kind, records=records, unit=unit)


class ReadLoggedAdmin:
    """ModelAdmin mixin: the admin's lists and forms of client-level data are reads like any
    page's. Every changelist page logs the rows it shows and every change form the object
    it shows (kind "admin"), after the view has built its response, so a refused or
    missing object logs nothing. `read_records(objs, form=…)` may widen what one object shows
    (a plan shows its named clients)."""

    def read_records(self, objs: list[Any], *, form: bool = False) -> list[Any]:
        return objs

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            log_read(request, kind="admin", records=self.read_records(list(changelist.result_list)))
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if shown is not None:
            log_read(request, kind="admin", records=self.read_records([shown], form=True))
        return response


class ReadLoggedAutocomplete(AutocompleteJsonView):
    """The admin's autocomplete (`admin/autocomplete/`, the search box of a foreign-key
    field): its answer lists rows of the searched model, so when that model's admin is a
    ReadLoggedAdmin the rows it returns are a read like a changelist page's."""

    shown: list[Any] | None = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if isinstance(self.model_admin, ReadLoggedAdmin):
            # A list, so the answer and the log iterate the same rows with one query.
            self.shown = context["object_list"] = list(context["object_list"])
        return context

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.shown:
            log_read(request, kind="admin", records=self.model_admin.read_records(self.shown))
        return response
