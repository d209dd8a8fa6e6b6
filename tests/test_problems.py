"""The problem list (问题清单): raising problems, moving them on, who may close them as
无法解决, the list's filters, and the dashboard's counts of open and overdue problems."""

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
import tablib
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from projects import admin_import
from projects.history import latest_version
from projects.models import Department, InvestmentProject, Problem
from projects.models.problems import (
    CLOSED_BEFORE_RAISED,
    CLOSED_WITHOUT_RESOLUTION,
    DUE_BEFORE_RAISED,
)
from projects.resources import ProblemResource
from projects.roles import EDITOR, MANAGER, VIEWER, sync_roles
from tests.conftest import load_demo_ledger
from tests.test_admin_import import refused_rows

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)
YESTERDAY = TODAY - timedelta(days=1)
PROJECT = "涵禧科技汽车零部件及新材料项目"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Count overdue problems from a known day."""
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


@pytest.fixture
def roles(demo, django_user_model):
    """A logged-in client and its user for each role, by the role's name."""
    sync_roles()
    clients = {}
    for role in (VIEWER, EDITOR, MANAGER):
        user = django_user_model.objects.create_user(f"{role.lower()}-user", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        client = Client()
        client.force_login(user)
        clients[role] = client
    return clients


@pytest.fixture
def project():
    return InvestmentProject.objects.get(name=PROJECT)


@pytest.fixture
def department():
    return Department.objects.order_by("name").first()


def raise_problem(project, department, **fields) -> Problem:
    values = {
        "category": Problem.Category.LAND,
        "description": "用地指标尚未落实。",
        "raised_on": TODAY - timedelta(days=10),
        "due_on": YESTERDAY,
        **fields,
    }
    problem = Problem(project=project, department=department, **values)
    problem.full_clean()
    problem.save()
    return problem


def listed(client, params: dict) -> set[int]:
    response = client.get("/problems/", {**params, "per_page": 100})
    assert response.status_code == 200
    assert not response.context["filter_invalid"], response.context["filter"].errors
    return {row.record.pk for row in response.context["table"].paginated_rows}


def progress(problem, **fields) -> dict:
    """What the problem's form sends to move it on, with these fields changed, from the
    page as it stands now."""
    values = {
        "version": latest_version(problem),
        "status": problem.status,
        "escalation": problem.escalation,
        "resolution": problem.resolution,
        "closed_on": problem.closed_on.isoformat() if problem.closed_on else "",
        **fields,
    }
    return {f"progress-{name}": value for name, value in values.items()}


class TestDashboard:
    def test_it_counts_a_problem_due_yesterday_as_overdue_and_links_to_exactly_it(
        self, roles, project, department
    ):
        Problem.objects.update(status=Problem.Status.RESOLVED, closed_on=TODAY, resolution="已办")
        problem = raise_problem(project, department)
        client = roles[VIEWER]
        response = client.get("/")
        figures = response.context["problems"]
        assert figures["overdue"]["count"] == 1
        assert figures["open"]["count"] == 1
        html = response.content.decode()
        assert f'href="{figures["overdue"]["url"]}" data-figure="problems_overdue">1<' in html
        assert listed(client, {"overdue": "true"}) == {problem.pk}
        assert client.get(figures["overdue"]["url"]).context["table"].paginator.count == 1

    def test_its_counts_are_those_of_the_lists_its_links_open(self, roles):
        client = roles[VIEWER]
        figures = client.get("/").context["problems"]
        for figure in figures.values():
            table = client.get(figure["url"]).context["table"]
            assert table.paginator.count == figure["count"]
        assert figures["open"]["count"] == Problem.objects.open().count() > 0
        assert figures["overdue"]["count"] == Problem.objects.overdue(TODAY).count()

    def test_a_problem_due_today_is_not_overdue(self, roles, project, department):
        problem = raise_problem(project, department, due_on=TODAY)
        assert problem not in Problem.objects.overdue(TODAY)
        assert problem.pk not in listed(roles[VIEWER], {"overdue": "true"})
        assert problem.pk in listed(roles[VIEWER], {"overdue": "false"})


class TestFilters:
    def test_it_filters_by_status_category_and_department(self, roles, project, department):
        problem = raise_problem(project, department, category=Problem.Category.ENERGY)
        client = roles[VIEWER]
        by_status = listed(client, {"status": ["open", "in_progress"]})
        assert by_status == set(Problem.objects.open().values_list("pk", flat=True))
        assert problem.pk in listed(client, {"category": "energy"})
        assert problem.pk not in listed(client, {"category": "land"})
        by_department = listed(client, {"department": department.pk})
        assert by_department == set(department.problems.values_list("pk", flat=True))

    def test_it_filters_by_project_and_names_it_in_the_chip(self, roles, project):
        response = roles[VIEWER].get("/problems/", {"project": project.pk})
        assert {row.record.project_id for row in response.context["table"].paginated_rows} == {
            project.pk
        }
        assert [chip.value for chip in response.context["filter_chips"]] == [PROJECT]

    @pytest.mark.parametrize("value", ["abc", "999999999", "1" * 40])
    def test_a_project_that_does_not_exist_is_an_error_not_every_row(self, roles, value):
        response = roles[VIEWER].get("/problems/", {"project": value})
        assert response.status_code == 200
        assert response.context["filter_invalid"]

    def test_it_filters_by_dates(self, roles, project, department):
        problem = raise_problem(project, department, raised_on=date(2026, 1, 5))
        client = roles[VIEWER]
        raised = {"raised_after": "2026-01-01", "raised_before": "2026-01-31"}
        assert listed(client, raised) == {problem.pk}
        due = listed(client, {"due_after": YESTERDAY.isoformat(), "due_before": TODAY.isoformat()})
        assert due == {problem.pk}
        reversed_range = roles[VIEWER].get(
            "/problems/", {"raised_after": "2026-02-01", "raised_before": "2026-01-01"}
        )
        assert reversed_range.context["filter_invalid"]

    def test_it_filters_by_the_projects_owner_me(
        self, roles, project, department, django_user_model
    ):
        editor = django_user_model.objects.get(username="editor-user")
        project.owner = editor
        project.save()
        problem = raise_problem(project, department)
        mine = listed(roles[EDITOR], {"owner": "me"})
        assert problem.pk in mine
        assert mine == set(
            Problem.objects.filter(project__owner=editor).values_list("pk", flat=True)
        )
        assert problem.pk not in listed(roles[VIEWER], {"owner": "me"})

    def test_it_searches_descriptions(self, roles, project, department):
        problem = raise_problem(project, department, description="变电站选址待定")
        assert listed(roles[VIEWER], {"q": "变电站"}) == {problem.pk}

    def test_the_most_urgent_open_problem_comes_first_and_closed_ones_last(
        self, roles, project, department
    ):
        urgent = raise_problem(
            project, department, due_on=date(2020, 1, 1), raised_on=date(2019, 12, 1)
        )
        rows = roles[VIEWER].get("/problems/", {"per_page": 100}).context["table"].paginated_rows
        records = [row.record for row in rows]
        assert records[0] == urgent
        open_flags = [record.is_open for record in records]
        assert open_flags == sorted(open_flags, reverse=True)

    def test_an_overdue_problem_shows_its_days_overdue_in_red(self, roles, project, department):
        raise_problem(project, department, description="只此一条")
        html = roles[VIEWER].get("/problems/", {"q": "只此一条"}).content.decode()
        assert '<span class="d-block text-danger">逾期1天</span>' in html

    def test_the_list_runs_the_same_queries_at_any_page_size(self, roles):
        client = roles[VIEWER]
        client.get("/problems/")
        counts = set()
        for size in (25, 100):
            with CaptureQueriesContext(connection) as queries:
                client.get("/problems/", {"per_page": size, "owner": "me", "project": 1})
            counts.add(len(queries))
        assert len(counts) == 1


class TestExportAndApi:
    def test_the_export_opens_with_the_hidden_columns(self, roles):
        response = roles[VIEWER].get("/problems/", {"_export": "xlsx"})
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        headers = [cell.value for cell in sheet[1]]
        assert {"招引项目", "办理结果", "示例数据", "记录编号"} <= set(headers)
        assert sheet.max_row == Problem.objects.count() + 1

    def test_the_api_lists_problems_with_the_lists_filters(self, roles):
        response = roles[VIEWER].get("/api/problems/", {"overdue": "true", "per_page": 100})
        assert response.status_code == 200
        ids = {row["id"] for row in response.json()["results"]}
        assert ids == set(Problem.objects.overdue(TODAY).values_list("pk", flat=True))
        assert roles[VIEWER].get("/api/departments/").json()["count"] == Department.objects.count()

    def test_the_api_refuses_a_bad_filter_and_anonymous_users(self, roles, client):
        assert roles[VIEWER].get("/api/problems/", {"status": "lost"}).status_code == 400
        assert client.get("/api/problems/").status_code in (401, 403)


class TestProjectPage:
    def test_an_editor_raises_a_problem_and_sees_it_among_the_open_ones(
        self, roles, project, department
    ):
        client = roles[EDITOR]
        data = {
            "action": "problem",
            "problem-category": "land",
            "problem-description": "厂房用地红线需调整。",
            "problem-department": department.pk,
            "problem-due_on": "2026-12-31",
        }
        response = client.post(project.get_absolute_url(), data)
        assert response.status_code == 302
        problem = Problem.objects.get(description="厂房用地红线需调整。")
        assert (problem.raised_on, problem.project, problem.status) == (TODAY, project, "open")
        assert problem.raised_by.username == "editor-user"
        assert problem.history.count() == 1
        page = client.get(response.url)
        assert problem in [row.record for row in page.context["problems"].paginated_rows]
        assert "问题已登记。" in page.content.decode()

    def test_the_page_lists_only_open_problems(self, roles, project):
        rows = roles[VIEWER].get(project.get_absolute_url()).context["problems"].paginated_rows
        assert rows and all(row.record.is_open for row in rows)

    def test_a_due_date_before_today_is_refused_beside_it_with_what_was_typed(
        self, roles, project, department
    ):
        data = {
            "action": "problem",
            "problem-category": "funding",
            "problem-description": "贴息资金未到位。",
            "problem-department": department.pk,
            "problem-due_on": "2026-01-01",
        }
        response = roles[EDITOR].post(project.get_absolute_url(), data)
        assert response.status_code == 200
        form = response.context["problem_form"]
        assert list(form.errors) == ["due_on"]
        assert "贴息资金未到位。" in response.content.decode()

    def test_a_viewer_sees_no_form_and_cannot_post_one(self, roles, project, department):
        client = roles[VIEWER]
        assert "登记问题" not in client.get(project.get_absolute_url()).content.decode()
        data = {
            "action": "problem",
            "problem-category": "land",
            "problem-description": "x",
            "problem-department": department.pk,
        }
        assert client.post(project.get_absolute_url(), data).status_code == 403
        assert not Problem.objects.filter(description="x").exists()


@pytest.mark.django_db(transaction=True)
def test_a_problem_is_saved_from_its_page_outside_a_tests_transaction(django_user_model):
    """The page's save locks the row it compares versions of, which PostgreSQL allows only
    inside a transaction: the view opens its own."""
    sync_roles()
    editor = django_user_model.objects.create_user("editor-tx", password="x", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITOR))
    client = Client()
    client.force_login(editor)
    load_demo_ledger()
    problem = raise_problem(
        InvestmentProject.objects.get(name=PROJECT), Department.objects.order_by("name").first()
    )
    response = client.post(problem.get_absolute_url(), progress(problem, status="in_progress"))
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == "in_progress"


