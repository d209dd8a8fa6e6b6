"""An Editor records funds in place on a project's page on a phone, and the dashboard's
到位资金 for the period rises by the amount; both pages pass axe and fit 390 px."""

from decimal import Decimal

from playwright.sync_api import expect

from projects.models import FundEntry, InvestmentProject
from projects.roles import EDITOR
from tests.e2e import test_accessibility
from tests.e2e.conftest import fits_the_phone, log_in_as
from tests.e2e.test_accessibility import axe_violations, check_fields_are_labelled

axe_source = test_accessibility.axe_source  # the fixture, shared

PROJECT = "涵禧科技汽车零部件及新材料项目"
JAN_APR_2025 = "/?start=2025-01-01&end=2025-04-30"


def funds_figure(page) -> Decimal:
    return Decimal(page.locator('[data-figure="funds"]').inner_text())


def test_an_editor_records_funds_and_the_dashboard_rises(demo_ledger, role_user, page, axe_source):
    log_in_as(page, role_user("editor", EDITOR), phone=True)
    page.goto(JAN_APR_2025)
    before = funds_figure(page)
    expect(page.get_by_role("region", name="2025年度目标完成情况")).to_contain_text("32.9%")
    fits_the_phone(page)
    assert axe_violations(page, axe_source) == []

    project = InvestmentProject.objects.get(name=PROJECT)
    page.goto(project.get_absolute_url())
    form = page.locator("form", has=page.get_by_role("heading", name="记录到位资金"))
    check_fields_are_labelled(page)
    fits_the_phone(page)
    assert axe_violations(page, axe_source) == []

    # A wrong amount is explained beside its field, keeping what was typed.
    form.get_by_label("到位日期").fill("2025-04-15")
    form.get_by_label("到位金额（亿元）").fill("0")
    form.get_by_label("资金来源或凭证").fill("银行进账单（浏览器测试）")
    form.get_by_role("button", name="记录到位资金").click()
    form = page.locator("form", has=page.get_by_role("heading", name="记录到位资金"))
    expect(form.locator(".invalid-feedback")).to_contain_text("到位金额必须大于零")
    expect(form.get_by_label("资金来源或凭证")).to_have_value("银行进账单（浏览器测试）")

    form.get_by_label("到位金额（亿元）").fill("1.25")
    form.get_by_label("省外资金").check()
    form.get_by_role("button", name="记录到位资金").click()
    expect(page.get_by_role("alert").first).to_contain_text("已记录2025-04-15到位资金1.25亿元")
    expect(page.locator("#funds svg polyline")).to_have_count(1)
    entry = FundEntry.objects.get(source="银行进账单（浏览器测试）")
    assert entry.amount_wan == Decimal("12500.00") and entry.outside_province
    assert axe_violations(page, axe_source) == []

    page.goto(JAN_APR_2025)
    assert funds_figure(page) == before + Decimal("1.25")
    page.locator('[data-figure="funds"]').click()
    expect(page.get_by_text("银行进账单（浏览器测试）")).to_be_visible()
    fits_the_phone(page)
