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
pytest_plugins = ["tests.plugins.browser", "tests.plugins.celery_worker"]

REAL_REDIS = bool(os.environ.get("REDIS_URL"))
REAL_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def pytest_collection_modifyitems(config, items):
    """Deselect (not skip) the tests whose real services this run does not have.

    `.ci/run` runs the suite twice: on PostgreSQL + Redis (everything) and on SQLite.
    """
    keep, drop = [], []
    for item in items:
        if (item.get_closest_marker("services") and not REAL_REDIS) or (
            item.get_closest_marker("postgres") and not REAL_POSTGRES
        ):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


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


@pytest.fixture(autouse=True)
def _content_types_after_flush(request):
    """A transactional test's flush can empty django_content_type while the process keeps
    ContentType's cache, so the audit trail (which names a content type on every entry) would
    point at rows that are gone. Transactional tests start with the cache cleared."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if transactional:
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