class TestProblemPage:
    def test_a_save_over_a_change_made_since_is_refused_keeping_what_was_typed(
        self, roles, project, department
    ):
        problem = raise_problem(project, department)
        opened = progress(problem, status="in_progress", resolution="已约谈自然资源局。")
        first = progress(problem, escalation=Problem.Level.DEPUTY)
        assert roles[MANAGER].post(problem.get_absolute_url(), first).status_code == 302
        refused = roles[EDITOR].post(problem.get_absolute_url(), opened)
        assert refused.status_code == 200
        form = refused.context["progress_form"]
        assert "你的修改尚未保存" in " ".join(form.non_field_errors())
        assert "对方已改为" in str(form.errors["escalation"])
        assert "已约谈自然资源局。" in refused.text
        problem.refresh_from_db()
        assert (problem.status, problem.escalation) == ("open", Problem.Level.DEPUTY)
        # Saved again, knowing the other change, it goes through.
        again = {**opened, **{key: form.data[key] for key in form.data if "version" in key}}
        again["progress-escalation"] = Problem.Level.DEPUTY
        assert roles[EDITOR].post(problem.get_absolute_url(), again).status_code == 302
        problem.refresh_from_db()
        assert (problem.status, problem.escalation) == ("in_progress", Problem.Level.DEPUTY)

    def test_an_editor_moves_a_problem_on_and_it_is_in_its_history(
        self, roles, project, department
    ):
        problem = raise_problem(project, department)
        client = roles[EDITOR]
        response = client.post(
            problem.get_absolute_url(), progress(problem, status="in_progress", escalation=2)
        )
        assert response.status_code == 302
        closing = progress(
            Problem.objects.get(pk=problem.pk),
            status="resolved",
            resolution="已调整用地指标。",
            closed_on=TODAY.isoformat(),
        )
        assert client.post(problem.get_absolute_url(), closing).status_code == 302
        problem.refresh_from_db()
        assert (problem.status, problem.escalation, problem.closed_on) == ("resolved", 2, TODAY)
        assert problem.history.count() == 3
        page = client.get(problem.get_absolute_url())
        assert len(page.context["history"]) == 3

    def test_the_escalation_cannot_be_lowered(self, roles, project, department):
        problem = raise_problem(project, department, escalation=Problem.Level.COUNTY)
        response = roles[EDITOR].post(problem.get_absolute_url(), progress(problem, escalation=1))
        assert response.status_code == 200
        assert "督办层级只能提高" in str(response.context["progress_form"].errors["escalation"])
        problem.refresh_from_db()
        assert problem.escalation == Problem.Level.COUNTY

    def test_closing_needs_a_resolution_and_a_date_not_before_raised(
        self, roles, project, department
    ):
        problem = raise_problem(project, department)
        client = roles[EDITOR]
        response = client.post(
            problem.get_absolute_url(),
            progress(problem, status="resolved", closed_on=TODAY.isoformat()),
        )
        assert list(response.context["progress_form"].errors) == ["resolution"]
        early = (problem.raised_on - timedelta(days=1)).isoformat()
        response = client.post(
            problem.get_absolute_url(),
            progress(problem, status="resolved", resolution="已解决。", closed_on=early),
        )
        form = response.context["progress_form"]
        assert list(form.errors) == ["closed_on"]
        assert "办结日期不能早于提出日期" in str(form.errors["closed_on"])
        assert "已解决。" in response.content.decode()
        problem.refresh_from_db()
        assert problem.status == "open"

    def test_an_editor_is_not_offered_unresolvable_and_cannot_post_it(
        self, roles, project, department
    ):
        problem = raise_problem(project, department)
        client = roles[EDITOR]
        page = client.get(problem.get_absolute_url())
        assert 'value="unresolvable"' not in page.content.decode()
        data = progress(
            problem, status="unresolvable", resolution="无法落实。", closed_on=TODAY.isoformat()
        )
        response = client.post(problem.get_absolute_url(), data)
        assert response.status_code == 200
        assert "status" in response.context["progress_form"].errors
        problem.refresh_from_db()
        assert problem.status == "open"

    def test_a_manager_closes_a_problem_as_unresolvable(self, roles, project, department):
        problem = raise_problem(project, department)
        client = roles[MANAGER]
        assert 'value="unresolvable"' in client.get(problem.get_absolute_url()).content.decode()
        data = progress(
            problem, status="unresolvable", resolution="政策不允许。", closed_on=TODAY.isoformat()
        )
        assert client.post(problem.get_absolute_url(), data).status_code == 302
        problem.refresh_from_db()
        assert problem.status == "unresolvable"

    def test_a_viewer_reads_the_page_without_the_form_and_cannot_post(
        self, roles, project, department
    ):
        problem = raise_problem(project, department)
        client = roles[VIEWER]
        page = client.get(problem.get_absolute_url())
        assert page.status_code == 200
        assert "progress-status" not in page.content.decode()
        response = client.post(problem.get_absolute_url(), progress(problem, status="in_progress"))
        assert response.status_code == 403


