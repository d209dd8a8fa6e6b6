"""「我的待办」 on the home page: the user's warned projects, their projects' overdue
problems and the next steps due of follow-ups they took part in, each counted with its
list's own filters."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from projects.models import Department, FollowUp, InvestmentProject, Problem
from projects.my_work import NEXT_STEPS_DAYS, ROWS
from projects.roles import EDITOR, sync_roles

pytestmark = pytest.mark.django_db

TODAY = date(2025, 5, 1)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


@pytest.fixture
def editor(demo, django_user_model):
    sync_roles()
    user = django_user_model.objects.create_user("wu", first_name="华", last_name="吴")
    user.groups.add(Group.objects.get(name=EDITOR))
    return user


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def parts(client) -> dict:
    response = client.get("/")
    assert response.status_code == 200
    return {part.kind: part for part in response.context["my_work"]}


def listed(client, url: str) -> list:
    response = client.get(url)
    assert response.status_code == 200
    return [row.record for row in response.context["table"].paginated_rows]


def test_a_user_with_nothing_to_do_is_told_so(editor):
    client = client_of(editor)
    found = parts(client)
    assert {part.count for part in found.values()} == {0}
    assert "暂无待办" in client.get("/").text


def test_it_lists_the_users_warned_projects_red_first_and_links_to_exactly_them(editor):
    # The demo makes some projects red and some yellow as of the article's date.
    everyone = Client()
    everyone.force_login(editor)
    red = listed(everyone, "/projects/?warning=red&per_page=100")
    yellow = listed(everyone, "/projects/?warning=yellow&per_page=100")
    assert red and yellow
    mine = [yellow[0], red[0]]
    InvestmentProject.objects.filter(pk__in=[project.pk for project in mine]).update(owner=editor)

    part = parts(client_of(editor))["projects"]
    assert part.count == 2
    assert [project.pk for project in part.rows] == [red[0].pk, yellow[0].pk]
    assert part.url == "/projects/?owner=me&warning=any"
    assert {project.pk for project in listed(client_of(editor), part.url)} == {
        project.pk for project in mine
    }


def test_a_problem_due_yesterday_on_the_users_project_is_overdue_and_listed(editor):
    project = (
        InvestmentProject.objects.filter(owner__isnull=True, problems__isnull=True)
        .order_by("pk")
        .first()
    )
    project.owner = editor
    project.save()
    problem = Problem.objects.create(
        project=project,
        category=Problem.Category.LAND,
        description="用地指标待落实。",
        department=Department.objects.first(),
        raised_on=TODAY - timedelta(days=10),
        due_on=TODAY - timedelta(days=1),
    )
    Problem.objects.create(  # due today: not yet overdue
        project=project,
        category=Problem.Category.ENERGY,
        description="用电容量待核定。",
        department=Department.objects.first(),
        raised_on=TODAY - timedelta(days=10),
        due_on=TODAY,
    )
    client = client_of(editor)
    part = parts(client)["problems"]
    assert (part.count, part.rows) == (1, [problem])
    assert listed(client, part.url) == [problem]
    assert "用地指标待落实" not in client.get("/").text  # the row shows project and category
    assert project.name in client.get("/").text


def test_a_next_step_due_in_a_week_of_a_follow_up_the_user_took_part_in_is_listed(editor):
    project = InvestmentProject.objects.filter(follow_ups__isnull=True).order_by("pk").first()
    due = TODAY + timedelta(days=7)
    mine = FollowUp.objects.create(
        project=project,
        occurred_on=TODAY,
        kind=FollowUp.Kind.VISIT,
        summary="走访企业。",
        next_step="协调施工许可",
        next_due=due,
    )
    mine.staff.set([editor])
    far = FollowUp.objects.create(
        project=InvestmentProject.objects.exclude(pk=project.pk)
        .filter(follow_ups__isnull=True)
        .order_by("pk")
        .first(),
        occurred_on=TODAY,
        kind=FollowUp.Kind.CALL,
        summary="电话。",
        next_step="寄送材料",
        next_due=TODAY + timedelta(days=NEXT_STEPS_DAYS + 1),
    )
    far.staff.set([editor])
    client = client_of(editor)
    part = parts(client)["next_steps"]
    assert (part.count, part.rows) == (1, [mine])
    assert listed(client, part.url) == [mine]
    page = client.get("/").text
    assert "协调施工许可" in page and f"{due:%Y-%m-%d}" in page


def test_it_lists_a_few_rows_and_points_to_the_rest(editor):
    projects = InvestmentProject.objects.filter(follow_ups__isnull=True).order_by("pk")
    for project in projects[: ROWS + 2]:
        follow_up = FollowUp.objects.create(
            project=project,
            occurred_on=TODAY,
            kind=FollowUp.Kind.CALL,
            summary="电话。",
            next_step="回访",
            next_due=TODAY,
        )
        follow_up.staff.set([editor])
    client = client_of(editor)
    part = parts(client)["next_steps"]
    assert (part.count, len(part.rows)) == (ROWS + 2, ROWS)
    assert "查看全部" in client.get("/").text
