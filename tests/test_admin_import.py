"""The admin's import: preview, confirmation all or nothing, signed previews, caps."""

import io
import os
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from projects import admin_import
from projects.models import Company, InvestmentProject, Park

pytestmark = pytest.mark.django_db

SHEETS = Path(__file__).resolve().parent.parent / "fixtures" / "sheets"
IMPORT = "/admin/projects/investmentproject/import/"
CONFIRM = "/admin/projects/investmentproject/process_import/"
GOOD_NAMES = {
    "智能电动滑板车整车制造项目（导入示例）",
    "氢燃料电池检测设备项目（导入示例）",
    "高端数控机床扩产项目（导入示例）",
}


@pytest.fixture(autouse=True)
def preview_folder(tmp_path, monkeypatch) -> Path:
    """Previews go to a folder of the test's own."""
    folder = tmp_path / "previews"
    monkeypatch.setattr(admin_import, "PREVIEW_FOLDER", folder)
    return folder


def upload(client, content: bytes, name: str = "sheet.csv", format_index: str = "0"):
    sheet = SimpleUploadedFile(name, content)
    return client.post(IMPORT, {"import_file": sheet, "format": format_index, "resource": "0"})


def preview(client, sheet: str = "projects-good.csv"):
    """Upload a sample sheet; the preview's response, which must offer a confirmation."""
    response = upload(client, (SHEETS / sheet).read_bytes(), sheet, "1" if "xlsx" in sheet else "0")
    assert response.status_code == 200
    assert response.context["confirm_form"], response.context["form"].errors
    return response


def confirmation(response) -> dict:
    """What the browser posts when the preview's confirm button is pressed."""
    return {**response.context["confirm_form"].initial, "resource": "0"}


def imported() -> int:
    return InvestmentProject.objects.filter(name__in=GOOD_NAMES).count()


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("sheet", ["projects-good.csv", "projects-good.xlsx"])
def test_it_previews_then_imports_on_confirmation(demo, staff_client, admin_user, sheet):
    response = preview(staff_client, sheet)
    assert "智能电动滑板车整车制造项目（导入示例）" in response.text
    assert imported() == 0
    done = staff_client.post(CONFIRM, confirmation(response))
    assert done.status_code == 302
    assert imported() == 3
    for project in InvestmentProject.objects.filter(name__in=GOOD_NAMES):
        (record,) = project.history.all()  # one history record per imported row
        assert record.history_type == "+"
        assert record.history_user == admin_user


def test_it_shows_row_errors_and_offers_no_confirmation(demo, staff_client):
    response = upload(staff_client, (SHEETS / "projects-errors.csv").read_bytes())
    assert response.status_code == 200
    assert "不存在的产业园" in response.text
    assert not response.context.get("confirm_form")


