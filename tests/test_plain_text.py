"""Control characters in text: refused on entry, written faithfully or safely on export."""

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import models
from django.urls import reverse

from projects.models import LEDGER_MODELS, Company, InvestmentProject, Park
from projects.validators import validate_plain_text

pytestmark = pytest.mark.django_db

SHEETS = Path(__file__).resolve().parent.parent / "fixtures" / "sheets"
# Word's manual line break, as it arrives when its text is pasted.
WORD_CAPACITY = "年产10万台\x0b（二期）"
REFUSED = "第7个字符是看不见的控制字符（U+0001）"


def test_every_free_text_field_of_the_ledger_refuses_control_characters():
    for model in LEDGER_MODELS:
        for field in model._meta.get_fields():
            # A field nobody edits (a sort key) holds only what its source field holds.
            text = isinstance(field, models.CharField | models.TextField) and field.editable
            if text and not field.choices:
                assert validate_plain_text in field.validators, f"{model.__name__}.{field.name}"


class TestExport:
    @pytest.fixture
    def project(self, demo):
        """A project saved with Word's line break before the rule, or by a raw write."""
        project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
        InvestmentProject.objects.filter(pk=project.pk).update(capacity=WORD_CAPACITY)
        return project

    def test_it_writes_a_valid_xlsx_with_the_line_break(self, project, staff_client):
        response = staff_client.get("/projects/", {"q": "涵禧", "_export": "xlsx"})
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
        header, row = list(sheet.iter_rows(values_only=True))
        assert row[header.index("建设内容与产能")] == "年产10万台\n（二期）"

    def test_it_keeps_the_character_in_the_csv(self, project, staff_client):
        response = staff_client.get("/projects/", {"q": "涵禧", "_export": "csv"})
        (row,) = csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig")))
        assert row["建设内容与产能"] == WORD_CAPACITY

    def test_the_dashboard_writes_a_valid_xlsx(self, demo, staff_client):
        Park.objects.filter(name="丽缙高新区").update(name="丽缙\x0b高新区\x01")
        response = staff_client.get(
            "/", {"start": "2025-01-01", "end": "2025-04-30", "_export": "xlsx"}
        )
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        parks = [row[0] for row in workbook["按园区（含下级园区）"].iter_rows(values_only=True)]
        assert "丽缙\n高新区\ufffd" in parks


def test_the_admin_form_refuses_it_next_to_the_field(demo, staff_client):
    response = staff_client.post(
        reverse("admin:projects_company_add"),
        {"name": "浙江示例科技\x01有限公司", "credit_code": "", "home_region": ""},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["name"] == [f"{REFUSED}，常见于从Word等软件粘贴的文字，请删除该字符或重新输入。"]
    assert not Company.objects.filter(name__startswith="浙江示例").exists()


def test_the_message_is_in_english_too(demo, staff_client):
    response = staff_client.post(
        reverse("admin:projects_company_add"),
        {"name": "Demo\x0b Co.", "credit_code": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Character 5 is an invisible control character (U+000B)" in str(
        response.context["adminform"].form.errors["name"]
    )


class TestImport:
    def sheet(self, tmp_path, capacity: str) -> Path:
        """The good sample sheet with the first row's capacity replaced."""
        rows = list(csv.reader(io.StringIO((SHEETS / "projects-good.csv").read_text("utf-8-sig"))))
        rows[1][rows[0].index("建设内容与产能")] = capacity
        path = tmp_path / "projects.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as file:
            csv.writer(file).writerows(rows)
        return path

    def test_it_turns_word_breaks_into_line_breaks(self, demo, tmp_path):
        call_command("import_ledger", str(self.sheet(tmp_path, WORD_CAPACITY)), verbosity=0)
        project = InvestmentProject.objects.get(name="智能电动滑板车整车制造项目（导入示例）")
        assert project.capacity == "年产10万台\n（二期）"

    def test_it_refuses_a_row_with_another_control_character(self, demo, tmp_path):
        out = io.StringIO()
        with pytest.raises(CommandError):
            call_command(
                "import_ledger", str(self.sheet(tmp_path, "年产10万台\x01")), stdout=out, stderr=out
            )
        assert f"row 2, 建设内容与产能: {REFUSED}" in out.getvalue()
        assert not InvestmentProject.objects.filter(name__endswith="（导入示例）").exists()
