"""Settings are read from the environment: load them in a fresh interpreter per case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from trelleborg import settings as live

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, trelleborg.settings as s
print(json.dumps({
    "debug": s.DEBUG, "engine": s.DATABASES["default"]["ENGINE"],
    "name": str(s.DATABASES["default"]["NAME"]), "host": s.DATABASES["default"].get("HOST"),
    "eager": s.CELERY_TASK_ALWAYS_EAGER, "broker": s.CELERY_BROKER_URL,
    "cache": s.CACHES["default"]["BACKEND"], "hosts": s.ALLOWED_HOSTS,
    "static": s.STORAGES["staticfiles"]["BACKEND"], "secure": s.SESSION_COOKIE_SECURE,
    "tz": s.TIME_ZONE, "lang": s.LANGUAGE_CODE,
    "mail": [s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS, s.EMAIL_TIMEOUT],
}))
"""
CLEAN = {
    k: v
    for k, v in os.environ.items()
    if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
}


def load(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**CLEAN, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_with(**env: str) -> dict:
    result = load(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_nothing_set_with_debug_is_sqlite_eager_celery_and_locmem():
    s = settings_with(DEBUG="true")
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"].endswith("db.sqlite3")
    assert s["eager"] is True and s["broker"] == "memory://"
    assert s["cache"].endswith("LocMemCache")
    assert s["hosts"] == ["127.0.0.1", "localhost"]
    assert (s["tz"], s["lang"]) == ("Europe/Stockholm", "sv")


def test_database_and_redis_urls_switch_to_postgres_and_workers():
    s = settings_with(
        SECRET_KEY="k",
        DATABASE_URL="postgres://eor:pw@db.internal:5432/eor",
        REDIS_URL="redis://cache.internal:6379/2",
        ALLOWED_HOSTS="eor.trelleborg.se, , intern.example",
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert (s["name"], s["host"]) == ("eor", "db.internal")
    assert s["eager"] is False and s["broker"] == "redis://cache.internal:6379/2"
    assert s["cache"].endswith("RedisCache")
    assert s["hosts"] == ["eor.trelleborg.se", "intern.example"]
    assert s["debug"] is False and s["secure"] is True
    assert s["static"].startswith("whitenoise")


def test_the_smtp_relay_is_read_from_the_environment():
    assert settings_with(DEBUG="true")["mail"] == ["localhost", 25, "", False, 10]
    s = settings_with(
        DEBUG="true",
        EMAIL_HOST="smtp.kommun.example",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="eor",
        EMAIL_USE_TLS="true",
        EMAIL_TIMEOUT="5",
    )
    assert s["mail"] == ["smtp.kommun.example", 587, "eor", True, 5]
    both = load(DEBUG="true", EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")
    assert both.returncode != 0 and "not both" in both.stderr
    port = load(DEBUG="true", EMAIL_PORT="smtp")
    assert port.returncode != 0 and "EMAIL_PORT must be an integer" in port.stderr


def test_secret_key_is_required_without_debug():
    result = load()
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_bad_boolean_is_refused_by_name():
    result = load(DEBUG="maybe", SECRET_KEY="k")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("Yes", True), (" off ", False), ("", False)]
)
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("EOR_FLAG", raw)
    assert live.env_bool("EOR_FLAG") is expected


def test_env_bool_default_and_error(monkeypatch):
    monkeypatch.delenv("EOR_FLAG", raising=False)
    assert live.env_bool("EOR_FLAG", default=True) is True
    monkeypatch.setenv("EOR_FLAG", "ja")
    with pytest.raises(ImproperlyConfigured, match="EOR_FLAG must be a boolean"):
        live.env_bool("EOR_FLAG")


def test_env_int(monkeypatch):
    monkeypatch.setenv("EOR_N", "42")
    assert live.env_int("EOR_N", 1) == 42
    monkeypatch.setenv("EOR_N", " ")
    assert live.env_int("EOR_N", 7) == 7
    monkeypatch.setenv("EOR_N", "4.5")
    with pytest.raises(ImproperlyConfigured, match="EOR_N must be an integer"):
        live.env_int("EOR_N", 1)


def test_env_list(monkeypatch):
    monkeypatch.setenv("EOR_L", " a ,b,,c ")
    assert live.env_list("EOR_L", []) == ["a", "b", "c"]
    monkeypatch.delenv("EOR_L")
    assert live.env_list("EOR_L", ["x"]) == ["x"]


def test_env_example_documents_every_variable_the_settings_read():
    import re

    source = (ROOT / "trelleborg" / "settings.py").read_text()
    read = set(re.findall(r'(?:environ\.get|env_bool|env_int|env_list)\(\s*"([A-Z_]+)"', source))
    documented = set(re.findall(r"^#? ?([A-Z][A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "the pattern must still find the settings' variables"
    assert read <= documented, f"missing from .env.example: {sorted(read - documented)}"
