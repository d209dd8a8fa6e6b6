"""One sheet format: what an export writes, in either language, the import reads back."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from projects.models import InvestmentProject

pytestmark = pytest.mark.django_db

HANXI = "涵禧科技汽车零部件及新材料项目"


def export(client, kind: str, language: str, **params) -> bytes:
    response = client.get(
        "/projects/", {"q": "涵禧", "_export": kind, **params}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return response.getvalue()


def import_sheet(path) -> str:
    out = io.StringIO()
    call_command("import_ledger", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def edited_csv(content: bytes, header: str, value: str) -> str:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    column = rows[0].index(header)
    rows[1][column] = value
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_edited_csv_export_updates_the_row_it_edits(demo, staff_client, tmp_path, language):
    header = {"en": "Scope and capacity", "zh-hans": "建设内容与产能"}[language]
    sheet = tmp_path / "projects.csv"
    sheet.write_text(edited_csv(export(staff_client, "csv", language), header, "年产30万套"))

    said = import_sheet(sheet)

    assert "0 new, 1 updated" in said, said
    assert InvestmentProject.objects.get(name=HANXI).capacity == "年产30万套"


def test_an_edited_english_xlsx_export_updates_the_row_it_edits(demo, staff_client, tmp_path):
    workbook = openpyxl.load_workbook(io.BytesIO(export(staff_client, "xlsx", "en")))
    sheet = workbook.active
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=headers.index("Total investment (CNY 100M)") + 1, value=16.5)
    path = tmp_path / "projects.xlsx"
    workbook.save(path)

    said = import_sheet(path)

    assert "0 new, 1 updated" in said, said
    assert InvestmentProject.objects.get(name=HANXI).total_investment_wan == 165000


def test_an_export_imported_back_unedited_changes_nothing(demo, staff_client, tmp_path):
    sheet = tmp_path / "projects.csv"
    sheet.write_bytes(export(staff_client, "csv", "en"))
    assert "0 new, 0 updated, 1 unchanged" in import_sheet(sheet)


def test_headers_no_export_writes_are_refused_by_name(demo, staff_client, tmp_path):
    sheet = tmp_path / "projects.csv"
    sheet.write_text(
        "项目名称,Colour,总投资（亿元）,备注二\n涵禧科技汽车零部件及新材料项目,red,99,x\n"
    )
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_ledger", str(sheet), stdout=io.StringIO(), stderr=(err := io.StringIO())
        )
    assert "“Colour”" in err.getvalue() and "“备注二”" in err.getvalue()
    assert InvestmentProject.objects.get(name=HANXI).total_investment_wan == 150000


def test_the_admin_preview_names_the_unknown_headers(demo, staff_client):
    sheet = SimpleUploadedFile("projects.csv", "项目名称,Colour\n新项目,red\n".encode())
    response = staff_client.post(
        "/admin/projects/investmentproject/import/",
        {"import_file": sheet, "format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    assert "“Colour”不是导出表格的表头" in response.text
    assert "Traceback" not in response.text
    assert not response.context.get("confirm_form")
    assert not InvestmentProject.objects.filter(name="新项目").exists()


def test_text_kept_from_running_as_a_formula_imports_back_as_written(demo, staff_client, tmp_path):
    InvestmentProject.objects.filter(name=HANXI).update(name="+5G智能工厂项目")
    content = export(staff_client, "csv", "zh-hans", q="5G智能工厂")
    assert "'+5G智能工厂项目" in content.decode("utf-8-sig")
    sheet = tmp_path / "projects.csv"
    sheet.write_bytes(content)

    said = import_sheet(sheet)

    assert "0 new, 0 updated, 1 unchanged" in said, said
    assert not InvestmentProject.objects.filter(name="'+5G智能工厂项目").exists()
