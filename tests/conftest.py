"""Shared test fixtures: the demo ledger and users."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from projects.history import start_history
from projects.management.commands.load_demo import DEMO_FIXTURES
from projects.models import LEDGER_MODELS, InvestmentProject, Park
from projects.roles import EDITOR, MANAGER, VIEWER, sync_roles


def load_demo_ledger() -> None:
    """The demo fixtures with their first history records, as `load_demo` loads them."""
    call_command("loaddata", *DEMO_FIXTURES, verbosity=0)
    start_history(reason="示例数据")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo ledger once; each test runs in a transaction that is rolled back."""
    with django_db_blocker.unblock():
        load_demo_ledger()


@pytest.fixture
def demo(db):
    """The demo ledger from fixtures/, reloaded if a transactional test flushed it."""
    if not InvestmentProject.objects.exists():
        load_demo_ledger()


@pytest.fixture
def empty_ledger(db):
    """Delete the whole ledger (inside the test's transaction), sub-parks before parents."""
    Park.objects.update(parent=None)
    for model in reversed(LEDGER_MODELS):
        model.objects.all().delete()


@pytest.fixture
def staff_client(client, admin_user):
    """A client logged in as a superuser with staff access."""
    client.force_login(admin_user)
    return client


@pytest.fixture
def roles(demo, django_user_model) -> dict[str, Client]:
    """A client of each role; Editors and Managers may reach the admin."""
    sync_roles()
    clients = {}
    for role in (VIEWER, EDITOR, MANAGER):
        user = django_user_model.objects.create_user(role.lower(), is_staff=role != VIEWER)
        user.groups.add(Group.objects.get(name=role))
        client = Client()
        client.force_login(user)
        clients[role] = client
    return clients


@pytest.fixture(autouse=True)
def default_language():
    """Start every test in Chinese: a request in English leaves English active in the thread."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
