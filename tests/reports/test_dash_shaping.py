"""The pure shaping functions behind the dashboards (no database)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from reports import charts
from reports.charts import LeadMonth, YearPosition

D = dt.date


def months(year, values):
    return {D(year, m, 1): v for m, v in values.items()}


def test_year_position_past_current_and_future_years():
    today = D(2018, 4, 17)
    assert charts.year_position(2017, today) == YearPosition(2017, 12, None)
    assert charts.year_position(2018, today) == YearPosition(2018, 3, D(2018, 4, 1))
    assert charts.year_position(2019, today) == YearPosition(2019, 0, None)
    assert charts.year_position(2018, today).months_left == 9


def test_exits_frame_leaves_months_not_begun_empty_and_runs_a_total():
    position = charts.year_position(2018, D(2018, 3, 10))
    frame = charts.exits_year_frame(
        year=2018,
        position=position,
        exits=months(2018, {1: 3, 3: 2}),
        eor=months(2018, {1: 4, 2: 1, 3: 9}),
        targets=months(2018, {1: 7}),
    )
    assert list(frame["exits"][:4]) == [3, 0, 2, None]
    assert list(frame["cumulative"][:4]) == [3, 3, 5, None]
    # Verdict on the EOR only for months that are over; March is still running.
    assert list(frame["met_eor"][:3]) == [False, False, None]
    assert frame.loc[D(2018, 1, 1), "targets_sum"] == 7


def test_year_progress_pace_and_projection_mid_year():
    # Three months over with 6 exits, April running with 4 so far; goal 48.
    position = charts.year_position(2018, D(2018, 4, 20))
    frame = charts.exits_year_frame(
        year=2018,
        position=position,
        exits=months(2018, {1: 1, 2: 2, 3: 3, 4: 4}),
        eor={},
        targets={},
    )
    progress = charts.year_progress(frame, goal=48, position=position)
    assert progress.ytd == 10
    assert progress.ytd_closed == 6
    assert progress.months_left == 9
    # (48 - 6) / 9 months still to play for (April included: it is not over)
    assert progress.pace_needed == pytest.approx(42 / 9)
    # 6 in 3 months = 2 a month -> 6 + 2 * 9 = 24
    assert progress.projected == pytest.approx(24)
    assert progress.on_track is False


def test_year_progress_for_a_year_that_is_over_and_one_not_begun():
    done = charts.year_position(2017, D(2018, 1, 5))
    frame = charts.exits_year_frame(
        year=2017, position=done, exits=months(2017, {5: 30, 9: 20}), eor={}, targets={}
    )
    progress = charts.year_progress(frame, goal=40, position=done)
    assert (progress.ytd, progress.projected, progress.pace_needed, progress.on_track) == (
        50,
        50.0,
        None,
        True,
    )
    ahead = charts.year_position(2019, D(2018, 1, 5))
    frame = charts.exits_year_frame(year=2019, position=ahead, exits={}, eor={}, targets={})
    progress = charts.year_progress(frame, goal=24, position=ahead)
    assert progress.pace_needed == 2.0
    assert progress.projected is None and progress.on_track is None


def test_pace_needed_is_zero_once_the_goal_is_reached():
    position = charts.year_position(2018, D(2018, 7, 1))
    frame = charts.exits_year_frame(
        year=2018, position=position, exits=months(2018, {1: 60}), eor={}, targets={}
    )
    assert charts.year_progress(frame, goal=50, position=position).pace_needed == 0.0


def test_goal_target_absolute_or_relative_to_a_baseline():
    assert charts.goal_target(target=30, baseline_value=None, factor=None) == 30.0
    assert charts.goal_target(target=None, baseline_value=24, factor=2) == 48.0
    assert charts.goal_target(target=None, baseline_value=None, factor=2) is None


def test_record_month_is_the_first_month_to_reach_the_highest_count():
    values = {D(2017, 5, 1): 9, D(2018, 2, 1): 12, D(2018, 6, 1): 12, D(2016, 1, 1): 3}
    assert charts.record_month(values) == (D(2018, 2, 1), 12)
    assert charts.record_month({}) is None
    assert charts.record_month({D(2018, 1, 1): 0}) is None


@pytest.mark.parametrize(
    ("value", "shown"), [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (17, 17), (None, None)]
)
def test_mask_count_hides_one_to_four(value, shown):
    assert charts.mask_count(value, threshold=5) == shown


def test_percentiles_hidden_below_threshold_unless_viewer_sees_in_full():
    assert charts.percentiles_shown(4, min_n=5, full=False) is False
    assert charts.percentiles_shown(5, min_n=5, full=False) is True
    assert charts.percentiles_shown(1, min_n=5, full=True) is True
    assert charts.percentiles_shown(0, min_n=5, full=True) is False


def test_lead_time_frame_masks_small_months_for_outsiders_only():
    position = charts.year_position(2018, D(2019, 1, 1))
    rows = {
        D(2018, 1, 1): LeadMonth(n=3, median=9.0, p90=17.2, open=2),
        D(2018, 2, 1): LeadMonth(n=12, median=10.5, p90=20.0, open=3),
    }
    outsider = charts.lead_time_frame(year=2018, position=position, rows=rows, min_n=5, full=False)
    jan, feb, mar = (outsider.loc[D(2018, m, 1)] for m in (1, 2, 3))
    assert (jan["n"], jan["median"], jan["p90"], jan["masked"]) == (3, None, None, True)
    assert (feb["median"], feb["p90"], feb["masked"]) == (10.5, 20.0, False)
    assert (mar["n"], mar["median"], mar["masked"], mar["open"]) == (0, None, False, 0)
    member = charts.lead_time_frame(year=2018, position=position, rows=rows, min_n=5, full=True)
    assert member.loc[D(2018, 1, 1), "median"] == 9.0


def test_exits_figure_marks_the_record_month_by_pattern_and_label_not_colour_alone():
    position = charts.year_position(2018, D(2019, 1, 1))
    frame = charts.exits_year_frame(
        year=2018, position=position, exits=months(2018, {2: 7, 3: 4}), eor={}, targets={}
    )
    figure = charts.figure_json(charts.exits_figure(frame, record=(D(2018, 2, 1), 7)))
    bars = figure["data"][0]
    assert bars["type"] == "bar"
    assert bars["y"][:3] == [0, 7, 4]
    assert bars["marker"]["pattern"]["shape"][1] == "/"
    assert bars["text"][1] == "Rekord"
    assert [trace["name"] for trace in figure["data"]] == [
        "Avslut",
        "EOR (beslut)",
        "Summa individuella mål",
    ]
    json.dumps(figure)  # plain JSON, embeddable with json_script


def test_cumulative_figure_draws_pace_and_projection_from_the_last_closed_month():
    position = charts.year_position(2018, D(2018, 4, 20))
    frame = charts.exits_year_frame(
        year=2018, position=position, exits=months(2018, {1: 2, 2: 2, 3: 2}), eor={}, targets={}
    )
    progress = charts.year_progress(frame, goal=42, position=position)
    figure = charts.figure_json(charts.cumulative_figure(frame, progress=progress))
    by_name = {trace["name"]: trace for trace in figure["data"]}
    pace = by_name["Takt som behövs"]
    assert pace["y"][0] == 6 and pace["y"][-1] == pytest.approx(42)
    projection = by_name["Prognos"]
    assert projection["y"][-1] == pytest.approx(24)
    assert by_name["Årsmål i jämn takt"]["y"][-1] == 42


def test_hit_rate_frame_keeps_months_without_named_clients_empty():
    ms = [D(2018, 1, 1), D(2018, 2, 1)]
    frame = charts.hit_rate_frame({"unit-a": {ms[0]: 0.5}}, ms)
    assert list(frame["unit-a"]) == [0.5, None]
    figure = charts.figure_json(charts.hit_rate_figure(frame, names={"unit-a": "Grupp A"}))
    assert figure["data"][0]["y"] == [50.0, None]
    assert figure["data"][0]["name"] == "Grupp A"
