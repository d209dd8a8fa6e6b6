"""A leader picks a period on the dashboard, reads the figures and opens the projects."""

from playwright.sync_api import expect


def test_pick_a_period_read_the_figures_and_open_the_list(demo_ledger, logged_in_page):
    page = logged_in_page
    expect(page.get_by_role("heading", name="招商引资概况")).to_be_visible()
    page.get_by_label("自").fill("2025-01-01")
    page.get_by_label("至").fill("2025-04-30")
    page.get_by_role("button", name="统计").click()

    expect(page.locator('[data-figure="count"]')).to_have_text("10")
    expect(page.locator('[data-figure="count_1b"]')).to_have_text("3")
    expect(page.locator('[data-figure="total"]')).to_have_text("45.32")
    expect(page.locator('[data-figure="leased"]')).to_have_text("36")
    expect(page.locator("svg.bar-chart")).to_have_count(6)

    page.locator('[data-figure="count"]').click()
    expect(page.get_by_role("heading", name="招引项目")).to_be_visible()
    expect(page.locator(".summary")).to_contain_text("10")
    expect(page.locator(".summary")).to_contain_text("45.32")
    expect(page.get_by_label("投资规模")).to_have_value("1yi")

    page.go_back()
    april = page.locator("svg.bar-chart a").last  # the last bar of the month-by-month chart
    expect(april).to_have_attribute("aria-label", "2025-04：2")
    april.click()
    expect(page.locator(".summary strong").first).to_have_text("2")
    expect(page.get_by_label("落地日期自")).to_have_value("2025-04-01")
