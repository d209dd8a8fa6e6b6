"""Every logged-in user, whatever their role, changes their own password in the site's pages,
under the project's password rules."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from projects.roles import VIEWER, sync_roles

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"
NEW_PASSWORD = "Lishui-Jinyun-2025"


@pytest.fixture
def viewer(demo, django_user_model):
    """A Viewer without staff access, logged in."""
    sync_roles()
    user = django_user_model.objects.create_user("zhangwei", password=PASSWORD)
    user.groups.add(Group.objects.get(name=VIEWER))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def change(client: Client, new: str, old: str = PASSWORD, again: str | None = None):
    return client.post(
        reverse("password_change"),
        {
            "old_password": old,
            "new_password1": new,
            "new_password2": new if again is None else again,
        },
    )


def test_every_page_links_to_the_password_change_of_the_site(viewer):
    page = viewer.get("/projects/").text
    assert f'href="{reverse("password_change")}"' in page
    assert reverse("admin:password_change") not in page


def test_the_form_is_a_page_of_the_site_and_states_the_rules(viewer):
    page = viewer.get(reverse("password_change"))
    assert page.status_code == 200
    assert 'aria-label="主导航"' in page.text
    assert "<h1" in page.text and "修改密码" in page.text
    assert "你的密码必须包含至少 10 个字符。" in page.text
    assert 'autocomplete="current-password"' in page.text


@pytest.mark.parametrize(
    ("new", "error"),
    [
        ("Qz7#kLp2x", "密码长度太短。密码必须包含至少 10 个字符。"),
        ("1234567890123", "这个密码太常见了。"),
        ("7395018264", "密码只包含数字。"),
        ("zhangwei01", "密码跟 用户名 太相似了。"),
    ],
)
def test_a_password_against_the_rules_is_refused_with_the_reason(viewer, new, error):
    response = change(viewer, new)
    assert response.status_code == 200
    assert error in response.text
    viewer.user.refresh_from_db()
    assert viewer.user.check_password(PASSWORD)


def test_a_wrong_old_password_or_a_mistyped_repeat_is_refused(viewer):
    assert "你的旧密码不正确。请重新输入。" in change(viewer, NEW_PASSWORD, old="wrong").text
    assert "输入的两个密码不一致。" in change(viewer, NEW_PASSWORD, again=NEW_PASSWORD + "x").text
    viewer.user.refresh_from_db()
    assert viewer.user.check_password(PASSWORD)


def test_the_new_password_takes_effect_and_the_user_stays_logged_in(viewer):
    response = change(viewer, NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    done = viewer.get(response["Location"])
    assert "密码已修改" in done.text and "下次登录请使用新密码" in done.text
    viewer.user.refresh_from_db()
    assert viewer.user.check_password(NEW_PASSWORD)
    assert viewer.get("/projects/").status_code == 200


def test_the_pages_need_a_login(client):
    for name in ("password_change", "password_change_done"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_pages_speak_english(viewer):
    viewer.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = viewer.get(reverse("password_change")).text
    assert "Change password" in page
    assert "Your password must contain at least 10 characters." in page
