"""A Manager chooses a period for the monthly report on a phone, reads its summary,
downloads the PDF, issues it and downloads the issued copy."""

import re
import subprocess

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, fits_the_phone
from tests.e2e.test_accessibility import AXE, axe_violations, check_fields_are_labelled

ARTICLE_SENTENCE = (
    "2025年1月至4月，全县招引落地亿元以上项目10个，含10亿元以上项目3个，总投资45.32亿元。"
)


def pdf_text(path) -> str:
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, check=True).stdout
    return re.sub(r"\s+", "", text.decode())


def download(page, locator):
    with page.expect_download() as info:
        locator.click()
    return info.value


def test_choose_a_period_download_and_issue_on_a_phone(
    demo_ledger,
    logged_in_page,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    axe_source = AXE.read_text()
    page = logged_in_page
    page.set_viewport_size(PHONE)
    page.goto("/reports/")
    expect(page.get_by_role("heading", name="招商月报", level=1)).to_be_visible()
    page.get_by_label("自").fill("2025-01-01")
    page.get_by_label("至").fill("2025-04-30")
    page.get_by_role("button", name="生成").click()

    expect(page.get_by_role("heading", name="缙云县招商引资工作月报 2025年1—4月")).to_be_visible()
    expect(page.get_by_text(ARTICLE_SENTENCE)).to_be_visible()
    fits_the_phone(page)
    check_fields_are_labelled(page)
    assert axe_violations(page, axe_source) == []

    pdf = download(page, page.get_by_role("link", name="下载 PDF"))
    assert pdf.suggested_filename == "monthly-2025-01-01-2025-04-30-landed.pdf"
    assert ARTICLE_SENTENCE in pdf_text(pdf.path())
    xlsx = download(page, page.get_by_role("link", name="下载 XLSX"))
    assert xlsx.suggested_filename.endswith(".xlsx")

    page.get_by_role("button", name="印发").click()
    expect(page.get_by_role("alert")).to_have_text("已印发2025年1—4月月报第1版。")
    issued = page.get_by_role("region", name="已印发的月报")
    expect(issued.get_by_role("link", name="PDF")).to_have_count(1)  # version 1
    fits_the_phone(page)
    assert axe_violations(page, axe_source) == []
    copy = download(page, issued.get_by_role("link", name="PDF"))
    assert copy.suggested_filename == "monthly-2025-01-01-2025-04-30-landed-zh-hans-v1.pdf"
    assert ARTICLE_SENTENCE in pdf_text(copy.path())


def test_the_dashboard_opens_its_periods_report(demo_ledger, logged_in_page):
    page = logged_in_page
    page.goto("/?start=2024-01-01&end=2024-12-31")
    page.get_by_role("link", name="本期月报").click()
    expect(page.get_by_label("自")).to_have_value("2024-01-01")
    expect(page.get_by_label("至")).to_have_value("2024-12-31")
    expect(
        page.get_by_text("2024年，全县招引落地亿元以上项目37个，含10亿元以上项目8个")
    ).to_be_visible()
