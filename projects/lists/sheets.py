"""CSV and XLSX files that open safely and correctly in Excel.

The CSV starts with a byte-order mark so Excel reads Chinese. Text that a spreadsheet
would run as a formula (a name typed as "=HYPERLINK(…)") stays text: prefixed with an
apostrophe in the CSV, stored as a text cell in the XLSX. The CSV keeps every character;
an XLSX cell, which cannot hold a control character, gets a line break for Word's line and
page breaks and "\ufffd" for any other.

An XLSX sheet opens ready to read: its header row frozen and filterable, its columns as
wide as their contents, and its decimals (amounts, areas) shown with two places, each cell
still holding every digit.

Both are written row by row, so that a list of 50,000 rows can be sent while it is read
(``stream``); the dashboard's few small sheets are sent whole (``download``).
"""

import csv
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from io import BytesIO, StringIO
from itertools import chain, islice
from tempfile import TemporaryFile
from typing import Any, BinaryIO

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django_stubs_ext import StrOrPromise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

TWO_PLACES = Decimal("0.01")
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Word writes a manual line break as a vertical tab and a page break as a form feed.
WORD_BREAKS = str.maketrans("\x0b\x0c", "\n\n")
# About how much CSV text is sent at a time: fewer, larger writes than one per row.
CSV_CHUNK_CHARS = 64 * 1024
# How an XLSX sheet shows a decimal.
DECIMAL_FORMAT = "0.00"
# A sheet written row by row declares its columns' widths before its first row: they are
# fitted to the headers and to this many rows, read ahead.
WIDTH_SAMPLE_ROWS = 1000
# Widths in characters of Excel's default font: a Chinese character takes two.
MIN_WIDTH, MAX_WIDTH, WIDTH_MARGIN = 6, 60, 2


class Sheet:
    """A titled table: headers and rows of values (text, numbers, dates).

    The rows may be a generator, read once while the file is written.
    """

    def __init__(self, title: StrOrPromise, headers: Sequence, rows: Iterable[Sequence]) -> None:
        self.title = str(title)
        self.headers = [str(header) for header in headers]
        self.rows = rows


def csv_value(value: object) -> object:
    """A cell as the CSV writes it: text that looks like a formula kept text, and a decimal
    in plain notation with at least two places (10 亿元 as ``10.00``, never ``1E+1``),
    every stored digit kept beyond them."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    # A decimal's exponent is a number if it is finite, a letter if it is NaN or infinite.
    if isinstance(value, Decimal) and isinstance(exponent := value.as_tuple().exponent, int):
        if exponent > -2:
            value = value.quantize(TWO_PLACES)
        return format(value, "f")
    return "" if value is None else value


def unguarded(text: str) -> str:
    """A CSV cell as it was before ``csv_value`` kept it from running as a formula."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def with_line_breaks(text: str) -> str:
    """The text with Word's manual line and page breaks as the line breaks they stand for."""
    return text.translate(WORD_BREAKS)


def xlsx_value(worksheet: Any, value: Any) -> Any:
    """The value, or a cell of its own for a decimal, shown with two places, and for text
    that looks like a formula, kept text (openpyxl makes text starting with "=" a formula).
    Only those are cells of their own: openpyxl writes plain values faster. A character
    openpyxl refuses gets its stand-in (above)."""
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.number_format = DECIMAL_FORMAT
        return cell
    if not isinstance(value, str):
        return value
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", with_line_breaks(value))
    if value.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def csv_chunks(sheets: Sequence[Sheet]) -> Iterator[str]:
    """The sheets one under the other, each under its title when there are several, in
    pieces of about ``CSV_CHUNK_CHARS``; the first starts with the byte-order mark."""
    buffer = StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for index, sheet in enumerate(sheets):
        if len(sheets) > 1:
            if index:
                writer.writerow([])
            writer.writerow([csv_value(sheet.title)])
        writer.writerow([csv_value(header) for header in sheet.headers])
        for row in sheet.rows:
            writer.writerow([csv_value(value) for value in row])
            if buffer.tell() >= CSV_CHUNK_CHARS:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def shown_width(value: object) -> int:
    """About how many characters wide Excel shows a value: its longest line, a Chinese
    character counted twice, a decimal with the two places it is shown with."""
    if value is None:
        return 0
    text = f"{value:.2f}" if isinstance(value, Decimal) else str(value)
    return max(
        sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)
        for line in text.splitlines() or [""]
    )


def column_widths(headers: Sequence[str], rows: Iterable[Sequence]) -> list[int]:
    """Each column's width fitted to its header and the rows' values, within bounds."""
    widths = [shown_width(header) for header in headers]
    for row in rows:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], shown_width(value))
    return [min(max(width + WIDTH_MARGIN, MIN_WIDTH), MAX_WIDTH) for width in widths]


def write_xlsx(sheets: Sequence[Sheet], file: BinaryIO) -> None:
    """One worksheet per sheet, in openpyxl's write-only mode: each row goes to a temporary
    file as it comes, and the workbook is zipped into ``file`` at the end. Each sheet's
    header row is frozen and carries a filter over all the rows."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=sheet.title[:31])
        rows = iter(sheet.rows)
        ahead = list(islice(rows, WIDTH_SAMPLE_ROWS))
        for index, width in enumerate(column_widths(sheet.headers, ahead), start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        worksheet.freeze_panes = "A2"
        worksheet.append([xlsx_value(worksheet, header) for header in sheet.headers])
        last_row = 1
        for row in chain(ahead, rows):
            worksheet.append([xlsx_value(worksheet, value) for value in row])
            last_row += 1
        worksheet.auto_filter.ref = f"A1:{get_column_letter(len(sheet.headers))}{last_row}"
    workbook.save(file)


def attach(response: HttpResponseBase, filename: str) -> None:
    """Make the response a download named ``filename``."""
    response["Content-Disposition"] = f'attachment; filename="{filename}"'


def download(export_format: str, sheets: Sequence[Sheet], filename: str) -> HttpResponse:
    """A response that downloads the sheets as ``filename`` in CSV or XLSX, built whole."""
    content: str | bytes
    if export_format == "csv":
        content = "".join(csv_chunks(sheets))
    else:
        buffer = BytesIO()
        write_xlsx(sheets, buffer)
        content = buffer.getvalue()
    response = HttpResponse(content, content_type=CONTENT_TYPES[export_format])
    attach(response, filename)
    return response


def stream(export_format: str, sheets: Sequence[Sheet], filename: str) -> StreamingHttpResponse:
    """A response that downloads the sheets as ``filename`` without holding them in memory.

    The CSV is written while it is sent, so its rows are read only then. An XLSX file is
    a zip, complete only at its end: it is written to a temporary file, then sent.
    """
    if export_format == "csv":
        response = StreamingHttpResponse(csv_chunks(sheets), content_type=CONTENT_TYPES["csv"])
    else:
        file = TemporaryFile()  # noqa: SIM115 (the response closes it once sent)
        try:
            write_xlsx(sheets, file)
        except BaseException:
            file.close()
            raise
        file.seek(0)
        response = FileResponse(file, content_type=CONTENT_TYPES["xlsx"])
    attach(response, filename)
    return response
