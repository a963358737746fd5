from __future__ import annotations

from django.urls import path

from . import myday, partials, views

app_name = "cases"

urlpatterns = [
    path("", views.my_cases, name="my_cases"),
    path("min-dag/", myday.my_day, name="my_day"),
    path("min-dag/avslut/<int:pk>/", myday.my_day_exit, name="my_day_exit"),
    path("import/", views.import_events, name="import_events"),
    path("import/bekrafta/", views.import_confirm, name="import_confirm"),
    path("import/historik/", views.import_list, name="import_list"),
    path("nytt/", views.register_case, name="register_case"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/avslut/", views.log_exit, name="log_exit"),
    path("<int:pk>/handelse/", views.log_event, name="log_event"),
    path("<int:pk>/avslut/<int:event_pk>/andra/", views.amend_exit, name="amend_exit"),
    # Partials goals' pages compose (cases/partials.py)
    path(
        "delar/avslutade/<slug:unit_code>/<str:month>/",
        partials.ended_named,
        name="partial_ended_named",
    ),
]
