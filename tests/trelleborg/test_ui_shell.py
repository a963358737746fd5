"""The page shell (issue 15): a favicon that exists, the admin under EOR's own name in
Swedish, and the administrative links grouped in one menu."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_links_a_favicon_that_is_served(client, maria):
    client.force_login(maria)
    page = client.get(reverse("home")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    assert finders.find("favicon.svg")


def test_the_admin_is_eor_administration_in_swedish(client, ada):
    client.force_login(ada)
    page = client.get(reverse("admin:index")).content.decode()
    assert "EOR – administration" in page
    assert "Django" not in page.split("<body", 1)[1].split("</header>", 1)[0]
    assert 'href="/static/favicon.svg"' in page
    assert "Inloggningsspärr" in page  # the Axes section
    assert "inloggningsförsök" in page.lower()
    assert "Access attempts" not in page


def test_api_token_user_columns_are_swedish(client, ada):
    client.force_login(ada)
    page = client.get(reverse("admin:integrations_apitoken_add")).content.decode()
    assert "Created by" not in page and "Revoked by" not in page


def test_administrative_links_share_one_menu_for_managers_only(client, maria, alice):
    client.force_login(maria)
    page = client.get(reverse("home")).content.decode()
    menu = page.split("<details data-nav-menu", 1)[1].split("</details>", 1)[0]
    for url in (reverse("audit:changes"), reverse("audit:access"), reverse("cases:import_events")):
        assert f'href="{url}"' in menu
    client.force_login(alice)
    assert "data-nav-menu" not in client.get(reverse("home")).content.decode()


def test_fields_without_verbose_name_get_swedish_labels_without_a_migration():
    from django.core.management import call_command

    from audit.models import AuditEntry
    from goals.models import GroupDecision
    from integrations.models import ApiToken

    assert str(GroupDecision._meta.get_field("decided_by").verbose_name) == "beslutad av"
    assert str(ApiToken._meta.get_field("revoked_by").verbose_name) == "återkallad av"
    assert str(AuditEntry._meta.get_field("action").verbose_name) == "åtgärd"  # auditlog's
    # a label given in code stays as it is
    assert str(GroupDecision._meta.get_field("month").verbose_name) != "month"
    # and the migration state does not see the labels (deconstruct reads _verbose_name)
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_favicon_ico_redirects_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].startswith("/static/favicon")
