"""A staff member finds projects through the filter panel, sorts, pages and follows links."""

import io
import re
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from projects.lists.export import INVALID_FILTER
from projects.models import InvestmentProject
from projects.units import wan_to_yi
from tests.e2e.conftest import PHONE, fits_the_phone


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
    # The parcel's supply mode, not the small map's legend.
    expect(page.locator("dl").get_by_text("先租后供", exact=True)).to_be_visible()


def test_bad_filter_value_is_explained_next_to_the_field(demo_ledger, logged_in_page):
    page = logged_in_page
    page.goto("/projects/?investment_min=abc")
    expect(page.get_by_role("alert")).to_have_text(str(INVALID_FILTER))
    field = page.get_by_label("总投资不低于（亿元）")
    expect(field).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description("输入一个数字。")
    expect(page.locator(".invalid-feedback")).to_be_visible()
    expect(page.get_by_text("没有符合条件的项目")).to_have_count(0)
    for name in ("导出 CSV", "导出 XLSX"):
        expect(page.get_by_role("button", name=name)).to_be_disabled()
    expect(page.get_by_role("link", name=re.compile("导出"))).to_have_count(0)

    page.get_by_role("link", name=re.compile("总投资不低于")).click()  # its chip
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("link", name="导出 CSV")).to_be_visible()
    assert summary_count(page) == InvestmentProject.objects.count()


LISTS = ["/projects/", "/parks/", "/parcels/", "/companies/", "/leases/"]
MARGINS = ("top", "right", "bottom", "left")


def test_every_list_reads_on_a_phone(demo_ledger, logged_in_page):
    page = logged_in_page
    page.set_viewport_size(PHONE)
    for path in LISTS:
        page.goto(path)
        expect(page.get_by_role("form", name="筛选条件")).to_be_hidden()
        expect(page.get_by_role("button", name="筛选条件")).to_be_visible()
        first = page.locator("tbody tr").first
        box = first.bounding_box()
        assert box["y"] < PHONE["height"], f"{path}: first record below the fold"
        fits_the_phone(page)
        # A card: the record's name across the card, each value under its column's name.
        name = first.locator("td").first.bounding_box()
        assert name["width"] > 0.8 * box["width"], path
        header = page.locator("thead th").nth(1).text_content().strip()
        second = first.locator("td").nth(1)
        label = second.evaluate("cell => getComputedStyle(cell, '::before').content")
        assert label == f'"{header}"', path


def test_on_a_phone_filters_fold_and_chips_remove_them(demo_ledger, logged_in_page):
    page = logged_in_page
    page.set_viewport_size(PHONE)
    page.goto("/projects/")
    everything = summary_count(page)
    toggle = page.get_by_role("button", name="筛选条件")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    panel = page.get_by_role("form", name="筛选条件")
    expect(panel).to_be_visible()
    panel.get_by_label("短途交通").check()
    panel.get_by_label("投资规模").select_option(label="亿元以上")
    # The panel is taller than the screen: its button stays in reach at the top and the end.
    submit = panel.get_by_role("button", name="筛选", exact=True)
    expect(submit).to_be_in_viewport()
    panel.get_by_label("示例数据").scroll_into_view_if_needed()
    expect(submit).to_be_in_viewport()
    submit.click()

    expect(panel).to_be_hidden()
    expect(page.get_by_role("button", name="筛选条件（2）")).to_be_visible()
    chips = page.get_by_role("list", name="已选筛选条件")
    expect(chips.get_by_role("link", name=re.compile("投资规模：亿元以上"))).to_be_visible()
    both = summary_count(page)
    expected = InvestmentProject.objects.filter(
        sector__name="短途交通", total_investment_wan__gte=10000
    )
    assert both == expected.count()
    assert page.locator("tbody tr").first.bounding_box()["y"] < PHONE["height"]

    chips.get_by_role("link", name=re.compile("产业：短途交通")).click()
    expect(page).not_to_have_url(re.compile(r"sector="))
    expect(page).to_have_url(re.compile(r"size=1yi"))
    expect(chips.get_by_role("link", name=re.compile("产业"))).to_have_count(0)
    of_1yi = InvestmentProject.objects.filter(total_investment_wan__gte=10000).count()
    assert summary_count(page) == of_1yi > both
    chips.get_by_role("link", name=re.compile("投资规模")).click()
    expect(page.get_by_role("list", name="已选筛选条件")).to_have_count(0)
    assert summary_count(page) == everything


def switch_to_english(page) -> None:
    page.get_by_role("form", name="语言").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def columns_cut(page) -> list[str]:
    """The headers of the list's table that are cut off, or scrolled out of, its container."""
    return page.evaluate(
        """() => {
            const table = document.querySelector("table.list-table");
            const box = table.parentElement.getBoundingClientRect();
            if (table.scrollWidth > table.parentElement.clientWidth) return ["(table too wide)"];
            return [...table.querySelectorAll("thead th")]
                .filter(th => {
                    const cell = th.getBoundingClientRect();
                    return !th.checkVisibility() || cell.width === 0 || cell.right > box.right;
                })
                .map(th => th.innerText);
        }"""
    )


def test_no_column_is_cut_at_1440_px_in_either_language(demo_ledger, logged_in_page):
    page = logged_in_page
    page.set_viewport_size({"width": 1440, "height": 900})
    for language in ("zh-hans", "en"):
        if language == "en":
            switch_to_english(page)
        for path in LISTS:
            page.goto(path)
            assert columns_cut(page) == [], (language, path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 1440


def test_a_printed_list_keeps_every_column_and_drops_the_controls(demo_ledger, logged_in_page):
    page = logged_in_page
    # The printable width of A4 landscape with 10 mm margins: 277 mm at 96 px an inch.
    page.set_viewport_size({"width": 1047, "height": 740})
    switch_to_english(page)  # English headers are the widest
    for path in LISTS:
        page.goto(f"{path}?per_page=100")
        page.emulate_media(media="print")
        headers = page.locator("thead th")
        assert headers.count() > 5
        for header in headers.all():
            expect(header).to_be_visible()
        assert columns_cut(page) == [], path
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_text(f"Date: {timezone.localdate():%Y-%m-%d}")).to_be_visible()
        expect(page.locator(".summary")).to_be_visible()
        for hidden in ("nav", "form", ".pagination", ".btn", "button"):
            visible = [item for item in page.locator(hidden).all() if item.is_visible()]
            assert visible == [], (path, hidden)
        assert page.locator("tbody tr").first.is_visible()
        page.emulate_media(media="screen")

    page.goto("/projects/?size=1yi&landed_after=2025-01-01&landed_before=2025-04-30")
    page.emulate_media(media="print")
    expect(page.get_by_text("Filters:")).to_be_visible()
    expect(page.get_by_text("Size tier: CNY 100M and above")).to_be_visible()
    pdf = page.pdf(landscape=True, format="A4", margin={side: "10mm" for side in MARGINS})
    assert len(pdf_pages(pdf)) == 1  # the ten projects on one sheet
    # Printed as the stylesheet asks (as the browser's print dialog does): A4 landscape.
    [(width, height)] = pdf_pages(page.pdf(prefer_css_page_size=True))
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (297, 210)


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The width and height of each page of a PDF, in points."""
    return [
        (float(page.mediabox.width), float(page.mediabox.height))
        for page in PdfReader(io.BytesIO(pdf)).pages
    ]