class TestAdmin:
    def change_data(self, problem, **fields) -> dict:
        data = {
            "project": problem.project_id,
            "category": problem.category,
            "description": problem.description,
            "department": problem.department_id,
            "raised_on": problem.raised_on.isoformat(),
            "due_on": problem.due_on.isoformat() if problem.due_on else "",
            "status": problem.status,
            "escalation": problem.escalation,
            "resolution": problem.resolution,
            "closed_on": "",
            "version": latest_version(problem),
            **fields,
        }
        return data

    def test_an_editor_cannot_save_unresolvable_in_the_admin_and_a_manager_can(
        self, roles, project, department
    ):
        problem = raise_problem(project, department)
        url = reverse("admin:projects_problem_change", args=[problem.pk])
        data = self.change_data(
            problem, status="unresolvable", resolution="政策不允许。", closed_on=TODAY.isoformat()
        )
        response = roles[EDITOR].post(url, data)
        assert response.status_code == 200
        assert "只有管理人员可以将问题办结为无法解决" in str(
            response.context["adminform"].form.errors["status"]
        )
        problem.refresh_from_db()
        assert problem.status == "open"
        response = roles[MANAGER].post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        problem.refresh_from_db()
        assert problem.status == "unresolvable"

    def test_a_viewer_cannot_delete_and_an_editor_neither(self, roles, project, department):
        problem = raise_problem(project, department)
        url = reverse("admin:projects_problem_delete", args=[problem.pk])
        assert roles[EDITOR].post(url, {"post": "yes"}).status_code == 403
        assert roles[MANAGER].post(url, {"post": "yes"}).status_code == 302
        assert not Problem.objects.filter(pk=problem.pk).exists()


