"""The deployment's WSGI application with one benchmark-only URL: the floor of an exit POST.

`python -m bench.http_exits --floor` runs gunicorn with `bench.floor_wsgi:application`:
Django set up from trelleborg.settings exactly as trelleborg.wsgi does (middleware,
sessions, CSRF, the access log, database and cache), except ROOT_URLCONF, which becomes
bench/floor_urls.py (the product's URLs plus `bench/floor/`). No product module names it, so
the URL exists only in the benchmark's server.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trelleborg.settings")
settings.ROOT_URLCONF = "bench.floor_urls"
application = get_wsgi_application()
