"""Departments (责任部门) and warning rules (预警规则): listed for every role, each list linked
from the list it serves, exported, and imported back from the sheet the list exports."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from projects.models import Department, Problem, WarningRule
from projects.roles import EDITOR, MANAGER, VIEWER, sync_roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def roles(demo, django_user_model) -> dict[str, Client]:
    """A client of each role; Editors and Managers may reach the admin."""
    sync_roles()
    clients = {}
    for role in (VIEWER, EDITOR, MANAGER):
        user = django_user_model.objects.create_user(role.lower(), is_staff=role != VIEWER)
        user.groups.add(Group.objects.get(name=role))
        client = Client()
        client.force_login(user)
        clients[role] = client
    return clients


def listed(client: Client, url: str, **params) -> list:
    response = client.get(url, params)
    assert response.status_code == 200
    return [row.record for row in response.context["table"].paginated_rows]


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
