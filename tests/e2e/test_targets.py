"""A Manager sets a staff member's annual target from /targets/ on a phone and finds it on
the dashboard beside its actual, then changes and deletes it; a wrong form is explained beside its
field and keeps what was typed; the pages pass axe, fit 390 px and print without their
controls."""

import io
from decimal import Decimal

from playwright.sync_api import expect
from pypdf import PdfReader

from projects.models import AnnualTarget
from projects.roles import MANAGER
from tests.e2e import test_accessibility
from tests.e2e.conftest import fits_the_phone, log_in_as
from tests.e2e.test_accessibility import axe_violations, check_fields_are_labelled

axe_source = test_accessibility.axe_source  # the fixture, shared

JAN_APR_2025 = "/?start=2025-01-01&end=2025-04-30"


def test_a_manager_sets_a_target_and_the_dashboard_shows_it(
    demo_ledger, role_user, page, axe_source
):
    log_in_as(page, role_user("manager", MANAGER), phone=True)

    page.goto("/targets/?year=2025")
    page.get_by_role("link", name="新增年度目标").click()
    expect(page.get_by_role("heading", name="新增年度目标")).to_be_visible()
    check_fields_are_labelled(page)
    fits_the_phone(page)
    assert axe_violations(page, axe_source) == []

    # A staff member's target without the staff member is explained beside the field.
    page.get_by_label("年度", exact=True).fill("2025")
    page.get_by_label("考核对象类别").select_option(label="责任人")
    page.get_by_label("落地亿元以上项目（个）").fill("2")
    page.get_by_label("到位资金（亿元）", exact=True).fill("5.5")
    page.get_by_role("button", name="保存").click()
    staff = page.get_by_label("责任人", exact=True)
    expect(staff).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_staff_error")).to_have_text("请选择考核对象。")
    expect(page.get_by_label("到位资金（亿元）", exact=True)).to_have_value("5.5")
    fits_the_phone(page)
    assert axe_violations(page, axe_source) == []

    staff.select_option(label="陈静")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/targets/?year=2025")
    expect(page.get_by_role("alert").first).to_have_text("已保存年度目标：2025 陈静。")
    row = page.get_by_role("row").filter(has_text="陈静")
    expect(row.get_by_role("link", name="编辑 2025 陈静")).to_be_visible()
    target = AnnualTarget.objects.get(year=2025, staff__username="chenjing")
    assert (target.funds_wan, target.projects_100m) == (Decimal("55000.00"), 2)
    fits_the_phone(page)
    assert axe_violations(page, axe_source) == []

    page.goto(JAN_APR_2025)
    targets = page.get_by_role("region", name="2025年度目标完成情况")
    funds = targets.locator('table[data-target="funds_wan"] tr[data-unit="陈静"]')
    expect(funds.locator("td").first).to_have_text("5.50")
    funds.get_by_role("link").click()  # its actual opens the funds it sums
    expect(page.get_by_role("status")).to_contain_text("共")
    expect(page.get_by_role("list", name="已选筛选条件")).to_contain_text("陈静")

    # Changed from its row: the save locks the target's row outside any test transaction.
    page.goto("/targets/?year=2025")
    page.get_by_role("link", name="编辑 2025 陈静").click()
    page.get_by_label("到位资金（亿元）", exact=True).fill("6")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/targets/?year=2025")
    expect(page.get_by_role("alert").first).to_have_text("已保存年度目标：2025 陈静。")
    target.refresh_from_db()
    assert target.funds_wan == Decimal("60000.00")

    # The target's page prints as its title and history, without the form.
    page.goto(f"/targets/{target.pk}/edit/")
    expect(page.get_by_role("heading", name="修改记录")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("到位资金（亿元）：5.50 → 6.00")
    check_fields_are_labelled(page)
    fits_the_phone(page)
    assert axe_violations(page, axe_source) == []
    printed = PdfReader(io.BytesIO(page.pdf(format="A4")))
    text = "\n".join(printed_page.extract_text() for printed_page in printed.pages)
    assert "2025 陈静" in text and "修改记录" in text and "5.50 → 6.00" in text
    assert "保存" not in text and "---------" not in text  # no button, no field

    page.get_by_role("link", name="删除").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("删除年度目标 · 2025 陈静")
    fits_the_phone(page)
    assert axe_violations(page, axe_source) == []
    page.get_by_role("button", name="删除").click()
    page.wait_for_url("**/targets/?year=2025")
    expect(page.get_by_role("alert").first).to_have_text("已删除年度目标：2025 陈静。")
    assert not AnnualTarget.objects.filter(pk=target.pk).exists()
