"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

Playwright's sync API runs an event loop in the test thread, so Django must allow its
synchronous ORM calls there. No browser is downloaded: the tests use /usr/bin/chromium
(override with CHROMIUM), which the Makefile installs with apt-get when it is missing.
"""

import os

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import sync_playwright

from projects.roles import sync_roles
from tests.conftest import load_demo_ledger

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Chromium on a closed network: no background connections, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "a-long-test-passphrase"
# The screen of a phone, held upright.
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo_ledger(transactional_db):
    """The demo ledger; the live server's database is flushed after every test."""
    load_demo_ledger()


@pytest.fixture
def staff_user(django_user_model, transactional_db):
    return django_user_model.objects.create_superuser("staff", password=PASSWORD)


@pytest.fixture
def role_user(django_user_model, transactional_db):
    """A function that creates a user in one role, with any other fields of the user given;
    the groups are created first."""
    sync_roles()

    def create(username: str, role: str, **fields):
        user = django_user_model.objects.create_user(username, password=PASSWORD, **fields)
        user.groups.add(Group.objects.get(name=role))
        return user

    return create


@pytest.fixture
def expected_errors():
    """(status, path) of error responses a test provokes on purpose, such as a lockout (429)
    or a forbidden admin page (403); the test asserts the status itself. Chromium reports
    each as a console error: the page fixture accepts those, and only those."""
    return []


@pytest.fixture
def page(browser, live_server, expected_errors):
    """A fresh browser tab on the live server that fails the test on any console error
    or failed request, which also shows that nothing is fetched from outside."""
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    tab = context.new_page()
    problems = []

    def on_console(message):
        expected = any(
            f"status of {status} " in message.text
            and message.location["url"].startswith(live_server.url + path)
            for status, path in expected_errors
        )
        if message.type == "error" and not expected:
            problems.append(message.text)

    tab.on("console", on_console)
    tab.on(
        "requestfailed",
        # A navigation cancels the loads still pending on the page it leaves: not a failure.
        lambda request: (
            request.failure != "net::ERR_ABORTED"
            and problems.append(f"{request.failure}: {request.url}")
        ),
    )
    tab.on(
        "response",
        lambda response: (
            response.status >= 500 and problems.append(f"{response.status}: {response.url}")
        ),
    )
    yield tab
    context.close()
    assert problems == []


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Fill in and send the login form as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def log_in_as(page, user, *, phone: bool = False) -> None:
    """Log the user in through the login form, on a phone's screen if asked, and wait for
    the home page the form leads to."""
    if phone:
        page.set_viewport_size(PHONE)
    log_in(page, user.username)
    page.wait_for_url("**/")


def fits_the_phone(page) -> None:
    """Nothing on the page scrolls sideways on a phone's screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


@pytest.fixture
def logged_in_page(page, staff_user):
    """A tab where the staff user has logged in through the login form."""
    log_in_as(page, staff_user)
    return page
