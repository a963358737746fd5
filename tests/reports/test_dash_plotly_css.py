"""plotly's styles as committed files, kept equal to the installed plotly bundle."""

from __future__ import annotations

import pytest

from reports import plotly_css


def test_committed_plotly_styles_match_the_installed_bundle():
    bundle = plotly_css.bundle_text()
    committed = (plotly_css.STATIC_CSS / "plotly-base.css").read_text(encoding="utf-8")
    assert committed == plotly_css.base_css(bundle), (
        "plotly changed: regenerate with `python -m reports.plotly_css`"
    )
    head = plotly_css.HEAD_TEMPLATE.read_text(encoding="utf-8")
    assert f'id="{plotly_css.maplibre_style_id(bundle)}"' in head, (
        "plotly changed: regenerate with `python -m reports.plotly_css`"
    )
    assert 'id="plotly.js-style-global" class="no-inline-styles"' in head


def test_base_rules_expand_plotlys_selector_shorthand():
    bundle = 'x={"X,X div":\'margin:0;\',Y:"z-index:1;","X a:hover":"fill:#3c6dc5;"};'
    assert plotly_css.base_rules(bundle) == [
        (".js-plotly-plot .plotly,.js-plotly-plot .plotly div", "margin:0;"),
        (".plotly-notifier", "z-index:1;"),
        (".js-plotly-plot .plotly a:hover", "fill:#3c6dc5;"),
    ]


def test_an_unexpected_bundle_shape_is_a_clear_error():
    with pytest.raises(ValueError, match="unexpected shape"):
        plotly_css.base_rules('{"X,X div": 12}')
    with pytest.raises(ValueError, match="unexpected shape"):
        plotly_css.maplibre_style_id("nothing here")
