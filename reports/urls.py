from __future__ import annotations

from django.urls import path

from . import dashboards, exports

app_name = "reports"

urlpatterns = [
    # Dashboards (reports/dashboards.py)
    path("", dashboards.unit_dashboard, name="dashboard"),
    path("oversikt/", dashboards.overview, name="overview"),
    path("manadsrapport/", dashboards.monthly_report, name="monthly_report"),
    path("export/", exports.export_monthly, name="export"),
]
