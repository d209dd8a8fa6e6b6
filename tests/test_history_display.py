"""A record's history reads as staff typed it: amounts in 亿元, choices by their labels, —
for nothing, headings in the page's language; on the record's page and in the admin."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from projects.models import InvestmentProject, Park

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed(demo):
    """The 15 亿元 project of the article, landed, raised to 16 亿元 and started in
    another park, its fixed-asset investment cleared."""
    project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
    project.total_investment_wan = Decimal("160000.00")
    project.fixed_investment_wan = None
    project.stage = InvestmentProject.Stage.STARTED
    project.land_supplied_date = date(2025, 3, 1)
    project.started_date = date(2025, 4, 1)
    project.park = Park.objects.get(name="丽缙高新区")
    project.full_clean()
    project.save()
    return project


def history_table(client, project) -> str:
    """The admin's History page of the project: its table, in one line."""
    response = client.get(reverse("admin:projects_investmentproject_history", args=[project.pk]))
    assert response.status_code == 200
    table = re.search(r'<table id="change-history".*?</table>', response.text, re.S)
    return re.sub(r"\s+", " ", table.group())


def changes(table: str) -> list[str]:
    """Each change of the table as "field: before → after"."""
    return [
        f"{field} {before} → {after}"
        for field, before, after in re.findall(
            r"<strong>(.*?)</strong> (.*?) &nbsp;&rarr;&nbsp;&nbsp;(.*?) </li>", table
        )
    ]


def test_the_admin_history_writes_what_a_person_typed(changed, staff_client):
    table = history_table(staff_client, changed)

    assert changes(table) == [
        "固定资产投资（亿元）: 12.00 → —",
        "供地日期: — → 2025-03-01",
        "园区: 缙云经济开发区 → 丽缙高新区",
        "阶段: 落地 → 开工",
        "开工日期: — → 2025-04-01",
        "总投资（亿元）: 15.00 → 16.00",
    ]
    assert "None" not in table
    assert '<th scope="col">修改内容</th>' in table
    # Saved without a user, as the demo is loaded: by the system, for no stated reason.
    assert "<td> 系统 </td> <td>—</td>" in table


def test_it_is_in_english_on_an_english_page(changed, staff_client):
    staff_client.cookies["django_language"] = "en"
    table = history_table(staff_client, changed)

    assert "Stage: Landed → Construction started" in changes(table)
    assert "Total investment (CNY 100M): 15.00 → 16.00" in changes(table)
    assert '<th scope="col">Changes</th>' in table and "system" in table


def test_a_related_record_is_named_only_to_who_may_view_it(changed, django_user_model, client):
    user = django_user_model.objects.create_user("projects_only", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_investmentproject", "change_investmentproject"]
        )
    )
    client.force_login(user)

    assert "园区: 无权查看 → 无权查看" in changes(history_table(client, changed))


def test_the_record_page_writes_the_same(changed, staff_client):
    response = staff_client.get(changed.get_absolute_url())

    latest = response.context["history"][0]
    assert latest.who == "系统"
    assert latest.fields == [
        ("园区", "缙云经济开发区", "丽缙高新区"),
        ("总投资（亿元）", "15.00", "16.00"),
        ("固定资产投资（亿元）", "12.00", "—"),
        ("阶段", "落地", "开工"),
        ("供地日期", "—", "2025-03-01"),
        ("开工日期", "—", "2025-04-01"),
    ]
    assert "阶段：落地 → 开工" in response.text


def test_numbers_in_a_history_have_thousands_separators(demo, staff_client):
    park = Park.objects.get(name="缙云经济开发区")
    park.planned_area_m2 = Decimal("14000000.00")
    park.save()

    response = staff_client.get(park.get_absolute_url())

    assert ("规划面积（m²）", "13,333,333.33", "14,000,000.00") in response.context["history"][
        0
    ].fields