class TestSheet:
    def sheet(self, *rows) -> tablib.Dataset:
        headers = [
            "招引项目",
            "问题类别",
            "问题描述",
            "责任部门",
            "提出日期",
            "办结期限",
            "办理状态",
            "记录编号",
        ]
        return tablib.Dataset(*rows, headers=headers)

    def test_an_import_creates_new_problems_by_project_and_department_name(self, demo, department):
        before = Problem.objects.count()
        rows = [
            (PROJECT, "用地", "新问题一", department.name, "2026-11-01", "2026-12-01", "", ""),
            (PROJECT, "审批", "新问题二", department.name, "2026-11-02", "", "办理中", ""),
        ]
        result = ProblemResource().import_data(self.sheet(*rows))
        assert not result.has_errors() and not result.has_validation_errors()
        assert Problem.objects.count() == before + 2
        created = Problem.objects.get(description="新问题二")
        assert (created.status, created.escalation, created.category) == (
            "in_progress",
            1,
            "approval",
        )
        assert created.history.count() == 1

    def test_an_unknown_department_is_refused_with_a_message(self, demo):
        rows = [(PROJECT, "用地", "新问题", "不存在的局", "2026-11-01", "", "", "")]
        result = ProblemResource().import_data(self.sheet(*rows))
        refused = result.refused_rows()
        assert refused and "不存在的局" in " ".join(reason for _c, reason in refused[0].reasons)
        assert not Problem.objects.filter(description="新问题").exists()

    def test_an_import_without_the_permission_cannot_close_as_unresolvable(self, demo, department):
        rows = [(PROJECT, "用地", "新问题", department.name, "2026-11-01", "", "无法解决", "")]
        result = ProblemResource(may_close_unresolvable=False).import_data(self.sheet(*rows))
        reasons = " ".join(reason for row in result.refused_rows() for _c, reason in row.reasons)
        assert "只有管理人员" in reasons

    def test_an_exported_sheet_imports_back_unchanged(self, roles):
        response = roles[VIEWER].get("/problems/", {"_export": "xlsx"})
        dataset = tablib.Dataset().load(b"".join(response.streaming_content), format="xlsx")
        result = ProblemResource().import_data(dataset, dry_run=True)
        assert not result.has_errors() and not result.has_validation_errors(), [
            row.reasons for row in result.refused_rows()
        ]
        assert result.totals["new"] == 0
        assert result.totals["update"] == 0


