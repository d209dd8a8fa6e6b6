"""Shared test fixtures: the demo ledger and users."""

import pytest
from django.core.management import call_command

from projects.management.commands.load_demo import DEMO_FIXTURES


@pytest.fixture
def demo(db):
    """The demo ledger from fixtures/, loaded into the test database."""
    call_command("loaddata", *DEMO_FIXTURES, verbosity=0)


@pytest.fixture
def staff_client(client, admin_user):
    """A client logged in as a superuser with staff access."""
    client.force_login(admin_user)
    return client
