"""The access log: log_read records who read which client, and the review page."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import RequestFactory
from django.urls import reverse

from audit.access import log_read
from audit.models import AccessRecord, AccessRecordItem
from tests.factories import CaseEventFactory, CaseFactory

pytestmark = pytest.mark.django_db


def _request(user, path="/arenden/1/", ip="192.0.2.10"):
    request = RequestFactory().get(path, REMOTE_ADDR=ip)
    request.user = user
    return request


def test_log_read_records_who_what_when_and_where(org, alice, django_assert_max_num_queries):
    case = CaseFactory(unit=org["a"], client__ref="K-00042")
    event = CaseEventFactory(case=case)
    with django_assert_max_num_queries(6):
        record = log_read(
            _request(alice),
            kind="case",
            records=[case, event, case.client, "K-00077"],
            unit=org["a"],
        )
    assert record.username == "alice"
    assert record.ip == "192.0.2.10"
    assert record.path == "/arenden/1/"
    assert record.count == 4
    items = list(record.items.order_by("id"))
    assert [i.client_ref for i in items] == ["K-00042", "K-00042", "K-00042", "K-00077"]
    assert items[0].object_type == "case" and items[0].object_pk == str(case.pk)
    assert {i.unit_path for i in items[:2]} == {org["a"].path}
    assert items[3].unit_path == org["a"].path  # a plain reference takes the page's unit


def test_log_read_batches_queries_for_long_lists(org, alice, django_assert_max_num_queries):
    cases = [CaseFactory(unit=org["a"]) for _ in range(30)]
    with django_assert_max_num_queries(6):
        record = log_read(_request(alice), kind="case_list", records=cases)
    assert record.items.count() == 30


def test_unknown_kind_is_a_programming_error(alice):
    with pytest.raises(ValueError):
        log_read(_request(alice), kind="peek", records=[])


def _seed_reads(org, alice, carl):
    in_a = CaseFactory(unit=org["a"], client__ref="K-00001")
    in_b = CaseFactory(unit=org["b"], client__ref="K-00002")
    log_read(_request(alice), kind="case", records=[in_a])
    log_read(_request(carl, path="/arenden/2/"), kind="case", records=[in_b])


def test_manager_reviews_reads_of_own_units(client, org, alice, carl, maria):
    _seed_reads(org, alice, carl)
    client.force_login(maria)
    response = client.get(reverse("audit:access"))
    refs = {i.client_ref for i in response.context["page"].object_list}
    assert refs == {"K-00001"}
    by_user = client.get(reverse("audit:access"), {"user": "carl"})
    assert not by_user.context["page"].object_list


def test_administrator_reviews_by_user_client_and_period(client, org, alice, carl, ada):
    _seed_reads(org, alice, carl)
    client.force_login(ada)
    page = lambda **q: client.get(reverse("audit:access"), q).context["page"].object_list  # noqa: E731
    assert {i.record.username for i in page(user="carl")} == {"carl"}
    assert {i.client_ref for i in page(client_ref="K-00001")} == {"K-00001"}
    assert len(page(date_from="2000-01-01", date_to="2000-12-31")) == 0
    bad = client.get(reverse("audit:access"), {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert bad.status_code == 200
    assert "Slutdatumet ligger före startdatumet".encode() in bad.content


def test_export_is_csv_of_the_selection_and_is_itself_logged(client, org, alice, carl, ada):
    _seed_reads(org, alice, carl)
    client.force_login(ada)
    response = client.get(reverse("audit:access_export"), {"client_ref": "K-00002"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "Tidpunkt",
        "Vem",
        "IP-adress",
        "Typ",
        "Sida",
        "Klientreferens",
        "Objekt",
    ]  # as on the page
    assert [r[5] for r in rows[1:]] == ["K-00002"]
    assert rows[1][1] == "carl"
    assert AccessRecord.objects.filter(username="ada", kind="export").exists()


def test_access_log_entries_cannot_be_changed_in_the_admin(client, org, alice, ada):
    record = log_read(_request(alice), kind="case", records=["K-00001"])
    client.force_login(ada)
    url = reverse("admin:audit_accessrecord_change", args=[record.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"username": "someone"}).status_code == 403
    delete = reverse("admin:audit_accessrecord_delete", args=[record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AccessRecordItem.objects.filter(record=record).count() == 1
