"""Spreadsheet imports: good sheets, every kind of bad row, re-imports and round trips."""

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import openpyxl
import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import DecimalField, Model
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from import_export.admin import ImportMixin

from projects import admin_import
from projects.models import (
    Company,
    Department,
    FundEntry,
    InvestmentProject,
    LandParcel,
    Park,
    WarningRule,
)
from projects.resources import SHEET_RESOURCES
from projects.sheet_widgets import DecimalNumberWidget
from tests.test_admin_import import refused_rows
from tests.test_departments_and_rules import state

pytestmark = pytest.mark.django_db

SHEETS = Path(__file__).resolve().parent.parent / "fixtures" / "sheets"


def import_sheet(path, *args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_ledger", str(path), *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def counts() -> tuple[int, int]:
    return InvestmentProject.objects.count(), Company.objects.count()


@pytest.mark.parametrize("sheet", ["projects-good.csv", "projects-good.xlsx"])
def test_a_good_sheet_creates_exactly_its_rows(demo, sheet):
    projects, companies = counts()
    output = import_sheet(SHEETS / sheet)
    assert "3 new, 0 updated" in output
    assert "projects: 3/3 rows" in output  # the progress line
    assert InvestmentProject.objects.count() == projects + 3
    assert Company.objects.count() == companies + 2  # two new firms, one known
    scooter = InvestmentProject.objects.get(name="智能电动滑板车整车制造项目（导入示例）")
    assert scooter.total_investment_wan == Decimal("35000")
    assert scooter.landed_date.isoformat() == "2026-04-15"  # written 2026年4月15日
    assert scooter.stage == InvestmentProject.Stage.LANDED
    assert scooter.leased_manufacturing
    assert scooter.park.name == "智能短途交通产业园"
    assert InvestmentProject.objects.get(
        name="氢燃料电池检测设备项目（导入示例）"
    ).company.name == ("浙江臻泰能源科技有限公司")


def test_dry_run_changes_nothing(demo):
    before = counts()
    output = import_sheet(SHEETS / "projects-good.csv", "--dry-run")
    assert "3 new" in output and "would be imported" in output
    assert counts() == before


def test_importing_the_same_sheet_again_changes_nothing(demo):
    import_sheet(SHEETS / "projects-good.csv")
    before = counts()
    output = import_sheet(SHEETS / "projects-good.csv")
    assert "0 new, 0 updated, 3 unchanged" in output
    assert counts() == before


def test_a_sheet_with_bad_rows_imports_nothing_and_names_each_problem(demo):
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_ledger", str(SHEETS / "projects-errors.csv"), stderr=err)
    report = err.getvalue()
    assert "row 2, 园区: 园区“不存在的产业园”不存在" in report
    assert "row 3, 总投资（亿元）: 不能为负数" in report
    assert "row 4, 签约日期: 无法识别的日期“2026-13-02”" in report
    assert "row 5, 阶段: “已完成”不是可选值" in report
    assert "row 6: 与第2行重复" in report
    assert counts() == before
    assert not Company.objects.filter(name="浙江示例车业科技有限公司（导入示例）").exists()


def test_the_progress_counts_refused_rows_and_ends_before_their_reasons(demo):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_ledger", str(SHEETS / "projects-errors.csv"), stderr=err)
    lines = err.getvalue().split("\n")
    assert lines[0] == "\rprojects: 5/5 rows"
    reasons = lines[1:-1]
    assert reasons[0].startswith("row 2, ") and all(line.startswith("row ") for line in reasons)
    assert lines[-1] == ""


def test_a_bad_credit_code_is_reported_and_nothing_imported(demo):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_ledger", str(SHEETS / "companies-errors.csv"), "--kind", "companies", stderr=err
        )
    assert "row 3, 统一社会信用代码: 统一社会信用代码校验位不符" in err.getvalue()
    assert not Company.objects.filter(name="浙江示例新材料有限公司（导入示例）").exists()


