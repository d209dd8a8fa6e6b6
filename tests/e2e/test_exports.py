"""A staff member filters the projects list and downloads it as CSV and as XLSX."""

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

from openpyxl import load_workbook
from playwright.sync_api import expect

from projects.models import InvestmentProject
from projects.units import TWO_PLACES, wan_to_yi

NAME, AMOUNT = "项目名称", "总投资（亿元）"


def filter_short_distance_transport_of_1yi(page):
    page.get_by_role("link", name="项目", exact=True).click()
    page.get_by_label("短途交通").check()
    page.get_by_label("投资规模").select_option(label="亿元以上")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator(".summary")).to_contain_text("已筛选")


def download(page, link_name: str):
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    return info.value


def shown_as(amount) -> Decimal:
    """An exported amount in 亿元 as the page shows it, two decimals rounded half up."""
    return Decimal(str(amount)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def check_rows(headers, rows, page) -> None:
    """The exported rows are the filtered set, in the page's order, with its figures."""
    expected = {
        project.name: wan_to_yi(project.total_investment_wan)
        for project in InvestmentProject.objects.filter(
            sector__name="短途交通", total_investment_wan__gte=10000
        )
    }
    summary = page.locator(".summary strong")
    assert len(rows) == int(summary.first.inner_text()) == len(expected) > 25
    shown_headers = [header.strip() for header in page.locator("thead th").all_inner_texts()]
    assert set(shown_headers) <= set(headers)

    names = [row[headers.index(NAME)] for row in rows]
    amounts = {row[headers.index(NAME)]: shown_as(row[headers.index(AMOUNT)]) for row in rows}
    assert amounts == expected
    # A name cell reads "name 示例" for a demo row: the badge is not part of the name.
    shown_names = [
        name.removesuffix("示例").strip()
        for name in page.locator("tbody tr td:first-child a").all_inner_texts()
    ]
    assert names[: len(shown_names)] == shown_names
    assert sum(amounts.values()) == sum(expected.values())
    total = sum(Decimal(str(row[headers.index(AMOUNT)])) for row in rows)
    assert shown_as(total) == Decimal(summary.nth(1).inner_text())


def test_export_the_filtered_projects_as_csv(demo_ledger, logged_in_page):
    page = logged_in_page
    filter_short_distance_transport_of_1yi(page)

    csv_file = download(page, "导出 CSV")
    assert csv_file.suggested_filename.endswith(".csv")
    content = csv_file.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")  # so that Excel reads the Chinese
    headers, *rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    check_rows(headers, rows, page)


def test_export_the_filtered_projects_as_xlsx(demo_ledger, logged_in_page):
    page = logged_in_page
    filter_short_distance_transport_of_1yi(page)

    xlsx_file = download(page, "导出 XLSX")
    assert xlsx_file.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(xlsx_file.path().read_bytes()), read_only=True).worksheets[0]
    headers, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert all(isinstance(row[headers.index(AMOUNT)], int | float) for row in rows)
    check_rows(headers, rows, page)
