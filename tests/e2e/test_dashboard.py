"""A leader picks a period on the dashboard, reads the figures and opens the projects; on a
phone, in English on a wide screen, and on paper."""

import io
import re

from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import PHONE, fits_the_phone

# The period of the article's figures (10 projects of 亿元以上, 45.32 亿元).
JAN_APR_2025 = "/?start=2025-01-01&end=2025-04-30"
# Every project of six years: the longest labels and the most bars.
SIX_YEARS = "/?start=2021-01-01&end=2026-12-31&size=all"
# The projects' six charts, not those of the funds in place.
PROJECT_CHARTS = ".dashboard > .breakdowns ol.bar-chart"
# Each element's font size (px) and the height of the shortest line box its text is drawn in.
RENDERED_SIZES = """all => all.map(e => {
    const range = document.createRange();
    range.selectNodeContents(e);
    const lines = [...range.getClientRects()].map(rect => rect.height);
    return [parseFloat(getComputedStyle(e).fontSize), Math.min(...lines)];
})"""


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
    expect(page.locator(PROJECT_CHARTS)).to_have_count(6)

    page.locator('[data-figure="count"]').click()
    expect(page.get_by_role("heading", name="招引项目")).to_be_visible()
    expect(page.locator(".summary")).to_contain_text("10")
    expect(page.locator(".summary")).to_contain_text("45.32")
    expect(page.get_by_label("投资规模")).to_have_value("1yi")

    page.go_back()
    april = page.locator("ol.bar-chart a").last  # the last bar of the month-by-month chart
    expect(april).to_have_attribute("aria-label", "2025-04：2")
    april.click()
    expect(page.locator(".summary strong").first).to_have_text("2")
    expect(page.get_by_label("落地日期自")).to_have_value("2025-04-01")


def test_an_empty_period_offers_the_latest_year_with_projects(demo_ledger, logged_in_page):
    page = logged_in_page
    page.goto("/?start=2031-01-01&end=2031-12-31")
    hint = page.get_by_role("status").filter(has_text="本期没有项目")
    hint.get_by_role("link").click()
    expect(page.get_by_label("自")).to_have_value(re.compile(r"^\d{4}-01-01$"))
    expect(page.locator(PROJECT_CHARTS)).to_have_count(6)


def test_at_390_px_nothing_scrolls_sideways_and_chart_text_is_legible(demo_ledger, logged_in_page):
    page = logged_in_page
    page.set_viewport_size(PHONE)
    for url in (JAN_APR_2025, SIX_YEARS):
        page.goto(url)
        expect(page.locator(PROJECT_CHARTS)).to_have_count(6)
        fits_the_phone(page)
        # The size the text is drawn at, in its style and on the screen: a chart scaled down
        # to the phone's width would keep its style's size but draw smaller.
        text = page.locator(".bar-chart .bar-label, .bar-chart .bar-value")
        sizes = text.evaluate_all(RENDERED_SIZES)
        assert len(sizes) > 20, url
        assert min(style for style, _drawn in sizes) >= 12, url
        assert min(drawn for _style, drawn in sizes) >= 12, url
        # Nor does any chart or table overflow its own box.
        boxes = page.locator(".bar-chart, .bar-chart a, .crossed .table-responsive")
        overflowing = boxes.evaluate_all(
            "all => all.filter(e => e.scrollWidth > e.clientWidth).map(e => e.outerHTML)"
        )
        assert overflowing == [], url


def test_in_english_at_1440_px_every_chart_label_is_whole(demo_ledger, logged_in_page):
    page = logged_in_page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(SIX_YEARS)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Investment overview")).to_be_visible()
    for section in page.locator("section:has(ol.bar-chart)").all():
        labels = section.locator(".bar-label")
        # Each bar is labelled with its group's whole name, as the table below names it.
        assert labels.all_inner_texts() == section.locator("tbody td:first-child").all_inner_texts()
        cut = labels.evaluate_all(
            "all => all.filter(e => e.scrollWidth > e.clientWidth"
            " || e.scrollHeight > e.clientHeight).map(e => e.textContent)"
        )
        assert cut == []
        for value in section.locator(".bar-value").all_inner_texts():
            assert re.fullmatch(r"\d+ \(\d+\.\d\d × CNY 100M\)", value), value
    assert "Construction started" in page.locator(".bar-label").all_inner_texts()


def test_it_prints_on_four_a4_pages_at_most_without_the_controls(demo_ledger, logged_in_page):
    page = logged_in_page
    page.goto(JAN_APR_2025)
    printed = PdfReader(io.BytesIO(page.pdf(format="A4")))
    # Two of the projects' figures, two of the funds in place and the targets.
    assert 1 <= len(printed.pages) <= 4
    text = "\n".join(printed_page.extract_text() for printed_page in printed.pages)
    for shown in ("招商引资概况", "2025-01-01", "2025-04-30", "45.32"):
        assert shown in text
    assert f"{timezone.localdate():%Y-%m-%d}" in text  # the date it was printed
    for control in ("快捷期间", "导出", "退出", "首页", "English"):
        assert control not in text
