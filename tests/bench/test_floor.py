"""The floor of the exit benchmark (bench/floor_urls.py): the product's URLs plus one
login-required, CSRF-checked POST that inserts one row; absent from the product's URLs."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from cases.models import FormSubmission

pytestmark = pytest.mark.django_db


def test_the_product_has_no_floor_url():
    with pytest.raises(NoReverseMatch):
        reverse("bench_floor")


@pytest.mark.urls("bench.floor_urls")
def test_floor_inserts_one_row_for_a_signed_in_post_only(alice):
    anonymous = Client()
    assert anonymous.post("/bench/floor/").status_code == 302
    assert not FormSubmission.objects.exists()

    checked = Client(enforce_csrf_checks=True)
    checked.force_login(alice)
    assert checked.post("/bench/floor/").status_code == 403  # no CSRF token

    signed_in = Client()
    signed_in.force_login(alice)
    assert signed_in.get("/bench/floor/").status_code == 405
    response = signed_in.post("/bench/floor/")
    assert response.status_code == 200
    assert FormSubmission.objects.filter(user=alice).count() == 1
    # the product's pages are still there
    assert signed_in.get(reverse("home")).status_code == 200
