"""plotly.js's own base CSS as a static stylesheet, so a CSP without 'unsafe-inline' for
styles holds.

When it loads, plotly.js injects its base rules into a <style> element unless the page
already has an element with id "plotly.js-style-global" and class "no-inline-styles"
(plotly/plotly.js#7109), and its map styles (80 kB, for map traces the dashboards never
draw) unless an element with their id exists. This module extracts the base rules from the
plotly package's own file into static/css/plotly-base.css and the map styles' id into
templates/reports/_plotly_head.html (an inert <template> with that id); a test keeps both
equal to what the installed bundle holds (regenerate: `python -m reports.plotly_css`).
"""

from __future__ import annotations

import re
from pathlib import Path

from .staticfinders import PLOTLY_DIR, PLOTLY_FILE

_START = '{"X,X div":'
_PAIR = re.compile(
    r"""\s*([A-Za-z_$][\w$]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*:\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*([,}])"""
)


def _unquote(literal: str) -> str:
    if literal[0] not in "\"'":
        return literal  # an identifier key, e.g. Y
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


def base_rules(bundle: str) -> list[tuple[str, str]]:
    """(selector, declarations) of plotly's base CSS, selectors expanded as plotly does."""
    at = bundle.index(_START) + 1
    rules = []
    while True:
        match = _PAIR.match(bundle, at)
        if match is None:
            raise ValueError("plotly's base CSS object has an unexpected shape")
        selector = _unquote(match.group(1))
        selector = re.sub(r"^,", " ,", selector)
        selector = selector.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append((selector, _unquote(match.group(2))))
        at = match.end()
        if match.group(3) == "}":
            return rules


def base_css(bundle: str) -> str:
    head = "/* plotly.js base styles, extracted from the plotly package's bundle. */\n"
    return head + "".join(f"{sel}{{{decl}}}\n" for sel, decl in base_rules(bundle))


_MAPLIBRE = re.compile(
    r"""getElementById\("([0-9a-f]{64})"\)\)\{var (\w+)=document\.createElement\("style"\);"""
    r"""\2\.id="\1",\2\.textContent='"""
)


def maplibre_style_id(bundle: str) -> str:
    """The id of the map styles plotly.js injects when it loads unless an element with that
    id exists. It is a hash of the CSS, so it changes with plotly's version."""
    match = _MAPLIBRE.search(bundle)
    if match is None:
        raise ValueError("plotly's map style injection has an unexpected shape")
    return match.group(1)


def bundle_text() -> str:
    return (Path(PLOTLY_DIR) / PLOTLY_FILE).read_text(encoding="utf-8")


STATIC_CSS = Path(__file__).resolve().parent.parent / "static" / "css"
HEAD_TEMPLATE = (
    Path(__file__).resolve().parent.parent / "templates" / "reports" / "_plotly_head.html"
)


def write_static() -> None:
    """Regenerate the committed files from the installed plotly (after upgrading plotly)."""
    bundle = bundle_text()
    style_id = maplibre_style_id(bundle)
    (STATIC_CSS / "plotly-base.css").write_text(base_css(bundle), encoding="utf-8")
    template = HEAD_TEMPLATE.read_text(encoding="utf-8")
    template = re.sub(r'id="[0-9a-f]{64}"', f'id="{style_id}"', template)
    HEAD_TEMPLATE.write_text(template, encoding="utf-8")


if __name__ == "__main__":  # python -m reports.plotly_css
    write_static()
