from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .access import visible_units
from .models import Membership


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = Membership.objects.filter(user=request.user).select_related("unit")
    return render(
        request,
        "home.html",
        {"memberships": memberships, "units": visible_units(request.user).exists()},
    )
