"""The app's settings as production runs them (DEBUG off, set through the environment by
bench/run.py), except that static files come straight from the apps, so the benchmark
needs no collectstatic, and the benchmark's own templates are found."""

from jinyun_tracker.settings import *  # noqa: F403
from jinyun_tracker.settings import BASE_DIR, STORAGES, TEMPLATES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The by-the-book list's page (bench/templates/).
TEMPLATES = [{**TEMPLATES[0], "DIRS": [BASE_DIR / "bench" / "templates"]}]