def download(client, path: str, sheet: Path, language: str = "zh-hans") -> Path:
    """A list's export, in the format the file's name says, saved as a browser saves a
    download, piece by piece."""
    response = client.get(path, {"_export": sheet.suffix[1:]}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    with sheet.open("wb") as handle:
        for chunk in response.streaming_content:
            handle.write(chunk)
    return sheet


@pytest.mark.parametrize("export_format", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", SHEET_RESOURCES)
def test_an_export_imports_back_unchanged(demo, staff_client, tmp_path, kind, export_format):
    """Every kind the admin imports, the command imports too, from its list's export."""
    sheet = download(staff_client, f"/{kind}/", tmp_path / f"{kind}.{export_format}")
    model = SHEET_RESOURCES[kind]._meta.model
    output = import_sheet(sheet, "--kind", kind, "--dry-run")
    assert f" 0 new, 0 updated, {model.objects.count()} unchanged {kind} " in output, output
    assert model.objects.exists()


def test_every_sheet_the_admin_imports_is_a_kind_the_command_takes(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    imported_in_admin = {
        model: model_admin.get_import_resource_classes(request)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ImportMixin)
    }
    assert imported_in_admin == {sheet._meta.model: [sheet] for sheet in SHEET_RESOURCES.values()}


def test_an_unknown_kind_is_refused_naming_the_kinds(demo, tmp_path):
    sheet = tmp_path / "rules.csv"
    sheet.write_text("规则类型,阶段,黄色（天）,红色（天）\n", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        import_sheet(sheet, "--kind", "rules")
    said = str(refused.value)
    assert "argument --kind: invalid choice: 'rules'" in said
    listed = said.split("(choose from ")[1].rstrip(")").split(", ")
    assert [kind.strip("'") for kind in listed] == [
        "companies",
        "departments",
        "followups",
        "funds",
        "parcels",
        "parks",
        "problems",
        "projects",
        "targets",
        "warning-rules",
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_edited_departments_sheet_adds_the_department_it_adds(
    demo, staff_client, tmp_path, language
):
    sheet = download(staff_client, "/departments/", tmp_path / "departments.xlsx", language)
    workbook = openpyxl.load_workbook(sheet)
    workbook.active.append(["县应急管理局", None])
    workbook.save(sheet)
    count = Department.objects.count()
    assert f"1 new, 0 updated, {count} unchanged departments were imported" in import_sheet(
        sheet, "--kind", "departments"
    )
    added = Department.objects.get(name="县应急管理局")
    assert [record.history_type for record in added.history.all()] == ["+"]
    assert f"0 new, 0 updated, {count + 1} unchanged" in import_sheet(
        sheet, "--kind", "departments"
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_edited_warning_rules_sheet_changes_the_rule_it_edits(
    demo, staff_client, tmp_path, language
):
    sheet = download(staff_client, "/warning-rules/", tmp_path / "rules.csv", language)
    rows = list(csv.reader(sheet.open(encoding="utf-8-sig")))
    red = {"zh-hans": "红色（天）", "en": "Red (days)"}[language]
    with translation.override(language):
        signed = str(InvestmentProject.Stage.SIGNED.label)
    (row,) = [row for row in rows if row[1] == signed]
    row[rows[0].index(red)] = "200"
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    count = WarningRule.objects.count()
    said = import_sheet(sheet, "--kind", "warning-rules")
    assert "warning-rules: 9/9 rows" in said  # the progress line
    assert f"0 new, 1 updated, {count - 1} unchanged warning-rules were imported" in said
    rule = WarningRule.objects.get(kind=WarningRule.Kind.IN_STAGE, stage="signed")
    assert (rule.yellow_days, rule.red_days) == (90, 200)
    assert rule.history.latest().history_type == "~"
    assert WarningRule.objects.count() == count


def test_export_edit_import_changes_only_the_edit(demo, staff_client, tmp_path):
    content = staff_client.get("/projects/", {"size": "10yi", "_export": "csv"}).getvalue()
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("项目名称")] == "涵禧科技汽车零部件及新材料项目":
            row[header.index("总投资（亿元）")] = "16.5"
    sheet = tmp_path / "edited.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    output = import_sheet(sheet)
    assert f"0 new, 1 updated, {len(rows) - 2} unchanged" in output
    hanxi = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
    assert hanxi.total_investment_wan == Decimal("165000")
    assert hanxi.history.latest().history_type == "~"


def test_the_sample_xlsx_matches_the_sample_csv():
    rows = list(csv.reader((SHEETS / "projects-good.csv").open(encoding="utf-8-sig")))
    sheet = openpyxl.load_workbook(SHEETS / "projects-good.xlsx").active
    assert [[str(cell or "") for cell in row] for row in sheet.iter_rows(values_only=True)] == rows


def test_it_checks_each_row_without_a_query_of_its_own(demo, tmp_path):
    """References, existing records and unique names are read once a sheet, not once a row."""

    def queries(rows: int, *args) -> int:
        sheet = tmp_path / f"{rows}.csv"
        sheet.write_text(
            "项目名称,企业,产业,园区,总投资（亿元）,阶段,来源区域,签约日期\n"
            + "".join(
                f"查询计数项目{rows}-{number},浙江臻泰能源科技有限公司,氢能装备,丽缙高新区,"
                "1.5,签约,省内,2026-05-20\n"
                for number in range(rows)
            ),
            encoding="utf-8",
        )
        with CaptureQueriesContext(connection) as captured:
            import_sheet(sheet, *args)
        return len(captured)

    # New rows are saved, and their history written, in batches: twenty more rows cost no
    # query of their own, neither the first time nor imported again (unchanged).
    assert queries(40) - queries(20) <= 2
    assert queries(40) - queries(20) <= 2


def test_rows_saved_in_batches_have_their_history(demo):
    import_sheet(SHEETS / "projects-good.csv")
    scooter = InvestmentProject.objects.get(name="智能电动滑板车整车制造项目（导入示例）")
    assert [record.history_type for record in scooter.history.all()] == ["+"]


def test_a_batch_the_database_refuses_is_said_in_words_and_nothing_imported(
    demo, monkeypatch, tmp_path
):
    """A row that passed the checks can still meet a rule only the database applies (a
    record entered meanwhile); the sheet is refused without the database's words."""
    monkeypatch.setattr(InvestmentProject, "clean", lambda self: None)
    sheet = SHEETS / "projects-good.csv"
    rows = list(csv.reader(sheet.open(encoding="utf-8-sig")))
    header = rows[0]
    total = header.index("总投资（亿元）")
    fixed = header.index("固定资产投资（亿元）")
    rows[1][fixed] = str(Decimal(rows[1][total]) + 1)  # more than the total: a check constraint
    edited = tmp_path / "refused.csv"
    with edited.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    before, err = counts(), io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported") as refused:
        call_command("import_ledger", str(edited), stdout=io.StringIO(), stderr=err)
    assert counts() == before
    assert "保存时与台账中的记录冲突" in err.getvalue()
    names = [constraint.name for constraint in InvestmentProject._meta.constraints]
    assert not any(name in err.getvalue() + str(refused.value) for name in names)


def test_a_check_that_saves_nothing_writes_no_history(demo):
    sheet = str(SHEETS / "projects-good.csv")
    with CaptureQueriesContext(connection) as queries:
        call_command("import_ledger", sheet, dry_run=True, stdout=io.StringIO())
    history = [q["sql"] for q in queries if "historicalinvestmentproject" in q["sql"]]
    assert history == []
    assert not InvestmentProject.objects.filter(name__endswith="（导入示例）").exists()


def test_new_companies_are_created_in_batches_with_their_history(demo, tmp_path):
    def sheet(rows: int) -> Path:
        path = tmp_path / f"companies-{rows}.csv"
        path.write_text(
            "项目名称,企业,产业,园区,总投资（亿元）,阶段,来源区域,签约日期\n"
            + "".join(
                f"新企业项目{rows}-{number},新导入企业{rows}-{number}有限公司,氢能装备,"
                "丽缙高新区,1.5,签约,省内,2026-05-20\n"
                for number in range(rows)
            ),
            encoding="utf-8",
        )
        return path

    def queries(rows: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            import_sheet(sheet(rows))
        return len(captured)

    assert queries(40) - queries(20) <= 2
    company = Company.objects.get(name="新导入企业40-7有限公司")
    assert [record.history_type for record in company.history.all()] == ["+"]
    assert company.projects.get().name == "新企业项目40-7"


def test_a_company_name_that_fails_its_check_refuses_each_row_naming_it(demo, tmp_path):
    long_name = "很" * 101 + "有限公司"
    path = tmp_path / "long.csv"
    path.write_text(
        "项目名称,企业,产业,园区,总投资（亿元）,阶段,来源区域,签约日期\n"
        f"甲项目,{long_name},氢能装备,丽缙高新区,1.5,签约,省内,2026-05-20\n"
        f"乙项目,浙江臻泰能源科技有限公司,氢能装备,丽缙高新区,1.5,签约,省内,2026-05-20\n"
        f"丙项目,{long_name},氢能装备,丽缙高新区,1.5,签约,省内,2026-05-20\n",
        encoding="utf-8",
    )
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_ledger", str(path), stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().split("\n")
    assert lines[0] == "\rprojects: 3/3 rows"
    assert [line.split(",")[0] for line in lines[1:-1]] == ["row 2", "row 4"]
    assert "企业" in err.getvalue()
    assert counts() == before


class DecimalColumn(NamedTuple):
    """A column of decimals on a sheet: its model and field, its header in each language,
    text a sheet may hold for it, and what 1,234.5 written there stores."""

    model: type[Model]
    field: str
    headers: dict[str, str]
    text: str
    stored: Decimal


# Areas and prices are stored as written, amounts are written in 亿元 and stored in 万元.
DECIMAL_COLUMNS = {
    "parks": DecimalColumn(
        Park,
        "planned_area_m2",
        {"zh-hans": "规划面积（m²）", "en": "Planned area (m²)"},
        "约3000",
        Decimal("1234.5"),
    ),
    "parcels": DecimalColumn(
        LandParcel,
        "price_wan",
        {"zh-hans": "价格（万元）", "en": "Price (CNY 10k)"},
        "abc",
        Decimal("1234.5"),
    ),
    "projects": DecimalColumn(
        InvestmentProject,
        "total_investment_wan",
        {"zh-hans": "总投资（亿元）", "en": "Total investment (CNY 100M)"},
        "Infinity",
        Decimal("12345000"),
    ),
    "funds": DecimalColumn(
        FundEntry,
        "amount_wan",
        {"zh-hans": "到位金额（亿元）", "en": "Amount received (CNY 100M)"},
        "NaN",  # as a sheet written by a program may leave an empty cell
        Decimal("12345000"),
    ),
}


def not_a_number(text: str, language: str) -> str:
    return {"zh-hans": f"“{text}”不是数字。", "en": f"“{text}” is not a number."}[language]


def exported_with(client, tmp_path, kind: str, language: str, cells: dict[int, str]) -> Path:
    """The list's CSV export, in the language, with cells of its decimal column replaced,
    by the row number the spreadsheet gives them (the header is row 1)."""
    sheet = download(client, f"/{kind}/", tmp_path / f"{kind}.csv", language)
    rows = list(csv.reader(sheet.open(encoding="utf-8-sig")))
    column = rows[0].index(DECIMAL_COLUMNS[kind].headers[language])
    for number, cell in cells.items():
        rows[number - 1][column] = cell
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return sheet


@pytest.fixture
def text_for_a_number(staff_client, tmp_path):
    """A list's export whose decimal column holds text on row 3 and, on row 2, a number
    written with a thousands separator, which alone would be imported."""

    def sheet(kind: str, language: str) -> Path:
        cells = {2: "1,234.5", 3: DECIMAL_COLUMNS[kind].text}
        return exported_with(staff_client, tmp_path, kind, language, cells)

    return sheet


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("kind", DECIMAL_COLUMNS)
def test_the_command_refuses_text_for_a_number_beside_its_column(
    demo, text_for_a_number, kind, language
):
    column = DECIMAL_COLUMNS[kind]
    sheet = text_for_a_number(kind, language)
    before, err = state(column.model), io.StringIO()
    with translation.override(language), pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_ledger", str(sheet), "--kind", kind, stdout=io.StringIO(), stderr=err)
    refused = [line for line in err.getvalue().split("\n") if line.startswith("row ")]
    reason = not_a_number(column.text, language)
    assert refused == [f"row 3, {column.headers[language]}: {reason}"]
    assert state(column.model) == before


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("kind", DECIMAL_COLUMNS)
def test_the_admin_preview_refuses_text_for_a_number_beside_its_column(
    demo, staff_client, text_for_a_number, tmp_path, monkeypatch, kind, language
):
    monkeypatch.setattr(admin_import, "PREVIEW_FOLDER", tmp_path / "previews")
    column = DECIMAL_COLUMNS[kind]
    sheet = text_for_a_number(kind, language)
    before = state(column.model)
    response = staff_client.post(
        f"/admin/projects/{column.model._meta.model_name}/import/",
        {"import_file": SimpleUploadedFile(sheet.name, sheet.read_bytes()), "format": "0"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    assert not response.context.get("confirm_form")
    beside = {"zh-hans": "%s：%s", "en": "%s: %s"}[language]
    reason = not_a_number(column.text, language)
    assert refused_rows(response.text) == [("3", beside % (column.headers[language], reason))]
    assert "decimal." not in response.text
    assert state(column.model) == before


@pytest.mark.parametrize("kind", DECIMAL_COLUMNS)
def test_a_number_with_a_thousands_separator_and_spaces_is_read_as_written(
    demo, staff_client, tmp_path, kind
):
    column = DECIMAL_COLUMNS[kind]
    sheet = exported_with(staff_client, tmp_path, kind, "zh-hans", {2: " 1,234.5 "})
    assert " 0 new, 1 updated, " in import_sheet(sheet, "--kind", kind)
    assert column.model.objects.filter(**{column.field: column.stored}).count() == 1


def test_an_amount_with_more_digits_than_can_be_stored_is_refused_beside_its_column(demo, tmp_path):
    sheet = tmp_path / "projects.csv"
    sheet.write_text(
        "项目名称,企业,产业,园区,总投资（亿元）,阶段,来源区域,签约日期\n"
        "巨额项目,浙江臻泰能源科技有限公司,氢能装备,丽缙高新区,1e30,签约,省内,2026-05-20\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_ledger", str(sheet), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().split("\n")[1] == "row 2, 总投资（亿元）: 确保总共不超过 14 位数字。"
    assert not InvestmentProject.objects.filter(name="巨额项目").exists()


def test_every_decimal_column_is_read_as_a_number(db):
    for kind, sheet in SHEET_RESOURCES.items():
        model = sheet._meta.model
        decimals = {
            field.name for field in model._meta.concrete_fields if isinstance(field, DecimalField)
        }
        for name, field in sheet().fields.items():
            if field.attribute in decimals:
                assert isinstance(field.widget, DecimalNumberWidget), (kind, name)
