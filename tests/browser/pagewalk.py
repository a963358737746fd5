"""Walk every kind of page a signed-in role can reach (the accessibility test and
scripts/screenshots.py share it).

Start from the header's links (the "Administrera" menu included), then follow the links on
those pages, keeping one URL of each kind: a kind is the Django view name (for the admin,
its kind of page: index, app list, change list, change form, add form), so 300 case pages
count once. Downloads, fragments, the API, sign-out and language switching are not pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

# view names (or prefixes) that are no page to walk
SKIP_PREFIXES = ("api:", "reports:partial_", "audit:oidc")
SKIP_NAMES = {
    "logout",
    "set_language",
    "login",
    "reports:export",
    "audit:access_export",
    "goals:followup_close",
    "cases:import_confirm",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:view_on_site",
    "admin:jsi18n",
    "admin:autocomplete",
}
ADMIN_KINDS = ("changelist", "change", "add", "history", "delete", "app_list", "index")
# admin pages kept: one of each kind below (history/delete pages are stock Django)
ADMIN_WALKED = {"index", "app_list", "changelist", "change", "add"}

LINKS_JS = """() => Array.from(document.querySelectorAll('header a[href], main a[href]'))
  .filter(a => !a.hasAttribute('download') && !a.closest('.js-plotly-plot'))
  .map(a => a.href)"""


def kind_of(path: str) -> str | None:
    """The page kind of a same-site path, or None when it is not a page to walk."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    name = match.view_name
    if name in SKIP_NAMES or name.startswith(SKIP_PREFIXES):
        return None
    if name.startswith("admin:"):
        kind = next((k for k in ADMIN_KINDS if name.endswith(k)), None)
        return f"admin:{kind}" if kind in ADMIN_WALKED else None
    return name


def walk(page, base_url: str, *, max_pages: int = 40) -> Iterator[str]:
    """Visit the pages a role reaches, yielding each path once the page has loaded (the
    caller checks it there). Three levels: the header's links, their links, and theirs."""
    seen: set[str] = set()
    queue: list[str] = ["/"]
    visited = 0
    depth = {"/": 0}
    while queue and visited < max_pages:
        path = queue.pop(0)
        response = page.goto(base_url + path)
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        page.wait_for_load_state("load")
        visited += 1
        seen.add(kind_of(path) or path)
        yield path
        if depth[path] >= 3:
            continue
        for href in page.evaluate(LINKS_JS):
            parts = urlsplit(href)
            if not href.startswith(base_url):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            kind = kind_of(parts.path)
            if kind is None or kind in seen or target in depth:
                continue
            seen.add(kind)
            depth[target] = depth[path] + 1
            queue.append(target)
