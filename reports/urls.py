from __future__ import annotations

from django.urls import path

from . import dashboards, exports, partials

app_name = "reports"

urlpatterns = [
    # Dashboards (reports/dashboards.py)
    path("", dashboards.unit_dashboard, name="dashboard"),
    path("oversikt/", dashboards.overview, name="overview"),
    path("traffsakerhet/", dashboards.hit_rate, name="hit_rate"),
    path("manadsrapport/", dashboards.monthly_report, name="monthly_report"),
    path("export/", exports.export_monthly, name="export"),
    # Partials the goals pages compose (reports/partials.py); full pages without htmx
    path(
        "delar/utfall/<slug:unit_code>/<str:month>/",
        partials.recent_outcomes,
        name="partial_recent_outcomes",
    ),
    path("delar/rekord/<slug:unit_code>/", partials.record_month, name="partial_record_month"),
    path("delar/takt/<slug:unit_code>/<str:month>/", partials.pace, name="partial_pace"),
    path(
        "delar/basar/<slug:unit_code>/<slug:indicator>/<int:year>/",
        partials.baseline,
        name="partial_baseline",
    ),
    path(
        "delar/uppfoljning/<slug:unit_code>/<str:month>/",
        partials.followup,
        name="partial_followup",
    ),
    path("delar/traffsakerhet/<slug:unit_code>/", partials.hit_rate, name="partial_hit_rate"),
    path(
        "delar/omraknad/<slug:unit_code>/<str:month>/",
        partials.restated,
        name="partial_restated",
    ),
    path("delar/eor/<slug:unit_code>/<str:month>/", partials.eors, name="partial_eors"),
    path(
        "delar/eor-underlag/<slug:unit_code>/<str:month>/",
        partials.eor_material,
        name="partial_eor_material",
    ),
]
