"""The app's settings as production runs them (DEBUG off, set through the environment by
bench/run.py), except that static files come straight from the apps, so the benchmark
needs no collectstatic."""

from jinyun_tracker.settings import *  # noqa: F403
from jinyun_tracker.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
