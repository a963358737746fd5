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
