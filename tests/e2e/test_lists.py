"""A staff member finds projects through the filter panel, sorts, pages and follows links."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from projects.models import InvestmentProject
from projects.units import wan_to_yi


def summary_count(page) -> int:
    return int(page.locator(".summary strong").first.inner_text())


def test_filter_sort_page_and_follow_links(demo_ledger, logged_in_page):
    page = logged_in_page
    page.get_by_role("link", name="项目", exact=True).click()
    expect(page.get_by_role("heading", name="招引项目")).to_be_visible()

    page.get_by_label("短途交通").check()
    page.get_by_label("投资规模").select_option(label="亿元以上")
    page.get_by_role("button", name="筛选").click()

    expected = InvestmentProject.objects.filter(
        sector__name="短途交通", total_investment_wan__gte=10000
    )
    assert summary_count(page) == expected.count() > 25
    total = sum(project.total_investment_wan for project in expected)
    expect(page.locator(".summary")).to_contain_text(str(wan_to_yi(total)))
    expect(page.get_by_label("短途交通")).to_be_checked()

    page.get_by_role("link", name="总投资（亿元）").click()  # an amount: largest first
    expect(page).to_have_url(re.compile(r"sort=-total_investment_wan"))
    first_amount = Decimal(page.locator("tbody tr").first.locator("td.num").first.inner_text())
    assert first_amount == wan_to_yi(max(p.total_investment_wan for p in expected))

    first_page = page.locator("tbody tr td:first-child").all_inner_texts()
    page.get_by_role("link", name="2", exact=True).click()
    second_page = page.locator("tbody tr td:first-child").all_inner_texts()
    assert len(first_page) == 25 and len(second_page) == summary_count(page) - 25
    assert not set(first_page) & set(second_page)
    page.go_back()
    assert page.locator("tbody tr td:first-child").all_inner_texts() == first_page
    assert summary_count(page) == expected.count()

    project = InvestmentProject.objects.get(name="江苏永久摩托车（缙云）工厂项目")
    page.get_by_role("link", name=project.name).click()
    expect(page.get_by_role("heading", name=project.name)).to_be_visible()
    page.get_by_role("link", name="缙云经济开发区", exact=True).first.click()
    expect(page.get_by_role("heading", name="缙云经济开发区")).to_be_visible()
    page.go_back()
    page.get_by_role("link", name="缙云经济开发区2025-1号", exact=True).first.click()
    expect(page.get_by_role("heading", name="缙云经济开发区2025-1号")).to_be_visible()
    expect(page.get_by_role("main").get_by_text("先租后供", exact=True)).to_be_visible()


def test_bad_filter_value_is_explained_next_to_the_field(demo_ledger, logged_in_page):
    page = logged_in_page
    page.goto("/projects/?investment_min=abc")
    expect(page.get_by_role("alert")).to_contain_text("筛选条件有误")
    expect(page.locator(".invalid-feedback")).to_contain_text("输入一个数字")
    expect(page.get_by_text("没有符合条件的项目")).to_be_visible()
