from __future__ import annotations

from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("jamforelse/", views.comparison, name="comparison"),
    path("beslut/", views.decisions, name="decisions"),
]
