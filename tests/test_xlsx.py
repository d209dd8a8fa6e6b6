"""An exported XLSX opens ready to read: header frozen and filterable, columns fitted to
their contents, amounts with two places and every digit kept."""

import io
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from projects.lists.sheets import MAX_WIDTH, Sheet, column_widths, write_xlsx
from projects.models import InvestmentProject

pytestmark = pytest.mark.django_db

JAN_APR_2025 = {"landed_after": "2025-01-01", "landed_before": "2025-04-30"}


def opened(response) -> openpyxl.Workbook:
    """The downloaded workbook, as Excel would open it."""
    return openpyxl.load_workbook(io.BytesIO(response.getvalue()))


def column_of(sheet, header: str) -> str:
    headers = [cell.value for cell in sheet[1]]
    return get_column_letter(headers.index(header) + 1)


def test_the_header_row_is_frozen_and_filters_every_row(demo, staff_client):
    sheet = opened(staff_client.get("/projects/", {**JAN_APR_2025, "_export": "xlsx"})).active

    landed = InvestmentProject.objects.filter(landed_date__range=("2025-01-01", "2025-04-30"))
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 1 + landed.count()
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(sheet.max_column)}{sheet.max_row}"


def test_amounts_show_two_places_and_keep_every_digit(demo, staff_client):
    project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
    project.total_investment_wan = Decimal("150012.34")
    project.save()
    sheet = opened(staff_client.get("/projects/", {"q": "涵禧", "_export": "xlsx"})).active

    cell = sheet[f"{column_of(sheet, '总投资（亿元）')}2"]
    assert cell.number_format == "0.00"
    assert Decimal(str(cell.value)) == Decimal("15.001234")
    name = sheet[f"{column_of(sheet, '项目名称')}2"]
    assert name.value == project.name and name.number_format == "General"


def test_columns_are_as_wide_as_their_contents(demo, staff_client):
    sheet = opened(staff_client.get("/projects/", {**JAN_APR_2025, "_export": "xlsx"})).active
    names = [cell.value for cell in sheet[column_of(sheet, "项目名称")][1:]]
    width = {
        header: sheet.column_dimensions[column_of(sheet, header)].width
        for header in ("项目名称", "落地日期")
    }

    # A Chinese character is about two characters of Excel's default font wide, as it is
    # two bytes of GB 18030 (a Latin letter or digit one).
    assert width["项目名称"] >= max(len(name.encode("gb18030")) for name in names)
    assert len("2025-01-01") <= width["落地日期"] < width["项目名称"]


def test_every_sheet_of_the_dashboard_is_laid_out_alike(demo, staff_client):
    workbook = opened(
        staff_client.get("/", {"start": "2025-01-01", "end": "2025-04-30", "_export": "xlsx"})
    )

    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref.startswith("A1:"), sheet.title
    overview = workbook.worksheets[0]
    total = next(row for row in overview.iter_rows(min_row=2) if row[0].value == "总投资（亿元）")
    assert total[1].value == pytest.approx(45.32) and total[1].number_format == "0.00"


def test_a_width_takes_the_longest_line_and_has_a_ceiling():
    widths = column_widths(
        ["备注", "n"], [["第一行\n比第一行更长的第二行", 5], ["x" * 500, Decimal("123456.7")]]
    )

    assert widths[0] == MAX_WIDTH
    assert widths[1] == len("123456.70") + 2
    assert column_widths(["备注"], [["第一行\n比第一行更长的第二行"]]) == [2 * 10 + 2]


def test_an_empty_sheet_still_has_its_header_filter():
    file = io.BytesIO()
    write_xlsx([Sheet("空", ["项目名称", "总投资（亿元）"], [])], file)
    sheet = openpyxl.load_workbook(file).active

    assert sheet.auto_filter.ref == "A1:B1"
    assert sheet.column_dimensions["A"].width == 2 * 4 + 2
