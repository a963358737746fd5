"""`chart_has_data`: whether a figure (charts.figure_json) has a single value to draw.

A chart of nothing is an empty 0–100 frame that looks like a result; the chart partial
(templates/reports/_chart.html) shows a sentence instead (issue 15).
"""

from __future__ import annotations

from django import template

from reports.charts import figure_has_data

register = template.Library()
register.filter("chart_has_data", figure_has_data)
