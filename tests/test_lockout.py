"""Lockouts key on the client's address, found through exactly the proxies the app trusts."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "jinyun_tracker" / "settings.py"
PASSWORD = "a-long-test-passphrase"
NGINX = "127.0.0.1"  # every request reaches gunicorn from the proxy on the same machine
ADDRESS_SETTINGS = ("AXES_IPWARE_META_PRECEDENCE_ORDER", "AXES_IPWARE_PROXY_COUNT")


@pytest.fixture
def trusting(monkeypatch, settings):
    """Apply the settings file's client-address settings for a TRUSTED_PROXIES value."""

    def configure(proxies: str | None) -> None:
        if proxies is None:
            monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
        else:
            monkeypatch.setenv("TRUSTED_PROXIES", proxies)
        values = runpy.run_path(str(SETTINGS_FILE))
        for name in (*ADDRESS_SETTINGS, "IPWARE_STRICT"):
            setattr(settings, name, values[name])

    return configure


@pytest.fixture
def clerk(django_user_model):
    return django_user_model.objects.create_user("clerk", password=PASSWORD)


def through_nginx(forwarded_for: str) -> Client:
    """A browser whose requests pass nginx, which appends the address it saw."""
    return Client(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=forwarded_for)


def log_in(client: Client, password: str) -> int:
    return client.post(reverse("login"), {"username": "clerk", "password": password}).status_code


def lock_out(client: Client) -> None:
    for _ in range(5):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD) == 429


def test_an_attacker_behind_the_proxy_does_not_lock_out_the_user_elsewhere(trusting, clerk):
    trusting("1")
    lock_out(through_nginx("203.0.113.7"))
    assert log_in(through_nginx("10.20.30.40"), PASSWORD) == 302


def test_a_forged_address_in_front_of_the_proxy_is_not_believed(trusting, clerk):
    trusting("1")
    # The attacker writes the real user's address into the header; nginx appends his own.
    attacker = through_nginx("10.20.30.40, 203.0.113.7")
    lock_out(attacker)
    assert log_in(through_nginx("10.20.30.40"), PASSWORD) == 302
    assert log_in(through_nginx("198.51.100.1, 203.0.113.7"), PASSWORD) == 429


def test_two_proxies_are_counted_from_the_right(trusting, clerk):
    trusting("2")  # a load balancer, then nginx, which appends the balancer's address
    lock_out(through_nginx("10.20.30.40, 203.0.113.7, 192.0.2.10"))
    assert log_in(through_nginx("203.0.113.8, 192.0.2.10"), PASSWORD) == 302


@pytest.mark.parametrize("proxies", [None, "0"])
def test_a_direct_client_cannot_choose_its_address_with_a_header(trusting, clerk, proxies):
    trusting(proxies)
    lock_out(Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.20.30.40"))
    assert log_in(Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.9.9.9"), PASSWORD) == (
        429
    )
    assert log_in(Client(REMOTE_ADDR="10.20.30.40"), PASSWORD) == 302


def test_a_proxy_count_that_is_not_a_number_is_refused(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "nginx")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        runpy.run_path(str(SETTINGS_FILE))
