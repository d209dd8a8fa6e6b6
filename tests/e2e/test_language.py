"""A staff member switches the pages to English with the footer's buttons, and back."""

import re

from playwright.sync_api import expect


def test_switch_to_english_and_back_keeps_the_figures(demo_ledger, logged_in_page):
    page = logged_in_page
    language = page.get_by_role("form", name="语言")
    page.get_by_role("link", name="项目", exact=True).click()
    page.get_by_label("投资规模").select_option(label="亿元以上")
    page.get_by_role("button", name="筛选").click()
    count = page.locator(".summary strong").first.inner_text()
    total = page.locator(".summary strong").nth(1).inner_text()
    assert int(count) > 25

    language.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    navigation = page.get_by_role("navigation", name="Main navigation")
    expect(navigation.get_by_role("link", name="Projects", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Investment projects")).to_be_visible()
    expect(page.get_by_role("button", name="Filter", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Total investment (CNY 100M)")).to_be_visible()
    expect(page).to_have_url(re.compile(r"size=1yi"))
    expect(page.get_by_label("Size tier")).to_have_value("1yi")
    expect(page.locator(".summary strong").first).to_have_text(count)
    expect(page.locator(".summary strong").nth(1)).to_have_text(total)

    # The choice lasts from page to page.
    navigation.get_by_role("link", name="Home", exact=True).click()
    expect(page.get_by_role("heading", name="Investment overview")).to_be_visible()
    page.go_back()
    expect(page.locator(".summary strong").first).to_have_text(count)

    page.get_by_role("form", name="Language").get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("link", name="项目", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="招引项目")).to_be_visible()
    expect(page.get_by_role("columnheader", name="总投资（亿元）")).to_be_visible()
    expect(page.get_by_label("投资规模")).to_have_value("1yi")
    expect(page.locator(".summary strong").first).to_have_text(count)
    expect(page.locator(".summary strong").nth(1)).to_have_text(total)


def test_the_english_menu_fits_a_desktop(demo_ledger, logged_in_page):
    """The English names are longer than the Chinese: on a 1440 px screen the menu wraps
    onto a second line, each name kept on one line, instead of widening the page or
    breaking names into stacks of words; and no link runs into another."""
    page = logged_in_page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.get_by_role("form", name="语言").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    navigation = page.get_by_role("navigation", name="Main navigation")
    controls = navigation.locator(".nav-link, button:visible")
    boxes = [controls.nth(i).bounding_box() for i in range(controls.count())]
    assert len(boxes) > 10
    one_line = min(box["height"] for box in boxes)
    assert all(box["height"] < 1.5 * one_line for box in boxes), boxes
    for box in boxes:
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1440, box
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["width"] <= b["x"] + 1
                or b["x"] + b["width"] <= a["x"] + 1
                or a["y"] + a["height"] <= b["y"] + 1
                or b["y"] + b["height"] <= a["y"] + 1
            )
            assert apart, (a, b)
