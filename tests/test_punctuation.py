"""Each language's punctuation: English pages write English brackets, commas, colons and
money units; Chinese pages end sentences with 。, Django's own messages included."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from projects.models import (
    Company,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
    Park,
    Sector,
)

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
FULLWIDTH = re.compile(r"[\u3000-\u303f\uff00-\uffef]")
# A Chinese character followed by an ASCII full stop: an English end to a Chinese sentence.
ASCII_STOP_AFTER_CHINESE = re.compile(r"[\u4e00-\u9fff]\s*\.(?!\d)")
PASSWORD = "a-long-test-passphrase"


class PageText(HTMLParser):
    """The text a reader sees or hears: text nodes, and the labels and titles of elements."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.hidden = 0
        self.texts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        self.texts += [value for name, value in attrs if name in ("aria-label", "title") and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(data.strip())


def texts(response) -> list[str]:
    return PageText(response.content.decode()).texts


@pytest.fixture
def english(staff_client):
    staff_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return staff_client


class TestEnglishPages:
    def record_pages(self) -> list[str]:
        leases = LeaseAgreement.objects.filter(assessments__decision__isnull=False).distinct()
        return [
            InvestmentProject.objects.filter(park__parent__isnull=False).first(),
            Park.objects.filter(parent__isnull=True, projects__isnull=False).first(),
            LandParcel.objects.filter(area_m2__isnull=False).first(),
            Company.objects.first(),
            *leases.order_by("status")[:4],
        ]

    def test_it_writes_no_chinese_punctuation_around_the_figures(self, demo, english):
        """A text of the page's own (not a record's name, which is Chinese) holds no
        fullwidth bracket, comma, colon or semicolon."""
        paths = [
            *(record.get_absolute_url() for record in self.record_pages()),
            *("/", "/?start=2025-01-01&end=2025-04-30"),
            *("/projects/", "/parks/", "/parcels/", "/companies/", "/leases/"),
            reverse("password_change"),
            reverse("admin:axes_accessattempt_changelist"),
        ]
        for path in paths:
            response = english.get(path)
            assert response.status_code == 200
            chinese_punctuation = [
                text
                for text in texts(response)
                if FULLWIDTH.search(text) and not CHINESE.search(text)
            ]
            assert chinese_punctuation == [], path

    def test_it_gives_amounts_in_cny_100m_with_the_tier_in_brackets(self, demo, english):
        project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
        assert "15.00 (CNY 1B and above)" in texts(english.get(project.get_absolute_url()))
        listed = english.get("/projects/")
        assert "Total investment (CNY 100M)" in listed.text
        assert "100M CNY" not in listed.text

    def test_it_counts_one_project_and_several_projects(self, demo, english):
        park = Park.objects.create(name="测试产业园", kind=Park.Kind.INDUSTRIAL_PARK)
        first, second = InvestmentProject.objects.order_by("pk")[:2]
        InvestmentProject.objects.filter(pk=first.pk).update(park=park)
        assert "<strong>1</strong> project," in english.get(park.get_absolute_url()).text
        InvestmentProject.objects.filter(pk=second.pk).update(park=park)
        assert "<strong>2</strong> projects," in english.get(park.get_absolute_url()).text

    def test_a_lease_page_writes_its_notes_in_english(self, demo, english):
        lease = LeaseAgreement.objects.filter(term_years=5).first()
        page = " ".join(texts(english.get(lease.get_absolute_url())))
        assert "(5 years)" in page
        assert f"{lease.parcel.area_mu} mu, " in page


def admin_form_data(client: Client, url: str) -> dict:
    """The management forms of the admin form at ``url``, for a POST of new values."""
    response = client.get(url)
    data = {}
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(k): management[k].value() for k in management.fields})
    return data


def project_form_with_every_kind_of_error(client: Client):
    url = reverse("admin:projects_investmentproject_add")
    data = admin_form_data(client, url)
    data.update(
        name="",
        company="999999",
        sector=Sector.objects.first().pk,
        total_investment_wan="1234567890123456",
        fixed_investment_wan="1.1234567",
        source_zone="yangtze_delta",
        stage="negotiating",
        signed_date="2025-13-45",
        expected_jobs="很多",
        responsible="责" * 51,
    )
    response = client.post(url, data)
    assert response.status_code == 200
    return response, [
        "错误： 增加 招引项目",
        "该字段是必填项。",
        "以亿元计，最多 14 位数字。",
        "以亿元计，最多 6 位小数。",
        "输入一个有效的日期。",
        "输入整数。",
        "最多 50 个字符（现有 51 个）。",
        "选择一个有效的选项。该选项不在可用的选项中。",
    ]


def sector_added_to_edit_again(client: Client):
    response = client.post(
        reverse("admin:projects_sector_add"),
        {"name": "测试产业", "group": "future", "sort_order": "9", "_continue": "1"},
        follow=True,
    )
    return response, ["你可以在下面再次编辑它。"]


def sector_deleted(client: Client):
    sector = Sector.objects.create(name="待删除产业", group="future")
    changelist = reverse("admin:projects_sector_changelist")
    response = client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [sector.pk], "post": "yes"},
        follow=True,
    )
    return response, ["成功删除了 1 个产业。"]


def no_action_chosen(client: Client):
    response = client.post(
        reverse("admin:projects_sector_changelist"),
        {"action": "", "_selected_action": [Sector.objects.first().pk], "index": "0"},
        follow=True,
    )
    return response, ["未选择动作。"]


def wrong_password(client: Client):
    client.logout()
    response = client.post(reverse("login"), {"username": "admin", "password": "wrong"})
    return response, ["请输入一个正确的用户名和密码。注意，两者都区分大小写。"]


def wrong_password_in_the_admin(client: Client):
    client.logout()
    response = client.post(reverse("admin:login"), {"username": "admin", "password": "wrong"})
    return response, ["请输入工作人员账户正确的用户名和密码。注意，两者都区分大小写。"]


def password_change_refused(client: Client):
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "short", "new_password2": "other"},
    )
    return response, ["你的旧密码不正确。请重新输入。", "输入的两个密码不一致。"]


def assessment_with_too_many_decimals(client: Client):
    lease = LeaseAgreement.objects.filter(status="leasing").first()
    response = client.post(
        lease.get_absolute_url(),
        {
            "action": "assess",
            "assess-kind": "start_check",
            "assess-assessed_on": "2025-01-01",
            "assess-tax_wan": "1.234",
        },
    )
    assert response.status_code == 200
    return response, ["确保小数不超过 2 位。"]


def forged_form(client: Client):
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "admin"})
    assert response.status_code == 403
    return response, ["CSRF 验证失败，请求已中止。"]


@pytest.mark.parametrize(
    "scenario",
    [
        project_form_with_every_kind_of_error,
        sector_added_to_edit_again,
        sector_deleted,
        no_action_chosen,
        wrong_password,
        wrong_password_in_the_admin,
        password_change_refused,
        assessment_with_too_many_decimals,
        forged_form,
    ],
)
def test_chinese_messages_end_with_a_chinese_full_stop(demo, client, admin_user, scenario):
    """Django's own messages on the ledger's pages and the admin, in Chinese: each one the
    user is shown ends as a Chinese sentence does."""
    client.force_login(admin_user)
    response, expected = scenario(client)
    shown = texts(response)
    for message in expected:
        assert any(message in text for text in shown), (message, shown)
    assert [text for text in shown if ASCII_STOP_AFTER_CHINESE.search(text)] == []
