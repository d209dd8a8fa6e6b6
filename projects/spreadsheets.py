"""CSV and XLSX files that open safely and correctly in Excel.

The CSV starts with a byte-order mark so Excel reads Chinese. Text that a spreadsheet
would run as a formula (a name typed as "=HYPERLINK(…)") stays text: prefixed with an
apostrophe in the CSV, stored as a text cell in the XLSX.
"""

import csv
from collections.abc import Iterable, Sequence
from io import BytesIO, StringIO

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class Sheet:
    """A titled table: headers and rows of values (text, numbers, dates)."""

    def __init__(self, title: str, headers: Sequence, rows: Iterable[Sequence]) -> None:
        self.title = str(title)
        self.headers = [str(header) for header in headers]
        self.rows = rows


def csv_value(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return "" if value is None else value


def csv_text(sheets: Sequence[Sheet]) -> str:
    """The sheets one under the other, each under its title when there are several."""
    buffer = StringIO()
    writer = csv.writer(buffer)
    for index, sheet in enumerate(sheets):
        if len(sheets) > 1:
            if index:
                writer.writerow([])
            writer.writerow([csv_value(sheet.title)])
        writer.writerow([csv_value(header) for header in sheet.headers])
        for row in sheet.rows:
            writer.writerow([csv_value(value) for value in row])
    return "\ufeff" + buffer.getvalue()


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """One worksheet per sheet, written row by row."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=sheet.title[:31])
        worksheet.append(sheet.headers)
        for row in sheet.rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(worksheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
                cells.append(cell)
            worksheet.append(cells)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(export_format: str, sheets: Sequence[Sheet], filename: str) -> HttpResponse:
    """A response that downloads the sheets as ``filename`` in CSV or XLSX."""
    content = csv_text(sheets) if export_format == "csv" else xlsx_bytes(sheets)
    response = HttpResponse(content, content_type=CONTENT_TYPES[export_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
