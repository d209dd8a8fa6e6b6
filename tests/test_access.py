"""Login everywhere, and both languages."""

import pytest
from django.urls import reverse
from django.utils import translation

from projects.models import InvestmentProject

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/admin/", "/admin/projects/investmentproject/"])
def test_anonymous_user_is_sent_to_a_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_login_page_itself_is_open(client):
    assert client.get(reverse("login")).status_code == 200


def test_chinese_is_the_default_language(staff_client):
    response = staff_client.get(reverse("admin:projects_investmentproject_changelist"))
    assert "招引项目" in response.text


def test_english_is_available(staff_client):
    staff_client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    response = staff_client.get(reverse("admin:projects_investmentproject_changelist"))
    assert "Investment projects" in response.text
    with translation.override("en"):
        assert str(InvestmentProject._meta.get_field("total_investment_wan").verbose_name) == (
            "Total investment (CNY 10k)"
        )
