"""A staff member logs in and out; wrong passwords are refused, warned about before the one
that locks the account, then lock it; any user changes their own password, on a phone too."""

import re

from playwright.sync_api import expect

from projects.roles import VIEWER
from tests.e2e.conftest import PASSWORD, fits_the_phone, log_in, log_in_as

WRONG_PASSWORD = "not-the-passphrase"
WRONG_PASSWORD_ERROR = "请输入一个正确的用户名和密码"
LOCKOUT_WARNING = "再输错 1 次，账户将被锁定 30 分钟。"
NEW_PASSWORD = "Lishui-Jinyun-2025"


def test_log_in_and_out(page, staff_user):
    page.goto("/projects/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/projects/"))
    page.get_by_label("用户名").fill(staff_user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_role("heading", name="招引项目")).to_be_visible()
    expect(page.get_by_role("navigation", name="主导航")).to_contain_text(staff_user.username)

    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_a_wrong_password_is_refused(page, staff_user):
    log_in(page, staff_user.username, WRONG_PASSWORD)

    expect(page.get_by_role("alert")).to_contain_text(WRONG_PASSWORD_ERROR)
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.get_by_label("用户名")).to_have_value(staff_user.username)
    expect(page.get_by_label("密码")).to_have_value("")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_five_wrong_passwords_lock_the_account(page, staff_user, expected_errors):
    expected_errors.append((429, "/accounts/login/"))
    log_in(page, staff_user.username, WRONG_PASSWORD)
    for _attempt in range(2, 5):
        expect(page.get_by_role("alert")).to_contain_text(WRONG_PASSWORD_ERROR)
        expect(page.get_by_role("alert")).not_to_contain_text("再输错")
        page.get_by_label("密码").fill(WRONG_PASSWORD)
        page.get_by_role("button", name="登录").click()

    # After the fourth, the page warns that the next wrong password locks the account.
    expect(page.get_by_role("alert")).to_contain_text(WRONG_PASSWORD_ERROR)
    expect(page.get_by_role("alert")).to_contain_text(LOCKOUT_WARNING)

    # The fifth wrong password already locks the account.
    page.get_by_label("密码").fill(WRONG_PASSWORD)
    with page.expect_response(lambda response: response.request.method == "POST") as fifth:
        page.get_by_role("button", name="登录").click()
    assert fifth.value.status == 429
    expect(page.get_by_role("heading", name="暂时无法登录")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("连续 5 次密码错误")

    # Even the right password is refused now.
    page.get_by_role("link", name="返回登录页").click()
    page.get_by_label("用户名").fill(staff_user.username)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_response(lambda response: response.request.method == "POST") as sixth:
        page.get_by_role("button", name="登录").click()
    assert sixth.value.status == 429
    expect(page.get_by_role("heading", name="暂时无法登录")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_a_viewer_changes_their_password_on_a_phone(page, role_user):
    viewer = role_user("zhangwei", VIEWER)
    log_in_as(page, viewer, phone=True)
    navigation = page.get_by_role("navigation", name="主导航")
    navigation.get_by_role("button", name="展开导航").click()
    # The menu has opened all the way (it slides open) before its last link is tapped.
    expect(navigation.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    navigation.get_by_role("link", name="修改密码").click()

    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()
    expect(page.get_by_text("你的密码必须包含至少 10 个字符。")).to_be_visible()
    fits_the_phone(page)

    # A password the project's rules refuse: the form says why, next to the field.
    page.get_by_label("旧密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("Qz7#kLp2x")
    page.get_by_label("新密码确认").fill("Qz7#kLp2x")
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_text("密码长度太短。密码必须包含至少 10 个字符。")).to_be_visible()
    fits_the_phone(page)

    page.get_by_label("旧密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("新密码确认").fill(NEW_PASSWORD)
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_role("heading", name="密码已修改")).to_be_visible()
    fits_the_phone(page)

    # Still logged in; the next login takes the new password, not the old one.
    page.get_by_role("link", name="返回首页").click()
    navigation.get_by_role("button", name="展开导航").click()
    navigation.get_by_role("button", name="退出").click()
    log_in(page, viewer.username, PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text(WRONG_PASSWORD_ERROR)
    log_in(page, viewer.username, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="招商引资概况")).to_be_visible()
