"""The follow-up log (跟踪记录): logged from a project's page, listed with its open next
steps, exported, read through the API and imported from the sheet its export writes."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from projects import admin_import
from projects.models import FollowUp, InvestmentProject
from projects.models.followups import NEXT_DUE_BEFORE_FOLLOW_UP, NEXT_DUE_WITHOUT_STEP
from projects.roles import EDITOR, VIEWER, sync_roles
from tests.test_admin_import import refused_rows

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)
SUMMARY = "走访企业，了解设备进场安排（测试）"
IMPORT = "/admin/projects/followup/import/"
CONFIRM = "/admin/projects/followup/process_import/"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


def member(django_user_model, username: str, role: str, **names):
    sync_roles()
    user = django_user_model.objects.create_user(username, is_staff=role == EDITOR, **names)
    user.groups.add(Group.objects.get(name=role))
    return user


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor(demo, django_user_model):
    return member(django_user_model, "editor", EDITOR, first_name="芳", last_name="王")


@pytest.fixture
def project(demo, editor):
    """A demo project without follow-ups, owned by the editor."""
    project = InvestmentProject.objects.filter(follow_ups__isnull=True).order_by("pk").first()
    project.owner = editor
    project.save()
    return project


def visit(**fields) -> dict:
    """The project page's follow-up form, as posted: a visit with a next step in 7 days."""
    values = {
        "occurred_on": TODAY.isoformat(),
        "kind": FollowUp.Kind.VISIT,
        "contacts": "企业总经理",
        "summary": SUMMARY,
        "next_step": "协调电力增容",
        "next_due": (TODAY + timedelta(days=7)).isoformat(),
        **fields,
    }
    return {"action": "follow_up", **{f"follow_up-{key}": value for key, value in values.items()}}


def listed(client, **params) -> list[FollowUp]:
    response = client.get("/followups/", params)
    assert response.status_code == 200
    return [row.record for row in response.context["table"].paginated_rows]


def test_it_logs_a_visit_from_the_project_page_and_lists_its_next_step(editor, project):
    client = client_of(editor)
    response = client.post(project.get_absolute_url(), visit(staff=[editor.pk]), follow=True)
    assert response.redirect_chain == [(project.get_absolute_url(), 302)]
    assert "已记录2026-11-27的走访。" in response.text
    assert SUMMARY in response.text  # on the timeline
    assert "协调电力增容" in response.text
    (follow_up,) = project.follow_ups.all()
    assert follow_up.recorded_by == editor
    assert list(follow_up.staff.all()) == [editor]
    assert follow_up.history.earliest().history_user == editor

    assert follow_up in listed(client, next_due_within=7)
    assert follow_up not in listed(client, next_due_within=6)
    assert listed(client, owner="me") == [follow_up]
    page = client.get("/followups/", {"project": project.pk})
    assert [row.record for row in page.context["table"].paginated_rows] == [follow_up]
    assert f"{project.name}" in page.text and "王芳" in page.text


def test_it_shows_a_viewer_no_form_and_refuses_their_post(demo, django_user_model):
    viewer = client_of(member(django_user_model, "reader", VIEWER))
    project = FollowUp.objects.first().project
    page = viewer.get(project.get_absolute_url())
    assert page.status_code == 200
    assert "跟踪记录" in page.text and 'name="action" value="follow_up"' not in page.text
    count = FollowUp.objects.count()
    assert viewer.post(project.get_absolute_url(), visit()).status_code == 403
    assert FollowUp.objects.count() == count


def test_it_shows_a_bad_due_date_beside_its_field_and_keeps_what_was_typed(editor, project):
    response = client_of(editor).post(
        project.get_absolute_url(), visit(next_due=(TODAY - timedelta(days=1)).isoformat())
    )
    assert response.status_code == 200
    form = response.context["follow_up_form"]
    assert form.errors == {"next_due": ["下一步期限不能早于跟踪日期。"]}
    assert 'id="id_follow_up-next_due_error"' in response.text
    assert SUMMARY in response.text and 'value="协调电力增容"' in response.text
    assert not project.follow_ups.exists()


def test_it_closes_a_next_step_when_a_later_follow_up_is_logged(editor, project):
    client = client_of(editor)
    client.post(project.get_absolute_url(), visit(occurred_on="2026-11-20"))
    (first,) = project.follow_ups.all()
    assert first in FollowUp.objects.open_next_steps()
    call = visit(kind=FollowUp.Kind.CALL, next_step="", next_due="")
    client.post(project.get_absolute_url(), call)
    assert first not in FollowUp.objects.open_next_steps()
    assert not FollowUp.objects.filter(project=project).open_next_steps().exists()
    assert first not in listed(client, next_due_within=30)


def test_it_counts_overdue_next_steps_as_due_within_any_days(demo):
    overdue = FollowUp.objects.next_due_within(0, TODAY)
    assert overdue.exists()
    assert all(step.next_due <= TODAY for step in overdue)
    # Only the latest follow-up of a project can have an open step.
    assert len({step.project_id for step in overdue}) == overdue.count()


@pytest.mark.parametrize(
    ("params", "field"),
    [({"project": "999999"}, "project"), ({"project": "x"}, "project"), ({"kind": "fax"}, "kind")],
)
def test_it_reports_a_filter_value_that_makes_no_sense(demo, admin_client, params, field):
    response = admin_client.get("/followups/", params)
    assert response.status_code == 200
    assert field in response.context["filter"].form.errors
    assert not response.context["table"].paginated_rows.data


def test_it_filters_by_kind_date_and_text(demo, admin_client):
    talks = listed(admin_client, kind="talks", occurred_after="2025-01-01", q="签约")
    assert talks and all(f.kind == "talks" and "签约" in f.summary + f.next_step for f in talks)


