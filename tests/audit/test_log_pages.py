"""The logs for people (issue 15): Swedish labels and choice names, one line per change
with the details on demand, page numbers and totals."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from audit.models import AccessKind, AccessRecord, AccessRecordItem
from tests.factories import CaseEventFactory

pytestmark = pytest.mark.django_db


def test_change_log_speaks_swedish(client, org, maria):
    event = CaseEventFactory(
        case__unit=org["a"], event_type="exit", reason="work", program="etablering"
    )
    event.reason = "studies"
    event.save(update_fields=["reason"])
    client.force_login(maria)
    body = client.get(reverse("audit:changes")).content.decode()
    assert "<details>" in body and "<summary>" in body
    assert "Skapad" in body and "Ändrad" in body
    # labels and choice names, never the raw keys and codes
    assert "<dt>Orsak</dt><dd>Arbete → Studier</dd>" in body
    assert "<dt>Händelsetyp</dt><dd>Avslut</dd>" in body
    assert "Etablering" in body
    assert "→ application_received" not in body and "event_type" not in body
    assert ">create<" not in body
    assert "Grupp A" in body  # the unit by name, not by id


def test_change_log_pages_with_numbers_and_total(client, org, ada):
    for n in range(30):
        CaseEventFactory(case__unit=org["a"], event_id=f"p-{n}")  # 2-3 entries each
    client.force_login(ada)
    first = client.get(reverse("audit:changes"))
    page = first.context["page"]
    total, pages = page.paginator.count, page.paginator.num_pages
    assert pages >= 2
    body = first.content.decode()
    assert f"Sida 1 av {pages}, {total} ändringar" in body
    assert f'sida={pages}">Sista<' in body and 'rel="next"' in body
    last = client.get(reverse("audit:changes"), {"sida": pages}).content.decode()
    assert f"Sida {pages} av {pages}" in last and 'sida=1">Första<' in last


def test_change_log_total_is_spaced_the_swedish_way():
    from audit.templatetags.audit_tags import spaced

    assert spaced(2750) == "2\u00a0750" and spaced(138) == "138"


def test_correction_reason_is_shown_in_the_change_log(client, org, maria, alice):
    from cases import services

    case = CaseEventFactory(case__unit=org["a"]).case
    event = services.exit_log(case=case, reason="work", by=alice)
    services.exit_correct(event=event, reason="Fel orsak", by=maria, exit_reason="studies")
    client.force_login(maria)
    body = client.get(reverse("audit:changes")).content.decode()
    assert "<dt>Motivering</dt><dd>Fel orsak</dd>" in body


def test_access_log_one_line_per_read_with_pages(client, org, maria):
    for n in range(60):
        record = AccessRecord.objects.create(
            username="alice", method="GET", path=f"/arenden/{n}/", kind=AccessKind.CASE, count=1
        )
        AccessRecordItem.objects.create(
            record=record, client_ref=f"K-{n:05d}", unit_path=org["a"].path
        )
    client.force_login(maria)
    body = client.get(reverse("audit:access")).content.decode()
    assert "Sida 1 av 2, 60 läsningar" in body
    assert "<details>" in body and "· <strong>Ärende</strong> · K-00059" in body
    assert 'sida=2">Sista<' in body


def test_a_withdrawn_exit_reads_as_what_was_deleted_and_why(client, org, maria, alice):
    from cases import services

    case = CaseEventFactory(case__unit=org["a"]).case
    event = services.exit_log(case=case, reason="work", by=alice)
    services.exit_withdraw(event=event, reason="Fel klient", by=maria)
    client.force_login(maria)
    body = client.get(reverse("audit:changes")).content.decode()
    deleted = body[body.index("<strong>Borttagen</strong>") :].split("</details>")[0]
    assert "<dt>Orsak</dt><dd>Arbete</dd>" in deleted
    assert "<dt>Motivering</dt><dd>Fel klient</dd>" in deleted
    assert "<dt>Registrerad av</dt><dd>alice</dd>" in deleted
    assert "History" not in body and ".None" not in body  # no reverse relations
    # moments in local time to the minute, not auditlog's raw "2026-12-07 23:34:24.783839"
    assert not re.search(r"<dd>[^<]*\d{2}:\d{2}:\d{2}\.\d{6}", body)


def test_change_log_query_count_does_not_grow_with_entries(
    client, org, maria, django_assert_max_num_queries
):
    for n in range(40):
        CaseEventFactory(case__unit=org["a"], event_id=f"q-{n}")
    client.force_login(maria)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("audit:changes"))
    assert len(response.context["page"].object_list) == 50


def test_imported_changes_name_units_by_name(client, org, ada):
    from cases.importing import import_file

    row = "event_id,case_id,client_ref,unit,event_type,occurred_on,reason\ns1,S-1,K-301,{},exit,2018-02-03,work\n"
    import_file(row.format("unit-a").encode(), user=ada)
    import_file(row.format("unit-b").encode(), user=ada)
    client.force_login(ada)
    body = client.get(reverse("audit:changes")).content.decode()
    assert "<dt>Enhet</dt><dd>Grupp A → Grupp B</dd>" in body
