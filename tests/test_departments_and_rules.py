"""Departments (责任部门) and warning rules (预警规则): listed for every role, each list linked
from the list it serves, exported, and imported back from the sheet the list exports."""

import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from projects import admin_import
from projects.models import Department, InvestmentProject, Problem, WarningRule
from projects.models.warnings import NO_DAYS, RED_NOT_AFTER_YELLOW, STAGE_NOT_FOR_KIND
from projects.resources import WarningRuleResource
from projects.roles import EDITOR, MANAGER, VIEWER
from tests.test_admin_import import refused_rows

pytestmark = pytest.mark.django_db


def listed(client: Client, url: str, **params) -> list:
    response = client.get(url, params)
    assert response.status_code == 200
    return [row.record for row in response.context["table"].paginated_rows]


@pytest.fixture(autouse=True)
def previews(tmp_path, monkeypatch):
    """Previewed sheets go to a folder of the test's own."""
    monkeypatch.setattr(admin_import, "PREVIEW_FOLDER", tmp_path / "previews")


SHEETS = {
    "warningrule": ("/warning-rules/", WarningRule),
    "department": ("/departments/", Department),
}
FORMATS = {"csv": "0", "xlsx": "1"}


def exported(client: Client, kind: str, file_format: str, language: str) -> bytes:
    """The list's export, as its page's buttons download it."""
    url, _model = SHEETS[kind]
    response = client.get(url, {"_export": file_format}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def upload(client: Client, kind: str, content: bytes, file_format: str, language: str = "zh-hans"):
    """The admin's preview of a sheet; nothing is imported yet."""
    sheet = SimpleUploadedFile(f"{kind}.{file_format}", content)
    return client.post(
        f"/admin/projects/{kind}/import/",
        {"import_file": sheet, "format": FORMATS[file_format], "resource": "0"},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def imported(client: Client, kind: str, content: bytes, file_format: str) -> dict[str, int]:
    """Preview and confirm a sheet in the admin; each row's outcome, counted as the
    preview counted them."""
    preview = upload(client, kind, content, file_format)
    assert preview.status_code == 200
    assert preview.context["confirm_form"], refused_rows(preview.text)
    totals = dict(preview.context["result"].totals)
    confirm = {**preview.context["confirm_form"].initial, "resource": "0"}
    assert client.post(f"/admin/projects/{kind}/process_import/", confirm).status_code == 302
    return totals


def state(model) -> list[tuple]:
    """Every record of the model, all its fields, and how many changes its history holds."""
    rows = sorted(model.objects.values_list(*(field.attname for field in model._meta.fields)))
    return [*rows, ("history", model.history.count())]


def beside(column: str, reason: object) -> str:
    """A refused row's reason as the preview writes it, under the sheet's header, in the
    active language."""
    return gettext("%(column)s：%(reason)s") % {"column": column, "reason": reason}


def unknown(value: str, labels: str) -> str:
    return gettext("“%(value)s”不是可选值（可选：%(labels)s）。") % {
        "value": value,
        "labels": labels,
    }


def xlsx(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def xlsx_bytes(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class TestTheLists:
    def test_the_rules_are_listed_by_kind_and_stage_in_pipeline_order(self, roles):
        rules = [(rule.kind, rule.stage) for rule in listed(roles[VIEWER], "/warning-rules/")]
        assert rules == [
            ("in_stage", "signed"),
            ("in_stage", "landed"),
            ("in_stage", "land_supplied"),
            ("in_stage", "started"),
            ("in_stage", "completed"),
            ("agreed_date", "started"),
            ("agreed_date", "completed"),
            ("agreed_date", "in_production"),
            ("no_follow_up", ""),
        ]
        kinds = listed(roles[VIEWER], "/warning-rules/", kind="agreed_date")
        assert {rule.kind for rule in kinds} == {"agreed_date"} and len(kinds) == 3

    def test_each_department_opens_exactly_the_open_problems_it_counts(self, roles):
        response = roles[VIEWER].get("/departments/")
        departments = [row.record for row in response.context["table"].paginated_rows]
        assert [department.name for department in departments] == list(
            Department.objects.order_by("name").values_list("name", flat=True)
        )
        links = [
            unescape(link) for link in re.findall(r'href="(/problems/\?[^"]+)"', response.text)
        ]
        assert len(links) == len(departments)
        for department, link in zip(departments, links, strict=True):
            opened = listed(roles[VIEWER], "/problems/", **parse_qs(urlsplit(link).query))
            assert {problem.department_id for problem in opened} <= {department.pk}
            assert {problem.status for problem in opened} <= set(Problem.OPEN_STATUSES)
            assert len(opened) == department.open_problem_count
            assert len(opened) == department.problems.open().count()
        assert sum(department.open_problem_count for department in departments) > 0

    def test_the_lists_they_serve_link_to_them(self, roles):
        assert 'href="/warning-rules/"' in roles[VIEWER].get("/projects/").text
        assert 'href="/departments/"' in roles[VIEWER].get("/problems/").text

    @pytest.mark.parametrize(
        ("url", "add", "may_add"),
        [
            ("/warning-rules/", "/admin/projects/warningrule/add/", {MANAGER}),
            ("/departments/", "/admin/projects/department/add/", {EDITOR, MANAGER}),
        ],
    )
    def test_only_those_who_may_add_one_are_offered_the_admin_form(self, roles, url, add, may_add):
        for role, client in roles.items():
            assert (f'href="{add}"' in client.get(url).text) == (role in may_add), role

    def test_an_export_writes_the_rules_as_the_list_shows_them(self, roles):
        response = roles[VIEWER].get("/warning-rules/", {"_export": "csv"})
        lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        assert lines[0] == "规则类型,阶段,黄色（天）,红色（天）"
        assert "阶段停留,签约,90,180" in lines and "未跟踪,,30," in lines
        assert len(lines) == 1 + WarningRule.objects.count()


class TestSheets:
    @pytest.mark.parametrize("kind", SHEETS)
    @pytest.mark.parametrize("file_format", FORMATS)
    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    def test_an_export_imports_back_changing_nothing(self, roles, kind, file_format, language):
        _url, model = SHEETS[kind]
        before = state(model)
        content = exported(roles[MANAGER], kind, file_format, language)
        totals = imported(roles[MANAGER], kind, content, file_format)
        assert totals["skip"] == model.objects.count() > 0
        assert totals["new"] == totals["update"] == totals["invalid"] == totals["error"] == 0
        assert state(model) == before

    def test_an_edited_rules_xlsx_updates_the_rule_it_edits_and_adds_none(self, roles):
        workbook = xlsx(exported(roles[MANAGER], "warningrule", "xlsx", "zh-hans"))
        sheet = workbook.active
        headers = [cell.value for cell in sheet[1]]
        assert headers == ["规则类型", "阶段", "黄色（天）", "红色（天）"]
        (row,) = [row for row in sheet.iter_rows(min_row=2) if row[1].value == "签约"]
        assert [cell.value for cell in row] == ["阶段停留", "签约", 90, 180]
        row[headers.index("红色（天）")].value = 200
        edited = xlsx_bytes(workbook)

        totals = imported(roles[MANAGER], "warningrule", edited, "xlsx")
        assert (totals["new"], totals["update"], totals["skip"]) == (0, 1, 8)
        rule = WarningRule.objects.get(kind="in_stage", stage="signed")
        assert (rule.yellow_days, rule.red_days) == (90, 200)
        assert rule.history.latest().history_type == "~"
        assert WarningRule.objects.count() == 9
        # The same sheet again finds the rule as the sheet has it.
        assert imported(roles[MANAGER], "warningrule", edited, "xlsx")["skip"] == 9

    def test_a_department_added_to_the_sheet_is_added_once(self, roles):
        workbook = xlsx(exported(roles[EDITOR], "department", "xlsx", "zh-hans"))
        workbook.active.append(["县应急管理局", None])
        edited = xlsx_bytes(workbook)
        count = Department.objects.count()
        assert imported(roles[EDITOR], "department", edited, "xlsx")["new"] == 1
        assert imported(roles[EDITOR], "department", edited, "xlsx")["new"] == 0
        assert Department.objects.count() == count + 1
        assert Department.objects.get(name="县应急管理局").history.count() == 1

    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    def test_each_bad_rule_is_told_beside_its_column_and_nothing_is_imported(self, roles, language):
        header = exported(roles[MANAGER], "warningrule", "csv", language)
        header = header.decode("utf-8-sig").splitlines()[0]
        kind, stage, yellow, red = header.split(",")
        with translation.override(language):
            in_stage = str(WarningRule.Kind.IN_STAGE.label)
            agreed = str(WarningRule.Kind.AGREED_DATE.label)
            signed = str(InvestmentProject.Stage.SIGNED.label)
            landed = str(InvestmentProject.Stage.LANDED.label)
            supplied = str(InvestmentProject.Stage.LAND_SUPPLIED.label)
            started = str(InvestmentProject.Stage.STARTED.label)
            produced = str(InvestmentProject.Stage.IN_PRODUCTION.label)
            kinds = gettext("、").join(str(label) for label in WarningRule.Kind.labels)
            stages = gettext("、").join(str(label) for label in InvestmentProject.Stage.labels)
            expected = {
                "3": beside(red, RED_NOT_AFTER_YELLOW),
                "4": beside(stage, STAGE_NOT_FOR_KIND),
                "5": beside(kind, unknown("阶段逗留", kinds)),
                "6": beside(stage, unknown("立项", stages)),
                "7": beside(yellow, NO_DAYS),
                "8": beside(yellow, gettext("“%(value)s”不是整数。") % {"value": "九十"}),
                "9": gettext("本行：%(reason)s")
                % {"reason": gettext("与第%(first)s行重复。") % {"first": 2}},
            }
        rows = [
            f"{in_stage},{signed},100,200",  # right, and would change the rule, but waits
            f"{in_stage},{landed},90,90",  # red not after yellow
            f"{in_stage},{produced},10,20",  # a stage this kind does not watch
            f"阶段逗留,{signed},10,20",  # no such kind
            f"{agreed},立项,10,20",  # no such stage
            f"{in_stage},{supplied},,",  # no days at all
            f"{in_stage},{started},九十,540",  # days in words
            "阶段停留,签约,1,2",  # row 2 again, in Chinese whatever the page's language
        ]
        before = state(WarningRule)
        content = "\n".join([header, *rows]).encode()
        response = upload(roles[MANAGER], "warningrule", content, "csv", language)
        assert response.status_code == 200
        assert not response.context.get("confirm_form")
        assert dict(refused_rows(response.text)) == expected
        assert "warningrule_" not in response.text
        assert state(WarningRule) == before

    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    def test_a_repeated_department_is_told_and_nothing_is_imported(self, roles, language):
        header = exported(roles[EDITOR], "department", "csv", language)
        header = header.decode("utf-8-sig").splitlines()[0]
        content = "\n".join([header, "县应急管理局,", "县应急管理局,"]).encode()
        response = upload(roles[EDITOR], "department", content, "csv", language)
        assert response.status_code == 200 and not response.context.get("confirm_form")
        with translation.override(language):
            repeated = gettext("与第%(first)s行重复。") % {"first": 2}
            assert dict(refused_rows(response.text)) == {
                "3": gettext("本行：%(reason)s") % {"reason": repeated}
            }
        assert not Department.objects.filter(name="县应急管理局").exists()

    def test_a_sheet_with_a_bad_row_imports_none_of_its_rows(self, roles):
        dataset = tablib.Dataset(
            ["阶段停留", "签约", 100, 200],
            ["阶段停留", "落地", 90, 90],
            headers=["规则类型", "阶段", "黄色（天）", "红色（天）"],
        )
        before = state(WarningRule)
        result = WarningRuleResource(show_changes=False).import_data(
            dataset, dry_run=False, rollback_on_validation_errors=True
        )
        assert result.has_validation_errors()
        assert state(WarningRule) == before


class TestWhoMayImport:
    def test_an_editor_may_not_import_warning_rules(self, roles):
        content = exported(roles[EDITOR], "warningrule", "csv", "zh-hans")
        assert roles[EDITOR].get("/admin/projects/warningrule/import/").status_code == 403
        assert upload(roles[EDITOR], "warningrule", content, "csv").status_code == 403
        process = roles[EDITOR].post("/admin/projects/warningrule/process_import/", {})
        assert process.status_code == 403
        changelist = roles[EDITOR].get("/admin/projects/warningrule/")
        assert changelist.status_code == 200
        assert "/admin/projects/warningrule/import/" not in changelist.text
        assert (
            "/admin/projects/warningrule/import/"
            in roles[MANAGER].get("/admin/projects/warningrule/").text
        )

    def test_an_editor_imports_departments_as_they_add_them_and_a_viewer_does_not(self, roles):
        content = exported(roles[VIEWER], "department", "csv", "zh-hans")
        assert (
            "/admin/projects/department/import/"
            in roles[EDITOR].get("/admin/projects/department/").text
        )
        assert imported(roles[EDITOR], "department", content, "csv")["skip"] > 0
        assert upload(roles[VIEWER], "department", content, "csv").status_code == 403
