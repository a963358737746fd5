"""Walk every URL pattern of the project (helpers for test_every_url.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def walk(
    patterns=None, prefix: str = "", namespace: str | None = None
) -> Iterator[tuple[str, URLPattern, str]]:
    """(view name, pattern, route) for every URL pattern, namespaces included."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = entry.name or f"<unnamed {prefix}{entry.pattern}>"
            yield (f"{namespace}:{name}" if namespace else name), entry, prefix + str(entry.pattern)


def classify(response) -> str:
    """A response as the expectation table names it."""
    code = response.status_code
    if code in (301, 302):
        location = response["Location"]
        if "/logga-in/" in location or "/admin/login/" in location:
            return "login"
        return "redirect"
    return str(code)
