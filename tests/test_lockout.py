"""Lockouts key on the client's address, found through exactly the proxies the app trusts;
the login form warns before the wrong password that locks, and the admin lists the
attempts in Chinese."""

import runpy
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
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


def wrong_password(client: Client, url: str = reverse("login")) -> str:
    """The page after a wrong password for clerk."""
    response = client.post(url, {"username": "clerk", "password": "wrong"})
    assert response.status_code == 200
    return response.text


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


WARNING = "再输错 1 次，账户将被锁定 30 分钟。"


def test_the_login_page_warns_before_the_wrong_password_that_locks(clerk):
    browser = Client(REMOTE_ADDR="10.20.30.40")
    for _attempt in range(3):
        page = wrong_password(browser)
        assert "请输入一个正确的用户名和密码" in page
        assert "再输错" not in page
    page = wrong_password(browser)
    assert "请输入一个正确的用户名和密码" in page
    assert WARNING in page
    assert log_in(browser, "wrong") == 429


def test_the_warning_counts_the_account_at_this_address_only(clerk, django_user_model):
    django_user_model.objects.create_user("typist", password=PASSWORD)
    elsewhere, here = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="10.20.30.40")
    for _attempt in range(4):
        wrong_password(elsewhere)
        here.post(reverse("login"), {"username": "typist", "password": "wrong"})
    assert WARNING not in wrong_password(here)


def test_a_right_password_starts_the_count_again(clerk):
    browser = Client(REMOTE_ADDR="10.20.30.40")
    for _attempt in range(3):
        wrong_password(browser)
    assert log_in(browser, PASSWORD) == 302
    browser.logout()
    for _attempt in range(3):
        assert WARNING not in wrong_password(browser)


def test_the_admin_login_warns_too(clerk):
    browser = Client(REMOTE_ADDR="10.20.30.40")
    for _attempt in range(3):
        wrong_password(browser, reverse("admin:login"))
    assert WARNING in wrong_password(browser, reverse("admin:login"))


def test_the_warning_and_the_lockout_page_in_english_count_minutes(clerk, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    browser = Client(REMOTE_ADDR="10.20.30.40", HTTP_ACCEPT_LANGUAGE="en")
    for _attempt in range(3):
        wrong_password(browser)
    page = wrong_password(browser)
    assert "One more wrong password will lock this account for 1 minute." in page
    locked = browser.post(reverse("login"), {"username": "clerk", "password": "wrong"})
    assert locked.status_code == 429
    assert "after 5 wrong passwords in a row" in locked.text
    assert "Try again in 1 minute, or ask" in locked.text


def test_the_admin_lists_login_attempts_in_chinese(clerk, staff_client):
    for _attempt in range(2):
        wrong_password(Client(REMOTE_ADDR="10.20.30.40"))
    index = staff_client.get(reverse("admin:index")).text
    assert "登录锁定" in index
    assert "登录尝试" in index and "登录失败" in index and "登录日志" in index
    attempts = staff_client.get(reverse("admin:axes_accessattempt_changelist")).text
    for label in ("尝试时间", "IP 地址", "浏览器标识", "用户名", "路径", "失败次数", "状态"):
        assert f">{label}<" in attempts, label
    assert "还可尝试 3 次" in attempts
    assert "以 已锁定" in attempts  # the lockout filter
    assert "清除已过期的登录尝试" in attempts
    failures = staff_client.get(reverse("admin:axes_accessfailurelog_changelist")).text
    assert "选择 登录失败 来修改" in failures and "以 已锁定" in failures


def test_deleting_the_attempt_in_the_admin_unlocks_the_account(clerk, staff_client):
    browser = Client(REMOTE_ADDR="203.0.113.7")
    lock_out(browser)
    attempt = AccessAttempt.objects.get(username="clerk")
    staff_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert log_in(browser, PASSWORD) == 302
