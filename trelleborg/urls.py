from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from audit.forms import AdminSignInForm, SignInForm
from cases import myday
from integrations.api import api
from trelleborg.accesslog import ReadLoggedAutocomplete

admin.site.login_form = AdminSignInForm
# The admin in the product's name, Swedish (issue 15); templates/admin/base_site.html styles it.
admin.site.site_header = _("EOR – administration")
admin.site.site_title = _("EOR – administration")
admin.site.index_title = _("Administration av EOR")
# The site's own autocomplete, access-logged (the site wraps it in admin_view as before).
admin.site.autocomplete_view = ReadLoggedAutocomplete.as_view(admin_site=admin.site)


def favicon(request):
    """/favicon.ico for clients that ask for it without reading the page's <link rel=icon>."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("", myday.home, name="home"),  # Min dag for caseworkers, else goals' start page
    path("favicon.ico", favicon, name="favicon"),
    path(
        "logga-in/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=SignInForm
        ),
        name="login",
    ),
    path("logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("arenden/", include("cases.urls")),
    path("rapporter/", include("reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("mal/", include("goals.urls")),
    path("api/", api.urls),
    path("logg/", include("audit.urls")),
    path("integrationer/", include("integrations.urls")),
]
