"""Suite-wide settings and the named personas (STYLE.md: healthchecks' hc/test.py).

The organisation every persona test uses:

    org (Testkommunen)
    ├── unit-a (Grupp A): caseworkers alice and bob, manager maria
    └── unit-b (Grupp B): caseworker carl (must not see unit A)
    leadership lena on org (aggregates only); admin ada (superuser)
"""

from __future__ import annotations

import os

import pytest

from trelleborg.vocabulary import Role

# The browser fixtures (Playwright + Chromium) and the real Celery worker (tests/plugins/).
pytest_plugins = [
    "tests.plugins.browser",
    "tests.plugins.celery_worker",
    "tests.plugins.oidc_provider",  # a real OpenID Connect provider (Node.js)
]

REAL_REDIS = bool(os.environ.get("REDIS_URL"))
REAL_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def pytest_collection_modifyitems(config, items):
    """Deselect (not skip) the tests whose real services this run does not have.

    `.ci/run` runs the suite twice: on PostgreSQL + Redis (everything) and on SQLite.
    """
    keep, drop = [], []
    for item in items:
        _serialized_rollback_if_transactional(item)
        if (item.get_closest_marker("services") and not REAL_REDIS) or (
            item.get_closest_marker("postgres") and not REAL_POSTGRES
        ):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _serialized_rollback_if_transactional(item) -> None:
    """Every transactional test restores the migrations' data with serialized rollback.
    Mixed with plain transactional tests, a plain one's flush re-creates content types
    under new ids and the next serialized test (the worker tests) fails on them."""
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", None)
    if names is None:
        return
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in names for name in ("transactional_db", "live_server")
    )
    if transactional and "django_db_serialized_rollback" not in names:
        names.append("django_db_serialized_rollback")


# Data migrations that seed rows every installation has (the built-in indicators).
_SEED_MIGRATIONS = (
    "goals.migrations.0002_seed_indicators",
    "integrations.migrations.0004_seed_return_rate_indicator",
)


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
        or (marker and marker.kwargs.get("transaction"))
    )


@pytest.fixture(autouse=True)
def _seeded_rows_survive_flushes(request):
    """A transactional test ends with a flush, which also empties the rows that data
    migrations seeded; put them back for the next one (serialized_rollback would, but it
    collides with the content types that the flush's post_migrate re-creates)."""
    if not _is_transactional(request):
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    # The flush may have emptied django_content_type while ContentType's cache still names
    # the old rows; the audit trail writes an entry (naming a content type) per seeded row.
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    for name in _SEED_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(autouse=True)
def _site_language_after_each_test():
    """A request leaves its language active in the thread (LocaleMiddleware activates it and
    nothing deactivates it), so one English page would make later tests' messages English."""
    yield
    from django.utils import translation

    translation.deactivate()


class Personas:
    """Attribute access to the persona users and units, for readable tests."""


@pytest.fixture
def org(db):
    from tests.factories import UnitFactory

    root = UnitFactory(code="org", name="Testkommunen")
    unit_a = UnitFactory(code="unit-a", name="Grupp A", parent=root)
    unit_b = UnitFactory(code="unit-b", name="Grupp B", parent=root)
    return {"root": root, "a": unit_a, "b": unit_b}


def _member(username, unit, role, **extra):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username=username, **extra)
    if unit is not None:
        MembershipFactory(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def alice(org):
    """Caseworker in unit A."""
    return _member("alice", org["a"], Role.CASEWORKER)


@pytest.fixture
def bob(org):
    """Second caseworker in unit A."""
    return _member("bob", org["a"], Role.CASEWORKER)


@pytest.fixture
def carl(org):
    """Caseworker in unit B: must never see unit A's clients."""
    return _member("carl", org["b"], Role.CASEWORKER)


@pytest.fixture
def maria(org):
    """Manager of unit A."""
    return _member("maria", org["a"], Role.MANAGER)


@pytest.fixture
def lena(org):
    """Leadership on the root: reads aggregates, never a client."""
    return _member("lena", org["root"], Role.LEADERSHIP)


@pytest.fixture
def ada(org):
    """Administrator (superuser)."""
    return _member("ada", None, None, is_superuser=True, is_staff=True)


@pytest.fixture
def personas(alice, bob, carl, maria, lena, ada):
    return {"alice": alice, "bob": bob, "carl": carl, "maria": maria, "lena": lena, "ada": ada}


@pytest.fixture
def page_query_budget(db):
    """Issue 7's budget for a busy page: 10 queries on PostgreSQL, where the access log
    writes its record and items in one statement; SQLite has no data-modifying CTEs, so
    the access log costs it one statement more (audit.access._write)."""
    from django.db import connection

    return 10 if connection.vendor == "postgresql" else 11