class TestDatesInASheet:
    """A sheet's problem whose dates break a rule of the problem is refused beside the
    column of the date, in the rule's own words, before anything is saved."""

    HEADERS = {
        "zh-hans": ["招引项目", "问题类别", "问题描述", "责任部门", "提出日期", "办结期限"],
        "en": [
            "Investment project",
            "Category",
            "Description",
            "Responsible department",
            "Raised on",
            "Due by",
        ],
    }

    @pytest.fixture(autouse=True)
    def previews(self, tmp_path, monkeypatch):
        monkeypatch.setattr(admin_import, "PREVIEW_FOLDER", tmp_path / "previews")

    def sheet(self, path, language, department, *due_dates) -> Path:
        """A sheet of problems raised on 2026-11-01, one a due date."""
        with translation.override(language):
            land = str(Problem.Category.LAND.label)
        rows = [
            [PROJECT, land, f"按期问题{number}", department.name, "2026-11-01", due]
            for number, due in enumerate(due_dates)
        ]
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([self.HEADERS[language], *rows])
        return path

    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    def test_the_admin_preview_refuses_a_due_date_before_the_raised_date(
        self, roles, department, tmp_path, language
    ):
        sheet = self.sheet(tmp_path / "p.csv", language, department, "2026-12-01", "2026-10-31")
        before = Problem.objects.count()
        response = roles[EDITOR].post(
            "/admin/projects/problem/import/",
            {"import_file": SimpleUploadedFile("p.csv", sheet.read_bytes()), "format": "0"},
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 200
        assert not response.context.get("confirm_form")
        with translation.override(language):
            due = self.HEADERS[language][-1]
            reason = gettext("%(column)s：%(reason)s") % {
                "column": due,
                "reason": DUE_BEFORE_RAISED,
            }
        assert refused_rows(response.text) == [("3", reason)]
        assert Problem.objects.count() == before

    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    def test_the_command_refuses_a_due_date_before_the_raised_date_and_imports_a_good_one(
        self, demo, department, tmp_path, language
    ):
        before = Problem.objects.count()
        sheet = self.sheet(tmp_path / "p.csv", language, department, "2026-12-01", "2026-10-31")
        err = io.StringIO()
        with translation.override(language):
            with pytest.raises(CommandError, match="1 problem"):
                call_command(
                    "import_ledger", str(sheet), "--kind", "problems", stdout=err, stderr=err
                )
            due, reason = self.HEADERS[language][-1], str(DUE_BEFORE_RAISED)
        assert f"\nrow 3, {due}: {reason}\n" in err.getvalue()
        assert Problem.objects.count() == before

        good = self.sheet(tmp_path / "good.csv", language, department, "2026-12-01", "2026-11-01")
        out = io.StringIO()
        call_command("import_ledger", str(good), "--kind", "problems", stdout=out, stderr=out)
        assert "2 new, 0 updated, 0 unchanged problems were imported" in out.getvalue()
        assert sorted(
            Problem.objects.filter(description__startswith="按期问题").values_list(
                "description", "raised_on", "due_on"
            )
        ) == [
            ("按期问题0", date(2026, 11, 1), date(2026, 12, 1)),
            ("按期问题1", date(2026, 11, 1), date(2026, 11, 1)),  # due the day it was raised
        ]

    @pytest.mark.parametrize(
        ("closed_on", "resolution", "column", "reason"),
        [
            ("2026-10-31", "已落实用地指标。", "办结日期", CLOSED_BEFORE_RAISED),
            ("2026-11-05", "", "办理结果", CLOSED_WITHOUT_RESOLUTION),
        ],
    )
    def test_a_resolved_problem_is_refused_beside_what_its_closing_lacks(
        self, demo, department, closed_on, resolution, column, reason
    ):
        headers = [*self.HEADERS["zh-hans"], "办理状态", "办结日期", "办理结果"]
        row = [PROJECT, "用地", "已办结问题", department.name, "2026-11-01", ""]
        dataset = tablib.Dataset([*row, "已解决", closed_on, resolution], headers=headers)
        result = ProblemResource(show_changes=False).import_data(dataset, dry_run=False)
        assert [(row.number, row.reasons) for row in result.refused_rows()] == [
            (2, [(column, str(reason))])
        ]
        assert not Problem.objects.filter(description="已办结问题").exists()
