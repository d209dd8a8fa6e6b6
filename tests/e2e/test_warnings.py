"""A leader reads the 红黄绿 card of a month's end, opens the red projects, and finds the
same number in the list; on a phone too, and for a screen reader."""

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, fits_the_phone
from tests.e2e.test_accessibility import axe_source, axe_violations  # noqa: F401

ARTICLE_DATE = "/?start=2025-01-01&end=2025-04-30&as_of=2025-05-01"


def test_the_red_count_opens_the_list_with_as_many_projects(demo_ledger, logged_in_page):
    page = logged_in_page
    page.goto("/?start=2025-01-01&end=2025-04-30")
    page.get_by_label("预警日期").fill("2025-05-01")
    page.get_by_role("button", name="统计").click()
    red = page.locator('[data-figure="warning-red"]')
    expect(red).to_have_text("2")
    red.click()
    expect(page.get_by_role("heading", name="招引项目")).to_be_visible()
    expect(page.locator(".summary strong").first).to_have_text("2")
    expect(page.get_by_label("预警日期")).to_have_value("2025-05-01")
    reason = "约定开工日期2025-01-15已过106天（红色＞90天）"
    flag = page.get_by_title(reason)
    expect(flag).to_have_text("红色")
    expect(flag).to_be_visible()


def test_the_card_fits_a_phone_and_passes_axe(demo_ledger, logged_in_page, axe_source):  # noqa: F811
    page = logged_in_page
    page.set_viewport_size(PHONE)
    page.goto(ARTICLE_DATE)
    expect(page.locator(".warnings-card")).to_be_visible()
    fits_the_phone(page)
    assert axe_violations(page, axe_source) == []
    page.goto("/projects/?warning=any&as_of=2025-05-01")
    assert axe_violations(page, axe_source) == []
