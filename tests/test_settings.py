"""What the settings make of the environment: secret keys and SQLite's writers."""

import os
import secrets
import subprocess
import sys
import threading
import time
from copy import deepcopy
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connections, transaction

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


@pytest.fixture
def scratch_sqlite(tmp_path, django_db_blocker):
    """The alias of a second database, an SQLite file configured as the default one is."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite's locking only")
    alias = "scratch"
    connections.settings[alias] = {
        **deepcopy(connections.settings["default"]),
        "NAME": str(tmp_path / "ledger.sqlite3"),
    }
    with django_db_blocker.unblock():
        yield alias
        connections[alias].close()
    del connections[alias]
    del connections.settings[alias]


def test_it_lets_a_second_writer_wait_for_the_first_on_sqlite(scratch_sqlite):
    with connections[scratch_sqlite].cursor() as cursor:
        cursor.execute("CREATE TABLE note (text TEXT)")
    first_writing = threading.Event()
    errors = []

    def write(text: str, hold: bool) -> None:
        if not hold:
            first_writing.wait(5)
        try:
            with (
                transaction.atomic(using=scratch_sqlite),
                connections[scratch_sqlite].cursor() as cursor,
            ):
                # Read before writing, as saving a record does (its unique checks, its
                # history): a transaction that only then asks for the write lock used to be
                # refused at once while another held it.
                cursor.execute("SELECT count(*) FROM note")
                cursor.execute("INSERT INTO note (text) VALUES (%s)", [text])
                if hold:
                    first_writing.set()
                    time.sleep(0.5)
        except OperationalError as error:
            errors.append(f"{text}: {error}")
        finally:
            connections[scratch_sqlite].close()

    writers = [
        threading.Thread(target=write, args=("first", True)),
        threading.Thread(target=write, args=("second", False)),
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()

    assert errors == []
    with connections[scratch_sqlite].cursor() as cursor:
        cursor.execute("SELECT text FROM note ORDER BY rowid")
        assert [text for (text,) in cursor.fetchall()] == ["first", "second"]
