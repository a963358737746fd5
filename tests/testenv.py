"""Loaded with `-p` (pyproject.toml), before pytest-django imports the settings.

Tests run with DEBUG off, as production does, so they need a key; nothing else is set here:
DATABASE_URL and REDIS_URL come from the caller (`.ci/run` sets them for its real-services run).
"""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
# The test client speaks plain HTTP; production redirects to HTTPS (settings.py).
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# The API's rate limits count per address in a shared cache (Redis in the real-services run),
# and the whole suite calls from one address: generous here; tests/integrations/
# test_rate_limits.py sets small rates to test the limits themselves.
os.environ.setdefault("EOR_API_RATE_PER_TOKEN", "100000/m")
os.environ.setdefault("EOR_API_RATE_PER_ADDRESS", "100000/m")
os.environ.setdefault("EOR_API_BAD_TOKENS_PER_ADDRESS", "100000/m")
