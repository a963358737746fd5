from __future__ import annotations

from django.urls import path

from . import oidc, views

app_name = "audit"

urlpatterns = [
    path("andringar/", views.changes, name="changes"),
    path("atkomst/", views.access, name="access"),
    path("atkomst/export.csv", views.access_export, name="access_export"),
    path("oidc/logga-in/", oidc.oidc_login, name="oidc_login"),
    path("oidc/callback/", oidc.oidc_callback, name="oidc_callback"),
]
