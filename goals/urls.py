from __future__ import annotations

from django.urls import path, register_converter

from trelleborg import months

from . import views


class MonthConverter:
    """ "YYYY-MM" in the URL, a first-of-month date in the view (bad months answer 404)."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str):
        return months.parse_month(value)

    def to_url(self, value) -> str:
        return value if isinstance(value, str) else months.format_month(value)


register_converter(MonthConverter, "month")

app_name = "goals"
urlpatterns = [
    path("plan/", views.plan_start, name="plan_start"),
    path("plan/<slug:unit_code>/<month:month>/", views.plan, name="plan"),
    path("gruppmote/", views.meeting_start, name="meeting_start"),
    path("gruppmote/<slug:unit_code>/<month:month>/", views.meeting, name="meeting"),
    path("uppfoljning/", views.followup_start, name="followup_start"),
    path("uppfoljning/<slug:unit_code>/<month:month>/", views.followup, name="followup"),
    path(
        "uppfoljning/<slug:unit_code>/<month:month>/stang/",
        views.followup_close,
        name="followup_close",
    ),
    path("arsmal/", views.year_goals_start, name="year_goals_start"),
    path("arsmal/<slug:unit_code>/<int:year>/", views.year_goals, name="year_goals"),
    path(
        "manuella-varden/<slug:unit_code>/<month:month>/",
        views.manual_values,
        name="manual_values",
    ),
]
