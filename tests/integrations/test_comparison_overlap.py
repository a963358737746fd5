"""The Kolada comparison draws own figures beside Kolada's only when some year has both."""

from __future__ import annotations

from integrations.views import _overlap


def test_years_that_never_meet_are_no_comparison():
    own = {2025: 30.0, 2026: 28.0}
    assert not _overlap(own, {"1287": {2018: 40.0, 2019: 38.0}})


def test_one_shared_year_is_a_comparison():
    assert _overlap({2019: 30.0, 2020: None}, {"1287": {2019: 40.0}, "1280": {}})


def test_one_side_alone_still_draws_its_own_chart():
    assert _overlap({2025: None}, {"1287": {2019: 40.0}})
    assert _overlap({2025: 30.0}, {"1287": {}})
