"""An Editor on a phone raises a problem from its project's page and sees it listed among
the project's open problems; the dashboard's card leads to the overdue ones."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from projects.models import InvestmentProject, Problem
from projects.roles import EDITOR
from tests.e2e.conftest import fits_the_phone, log_in_as
from tests.e2e.test_accessibility import axe_source, axe_violations, check_fields_are_labelled

__all__ = ["axe_source"]  # the fixture the tests below use

PROJECT = "江苏永久摩托车（缙云）工厂项目"


def test_an_editor_raises_a_problem_on_a_phone(demo_ledger, role_user, page, axe_source):
    editor = role_user("editor", EDITOR)
    log_in_as(page, editor, phone=True)
    project = InvestmentProject.objects.get(name=PROJECT)
    page.goto(project.get_absolute_url())

    form = page.locator("form", has=page.get_by_role("heading", name="登记问题"))
    form.get_by_label("问题类别").select_option(label="用能")
    form.get_by_label("问题描述").fill("新建厂房需增容两台变压器。")
    form.get_by_label("责任部门").select_option(label="国网缙云县供电公司")
    yesterday = timezone.localdate() - timedelta(days=1)
    form.get_by_label("办结期限").fill(yesterday.isoformat())
    form.get_by_role("button", name="登记问题").click()
    # A due date before today's raising is refused beside it, with what was typed kept.
    form = page.locator("form", has=page.get_by_role("heading", name="登记问题"))
    expect(form.locator(".invalid-feedback")).to_contain_text("办结期限不能早于提出日期")
    expect(form.get_by_label("问题描述")).to_have_value("新建厂房需增容两台变压器。")
    check_fields_are_labelled(page)
    assert axe_violations(page, axe_source) == []

    form.get_by_label("办结期限").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    form.get_by_role("button", name="登记问题").click()
    expect(page.get_by_role("alert")).to_contain_text("问题已登记")
    problems = page.locator("section#problems")
    expect(problems.get_by_text("新建厂房需增容两台变压器。")).to_be_visible()
    fits_the_phone(page)
    assert axe_violations(page, axe_source) == []
    problem = Problem.objects.get(description="新建厂房需增容两台变压器。")
    assert (problem.raised_by, problem.status) == (editor, Problem.Status.OPEN)

    # On its own page the Editor takes it on and raises it to the deputy head.
    problems.get_by_role("link", name="新建厂房需增容两台变压器。").click()
    form = page.locator("form", has=page.get_by_role("heading", name="办理问题"))
    expect(form.get_by_label("办理状态").locator("option")).to_have_count(3)  # no 无法解决
    form.get_by_label("办理状态").select_option(label="办理中")
    form.get_by_label("督办层级").select_option(label="分管领导")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text("问题已更新")
    expect(page.locator("h1")).to_contain_text("办理中")
    check_fields_are_labelled(page)
    assert axe_violations(page, axe_source) == []
    fits_the_phone(page)


def test_the_dashboard_card_leads_to_the_overdue_problems(demo_ledger, logged_in_page):
    page = logged_in_page
    overdue = Problem.objects.overdue(timezone.localdate()).count()
    card = page.get_by_role("region", name="问题清单")
    card.locator("[data-figure=problems_overdue]").click()
    expect(page.get_by_role("status")).to_contain_text(f"共 {overdue} 条")
