"""Schemathesis against the published OpenAPI schema: no generated request is a server error.

The schema is the one /api/openapi.json serves (tests/integrations/test_api.py checks the
endpoint), and every operation is called on the WSGI app with a valid read-and-write token
for the whole organisation, so generated requests get past authentication and reach
validation and the import core. Responses must also match the documented statuses and shapes.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from integrations.api import api

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Loaded at collection without a database: the same builder the schema endpoint answers with.
schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/")))
)
schema.app = get_wsgi_application()


@pytest.fixture
def in_test_transaction():
    """Calls on the WSGI app stay inside the test's transaction, as with Django's test client
    (which disconnects the same handlers): otherwise each request closes the connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_error(case, robot, settings, in_test_transaction):
    settings.ALLOWED_HOSTS = ["*"]
    response = case.call(headers={"Authorization": f"Bearer {robot.secret}"})
    case.validate_response(response, checks=CHECKS)
