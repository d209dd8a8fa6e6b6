"""What the settings make of the environment: secret keys."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_ENV = ROOT / "deploy" / "jinyun-tracker.env.example"


def start_django(**environment: str) -> subprocess.CompletedProcess:
    """Set Django up in a fresh interpreter with DEBUG off and the given environment."""
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "jinyun_tracker.settings",
            "DEBUG": "false",
            **environment,
        },
        capture_output=True,
        text=True,
    )


def example_secret_key() -> str:
    """The SECRET_KEY of the environment file an operator copies."""
    for line in EXAMPLE_ENV.read_text().splitlines():
        if line.startswith("SECRET_KEY="):
            return line.removeprefix("SECRET_KEY=")
    raise AssertionError(f"no SECRET_KEY in {EXAMPLE_ENV}")


class TestSecretKey:
    @pytest.mark.parametrize(
        "key",
        [
            pytest.param(example_secret_key(), id="the example's"),
            pytest.param("", id="empty"),
            pytest.param(secrets.token_urlsafe(50)[:49], id="49 characters"),
            pytest.param("abcd" * 20, id="4 distinct characters"),
            pytest.param("django-insecure-" + secrets.token_urlsafe(50), id="made by startproject"),
        ],
    )
    def test_it_refuses_to_start_with_a_weak_key(self, key):
        result = start_django(SECRET_KEY=key)
        assert result.returncode != 0
        assert "SECRET_KEY must be set in the environment to a long random value" in result.stderr
        assert "secrets.token_urlsafe(50)" in result.stderr

    def test_it_refuses_to_start_without_a_key(self):
        environment = {**os.environ}
        environment.pop("SECRET_KEY", None)
        result = subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=ROOT,
            env={**environment, "DEBUG": "false"},
            capture_output=True,
            text=True,
        )
        assert result.returncode != 0
        assert "SECRET_KEY must be set" in result.stderr

    def test_it_starts_with_a_key_made_as_the_message_says(self):
        result = start_django(SECRET_KEY=secrets.token_urlsafe(50))
        assert result.returncode == 0, result.stderr