def test_it_exports_the_list_with_its_headers(demo, admin_client):
    response = admin_client.get("/followups/", {"_export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("跟踪日期", "招引项目", "方式", "参与人员", "企业方人员")
    assert "示例数据" in rows[0]
    assert len(rows) == FollowUp.objects.count() + 1
    assert any("李明" in (row[3] or "") for row in rows[1:])


def test_the_api_lists_and_filters_follow_ups_by_name(demo, django_user_model):
    viewer = client_of(member(django_user_model, "reader", VIEWER))
    project = FollowUp.objects.first().project
    body = viewer.get("/api/followups/", {"project": project.pk}).json()
    assert body["count"] == project.follow_ups.count() > 0
    assert {row["project"] for row in body["results"]} == {project.name}
    assert any("李明" in row["staff"] for row in body["results"])
    assert viewer.get("/api/followups/", {"kind": "fax"}).status_code == 400
    assert Client().get("/api/followups/").status_code in (401, 403)


@pytest.fixture
def previews(tmp_path, monkeypatch):
    monkeypatch.setattr(admin_import, "PREVIEW_FOLDER", tmp_path / "previews")


def sheet_of(*rows: str) -> SimpleUploadedFile:
    header = (
        "跟踪日期,招引项目,方式,参与人员,企业方人员,洽谈内容,下一步工作,下一步期限,记录人,示例数据"
    )
    return SimpleUploadedFile("followups.csv", "\n".join([header, *rows]).encode())


def test_it_imports_follow_ups_from_the_exported_sheet_format(previews, editor, project):
    client = client_of(editor)
    row = f"2026-11-02,{project.name},电话,李明；王芳,企业法人,{SUMMARY},报送用地,2026-11-30,,否"
    preview = client.post(IMPORT, {"import_file": sheet_of(row), "format": "0", "resource": "0"})
    assert preview.status_code == 200
    assert preview.context["confirm_form"], preview.context["form"].errors
    confirm = {**preview.context["confirm_form"].initial, "resource": "0"}
    assert client.post(CONFIRM, confirm).status_code == 302
    (follow_up,) = project.follow_ups.all()
    assert follow_up.kind == FollowUp.Kind.CALL and follow_up.next_due == date(2026, 11, 30)
    assert {user.username for user in follow_up.staff.all()} == {"liming", "editor"}
    assert follow_up.history.exists()


def test_an_exported_sheet_imported_back_changes_its_follow_ups_and_adds_none(
    demo, previews, admin_client
):
    """A sheet keeps each follow-up's 记录编号: imported back, with one summary edited, it
    changes that follow-up and logs nothing twice."""
    response = admin_client.get("/followups/", {"_export": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    follow_up = FollowUp.objects.order_by("-occurred_on", "-pk").first()
    (row,) = [index for index, line in enumerate(lines) if str(follow_up.uid) in line]
    lines[row] = lines[row].replace(follow_up.summary, "已重新核对")
    count = FollowUp.objects.count()
    sheet = SimpleUploadedFile("followups.csv", "\n".join(lines).encode())
    preview = admin_client.post(IMPORT, {"import_file": sheet, "format": "0", "resource": "0"})
    assert preview.context["confirm_form"], preview.context["form"].errors
    confirm = {**preview.context["confirm_form"].initial, "resource": "0"}
    assert admin_client.post(CONFIRM, confirm).status_code == 302
    assert FollowUp.objects.count() == count
    follow_up.refresh_from_db()
    assert follow_up.summary == "已重新核对"


def test_it_refuses_rows_of_unknown_projects_or_staff(previews, editor, project):
    rows = [
        f"2026-11-02,没有这个项目,电话,李明,,{SUMMARY},,,,否",
        f"2026-11-02,{project.name},电话,张三,,{SUMMARY},,,,否",
    ]
    preview = client_of(editor).post(
        IMPORT, {"import_file": sheet_of(*rows), "format": "0", "resource": "0"}
    )
    assert not preview.context.get("confirm_form")
    assert "“没有这个项目”不存在" in preview.text
    assert "没有名为张三的在职人员" in preview.text
    assert not project.follow_ups.exists()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_it_refuses_a_next_due_date_before_the_follow_up_or_without_a_step(
    previews, editor, project, language
):
    rows = [
        f"2026-11-02,{project.name},电话,,,{SUMMARY},报送用地,2026-11-30,,否",
        f"2026-11-02,{project.name},电话,,,{SUMMARY},报送用地,2026-11-01,,否",
        f"2026-11-02,{project.name},电话,,,{SUMMARY},,2026-11-30,,否",
    ]
    preview = client_of(editor).post(
        IMPORT,
        {"import_file": sheet_of(*rows), "format": "0", "resource": "0"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert preview.status_code == 200
    assert not preview.context.get("confirm_form")
    with translation.override(language):
        beside = gettext("%(column)s：%(reason)s")
        assert refused_rows(preview.text) == [
            ("3", beside % {"column": "下一步期限", "reason": NEXT_DUE_BEFORE_FOLLOW_UP}),
            ("4", beside % {"column": "下一步期限", "reason": NEXT_DUE_WITHOUT_STEP}),
        ]
    assert "constraint" not in preview.text
    assert not project.follow_ups.exists()


def test_an_editor_adds_a_follow_up_in_the_admin_as_its_recorder(editor, project):
    response = client_of(editor).post(
        "/admin/projects/followup/add/",
        {
            "project": project.pk,
            "occurred_on": "2026-11-20",
            "kind": FollowUp.Kind.MEETING,
            "summary": SUMMARY,
            "illustrative": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    (follow_up,) = project.follow_ups.all()
    assert follow_up.recorded_by == editor