def refused_rows(page: str) -> list[tuple[str, str]]:
    """(row number, problems) of each row in the preview's table of refused rows."""
    from html.parser import HTMLParser

    class Rows(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[list[str]] = []
            self.inside = False

        def handle_starttag(self, tag, attrs):
            if tag == "table" and "refused-rows" in (dict(attrs).get("class") or ""):
                self.inside = True
            elif self.inside and tag == "tr":
                self.rows.append([])
            elif self.inside and tag in ("td", "th") and self.rows:
                self.rows[-1].append("")

        def handle_endtag(self, tag):
            if tag == "table":
                self.inside = False

        def handle_data(self, data):
            if self.inside and self.rows and self.rows[-1]:
                self.rows[-1][-1] += data.strip()

    parser = Rows()
    parser.feed(page)
    return [(row[0], row[1]) for row in parser.rows[1:]]


def test_the_preview_tells_refused_rows_as_the_sheet_and_the_command_do(demo, staff_client):
    sheet = (SHEETS / "projects-errors.csv").read_bytes()
    page = upload(staff_client, sheet).text
    rows = refused_rows(page)
    # Numbered as the spreadsheet (and `import_ledger`) number them: the header is row 1.
    assert [number for number, _problems in rows] == ["2", "3", "4", "5", "6"]
    problems = dict(rows)
    assert "园区：园区“不存在的产业园”不存在。" in problems["2"]  # the sheet's header, in full
    assert problems["3"].startswith("总投资（亿元）：")
    assert "本行：与第2行重复。" in problems["6"]
    for internal in ("PARK", "TOTAL_INVESTMENT_WAN", "total_investment_wan", "没有指定的字段"):
        assert internal not in page
    assert "验数据证" not in page
    assert '<th scope="col">总投资（亿元）</th>' in page  # the sheet's own headers

    staff_client.cookies.load({"django_language": "en"})
    english = refused_rows(upload(staff_client, sheet, "errors.csv").text)
    assert [number for number, _problems in english] == ["2", "3", "4", "5", "6"]
    assert "园区: " in english[0][1] and "does not exist" in english[0][1]
    assert "This row: " in english[4][1]


def test_it_imports_nothing_when_a_row_fails_at_the_confirmation(demo, staff_client):
    response = preview(staff_client)
    # Between the preview and the confirmation, a park the sheet names is renamed.
    Park.objects.filter(name="壶镇特色智造产业园").update(name="壶镇特色智造产业园（新）")
    companies = Company.objects.count()
    done = staff_client.post(CONFIRM, confirmation(response))
    assert done.status_code == 200
    assert "没有导入任何数据" in " ".join(shown_messages(done))
    assert "园区“壶镇特色智造产业园”不存在" in done.text  # the row's error, as the preview shows
    assert imported() == 0
    assert Company.objects.count() == companies  # nor the new companies of the other rows
    assert not done.context.get("confirm_form")


def test_it_refuses_a_second_confirmation_clearly(demo, staff_client):
    data = confirmation(preview(staff_client))
    assert staff_client.post(CONFIRM, data).status_code == 302
    again = staff_client.post(CONFIRM, data, follow=True)
    assert again.status_code == 200
    assert "这份表格已经导入，或预览已过期" in " ".join(shown_messages(again))
    assert imported() == 3


def test_it_refuses_a_file_it_did_not_preview(demo, staff_client, preview_folder):
    data = confirmation(preview(staff_client))
    # A sheet left where the previews are kept, or in the temporary folder, named directly.
    for folder in (preview_folder, Path(admin_import.tempfile.gettempdir())):
        planted = folder / "planted-sheet.csv"
        planted.write_bytes((SHEETS / "projects-good.csv").read_bytes())
        try:
            refused = staff_client.post(
                CONFIRM, {**data, "import_file_name": planted.name}, follow=True
            )
        finally:
            planted.unlink()
        assert refused.status_code == 200
        assert "这不是你预览的表格" in " ".join(shown_messages(refused))
    assert imported() == 0


def test_it_refuses_another_users_preview(demo, staff_client):
    data = confirmation(preview(staff_client))
    other = Client()
    other.force_login(
        get_user_model().objects.create_superuser("other", "other@example.invalid", None)
    )
    refused = other.post(CONFIRM, data, follow=True)
    assert "这不是你预览的表格" in " ".join(shown_messages(refused))
    assert imported() == 0
    # The preview is still its uploader's to confirm.
    assert staff_client.post(CONFIRM, data).status_code == 302
    assert imported() == 3


def test_it_refuses_an_expired_preview(demo, staff_client, monkeypatch):
    data = confirmation(preview(staff_client))
    monkeypatch.setattr(admin_import, "PREVIEW_MAX_AGE", timedelta(seconds=-1))
    refused = staff_client.post(CONFIRM, data, follow=True)
    assert "预览已过期" in " ".join(shown_messages(refused))
    assert imported() == 0


def test_it_removes_previews_left_unconfirmed(demo, staff_client, preview_folder):
    preview_folder.mkdir()
    stale, fresh = preview_folder / "stale", preview_folder / "fresh"
    for left in (stale, fresh):
        left.write_bytes(b"left by a preview nobody confirmed")
    age = admin_import.PREVIEW_MAX_AGE.total_seconds()
    os.utime(stale, (time.time() - age - 60,) * 2)
    data = confirmation(preview(staff_client))
    kept = sorted(path.name for path in preview_folder.iterdir())
    assert len(kept) == 2 and "fresh" in kept and "stale" not in kept
    staff_client.post(CONFIRM, data)
    assert [path.name for path in preview_folder.iterdir()] == ["fresh"]  # the confirmed one went


def test_it_refuses_a_file_above_the_upload_cap(demo, staff_client, preview_folder):
    header = (SHEETS / "projects-good.csv").read_bytes().splitlines()[0]
    padding = b"x" * (admin_import.MAX_UPLOAD_BYTES + 1)
    response = upload(staff_client, header + b"\n" + padding + b"\n")
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["import_file"])
    assert "后台最多导入8.0 MB" in errors and "manage.py import_ledger" in errors
    assert not preview_folder.exists()  # refused before it was stored


def test_it_refuses_a_sheet_with_too_many_rows(demo, staff_client):
    rows = "\n".join(f"项目{number}" for number in range(admin_import.MAX_ROWS + 1))
    response = upload(staff_client, f"项目名称\n{rows}\n".encode())
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["import_file"])
    assert "表格有10,001行，后台最多导入10,000行" in errors
    assert "manage.py import_ledger" in errors
    assert not response.context.get("result")


def test_it_refuses_an_xlsx_that_unpacks_too_large(demo, staff_client, preview_folder):
    # A real workbook whose sheet is padded with blanks: small packed, huge unpacked.
    workbook = openpyxl.Workbook()
    workbook.active.append(["项目名称"])
    packed = io.BytesIO()
    workbook.save(packed)
    bomb = io.BytesIO()
    with zipfile.ZipFile(packed) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                blanks = b" " * (admin_import.MAX_XLSX_UNPACKED_BYTES + 1)
                content = content.replace(b"<sheetData>", b"<sheetData>" + blanks)
            out.writestr(member, content)
    assert len(bomb.getvalue()) < 100_000
    response = upload(staff_client, bomb.getvalue(), "bomb.xlsx", "1")
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["import_file"])
    assert "解压后有16.0 MB，后台最多读取16.0 MB" in errors
    assert "manage.py import_ledger" in errors
    assert not preview_folder.exists()


def test_an_xlsx_row_ending_in_empty_cells_is_read_as_wide_as_its_header():
    """A workbook written row by row, as the exports are, records no size: a row ends at
    its last filled cell. It is read as wide as the header row; cells under no header are
    passed over."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["企业名称", "所在地区", "规上企业"])
    sheet.append(["甲公司", "浙江丽水"])
    sheet.append(["乙公司", None, "是", "（表头之外的备注）"])
    content = io.BytesIO()
    workbook.save(content)
    dataset = admin_import.XLSX().create_dataset(content.getvalue())
    assert dataset.headers == ["企业名称", "所在地区", "规上企业"]
    assert [list(row) for row in dataset] == [["甲公司", "浙江丽水", None], ["乙公司", None, "是"]]
