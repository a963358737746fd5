"""Serve plotly.js from the plotly Python package's own file, through staticfiles.

The plotly wheel ships one browser bundle, `package_data/plotly.min.js` (the full bundle:
the partial bundles are not in the wheel). Exposing exactly that file as
`vendor/plotly/plotly.min.js` means `collectstatic` copies it into STATIC_ROOT, the manifest
storage gives it a hashed name and whitenoise serves it compressed with far-future caching,
always at the version the installed Python package renders figures for. No CDN. Pointing
STATICFILES_DIRS at the package directory instead would also collect its 5 MB widget bundle.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
PLOTLY_FILE = "plotly.min.js"
PLOTLY_PREFIX = "vendor/plotly"
PLOTLY_STATIC_PATH = f"{PLOTLY_PREFIX}/{PLOTLY_FILE}"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=PLOTLY_DIR)
        # collectstatic stores a listed file under `storage.prefix`/path.
        self.storage.prefix = PLOTLY_PREFIX

    def check(self, **kwargs) -> list:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs) -> str | list[str]:
        if path == PLOTLY_STATIC_PATH and (PLOTLY_DIR / PLOTLY_FILE).is_file():
            match = str(PLOTLY_DIR / PLOTLY_FILE)
            return [match] if find_all else match
        return [] if find_all else ""

    def list(self, ignore_patterns):
        yield PLOTLY_FILE, self.storage
