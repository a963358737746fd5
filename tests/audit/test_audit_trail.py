"""The audit trail: who, when, before and after; scoped review; read-only everywhere."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from audit.middleware import AuditContextMiddleware
from audit.models import AuditEntry
from goals.models import Membership
from tests.factories import CaseEventFactory, MembershipFactory, UserFactory
from trelleborg.vocabulary import Role

pytestmark = pytest.mark.django_db


def _entries_for(obj):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_pk=str(obj.pk)
    ).order_by("timestamp", "id")


def test_create_change_delete_of_an_event_are_recorded_with_before_and_after(org):
    event = CaseEventFactory(case__unit=org["a"], event_type="exit", reason="work")
    event.reason = "studies"
    event.save(update_fields=["reason"])
    pk = event.pk
    entries = list(_entries_for(event))
    assert [e.action for e in entries] == [AuditEntry.Action.CREATE, AuditEntry.Action.UPDATE]
    assert entries[1].changes["reason"] == ["work", "studies"]
    assert entries[0].unit_path == org["a"].path
    event.delete()
    deleted = AuditEntry.objects.get(object_pk=str(pk), action=AuditEntry.Action.DELETE)
    assert deleted.changes["reason"][0] == "studies"


def test_entries_written_during_a_request_name_the_actor_address_and_source(rf, org, maria):
    def view(request):
        MembershipFactory(user=UserFactory(username="ny"), unit=org["a"], role=Role.CASEWORKER)
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = rf.post("/mal/", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="6.6.6.6")
    request.user = maria
    AuditContextMiddleware(view)(request)
    membership = Membership.objects.get(user__username="ny")
    entry = _entries_for(membership).get()
    assert entry.actor == maria
    assert entry.remote_addr == "192.0.2.7"  # the forged header is not believed
    assert entry.source == "page"


def test_passwords_never_enter_the_log(alice):
    alice.set_password("ett-helt-nytt-lösenord-99")
    alice.save()
    for entry in AuditEntry.objects.filter(object_pk=str(alice.pk)):
        assert "password" not in (entry.changes or {})


def test_deactivation_is_recorded(alice):
    alice.is_active = False
    alice.save()
    entry = AuditEntry.objects.filter(object_pk=str(alice.pk)).latest("timestamp")
    assert entry.changes["is_active"] == [True, False]


def test_manager_sees_changes_of_own_units_only(client, org, maria):
    CaseEventFactory(case__unit=org["a"], event_id="ev-in-a")
    CaseEventFactory(case__unit=org["b"], event_id="ev-in-b")
    client.force_login(maria)
    response = client.get(reverse("audit:changes"))
    assert response.status_code == 200
    shown = {e.object_pk for e in response.context["page"].object_list}
    in_a = set(
        AuditEntry.objects.for_unit_paths([org["a"].path]).values_list("object_pk", flat=True)
    )
    in_b = set(
        AuditEntry.objects.for_unit_paths([org["b"].path]).values_list("object_pk", flat=True)
    )
    assert shown and shown <= in_a
    assert not (shown - in_a) and not (shown & (in_b - in_a))
    # Asking for a unit out of reach is a 404, not an empty page.
    assert client.get(reverse("audit:changes"), {"unit": "unit-b"}).status_code == 404


def test_administrator_sees_all_changes_and_filters(client, org, ada):
    CaseEventFactory(case__unit=org["b"], event_id="ev-in-b")
    client.force_login(ada)
    response = client.get(reverse("audit:changes"), {"unit": "unit-b"})
    assert response.status_code == 200
    assert response.context["page"].object_list
    htmx = client.get(reverse("audit:changes"), {"unit": "unit-b"}, HTTP_HX_REQUEST="true")
    assert b'id="changes-table"' in htmx.content
    assert b"<html" not in htmx.content


@pytest.mark.parametrize("persona", ["alice", "carl", "lena"])
def test_caseworkers_and_leadership_cannot_review_the_log(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get(reverse("audit:changes")).status_code == 404
    assert client.get(reverse("audit:access")).status_code == 404
    assert client.get(reverse("audit:access_export")).status_code == 404


def test_the_log_is_read_only_in_the_admin(client, org, ada):
    event = CaseEventFactory(case__unit=org["a"])
    entry = _entries_for(event).first()
    client.force_login(ada)
    opts = AuditEntry._meta
    change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[entry.pk])
    delete_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[entry.pk])
    add_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    assert client.get(change_url).status_code == 200  # viewing is allowed
    assert client.post(change_url, {"object_repr": "ändrad"}).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert client.get(add_url).status_code == 403
    entry.refresh_from_db()
    assert entry.object_repr != "ändrad"


def test_the_review_pages_accept_no_writes(client, ada):
    client.force_login(ada)
    for name in ("audit:changes", "audit:access", "audit:access_export"):
        assert client.post(reverse(name)).status_code == 405
