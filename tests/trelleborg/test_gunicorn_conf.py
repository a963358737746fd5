"""gunicorn.conf.py: the settings the Docker image, docker-compose and the HTTP benchmark
share, sized from the environment."""

from __future__ import annotations

import multiprocessing
import runpy
from pathlib import Path

import pytest

CONF = str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py")


def test_defaults_fit_the_machine(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    conf = runpy.run_path(CONF)
    assert conf["workers"] == 2 * multiprocessing.cpu_count() + 1
    assert (conf["worker_class"], conf["threads"]) == ("gthread", 2)
    assert conf["wsgi_app"] == "trelleborg.wsgi:application"
    assert conf["accesslog"] == "-"


def test_the_environment_sizes_it(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    conf = runpy.run_path(CONF)
    assert (conf["workers"], conf["threads"]) == (3, 4)


@pytest.mark.parametrize("value", ["three", "0"])
def test_a_bad_value_is_refused_by_name(monkeypatch, value):
    monkeypatch.setenv("WEB_CONCURRENCY", value)
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY"):
        runpy.run_path(CONF)
