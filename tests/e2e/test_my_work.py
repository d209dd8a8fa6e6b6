"""An Editor logs a visit on a phone and finds its next step, and an overdue problem of
their project, in 「我的待办」 on the home page, each count opening exactly its rows."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from projects.models import Department, InvestmentProject, Problem
from projects.roles import EDITOR
from tests.e2e import test_accessibility
from tests.e2e.conftest import fits_the_phone, log_in_as
from tests.e2e.test_accessibility import axe_violations

axe_source = test_accessibility.axe_source  # the fixture, shared

NEXT_STEP = "协调施工许可证办理"


def test_an_editor_finds_the_next_step_and_the_overdue_problem_in_my_work(
    demo_ledger, role_user, page, axe_source
):
    editor = role_user("wuhua", EDITOR, first_name="华", last_name="吴", is_staff=True)
    project = InvestmentProject.objects.filter(problems__isnull=True).order_by("pk").first()
    project.owner = editor
    project.save()
    today = timezone.localdate()
    problem = Problem.objects.create(
        project=project,
        category=Problem.Category.APPROVAL,
        description="施工许可审批材料待补正。",
        department=Department.objects.order_by("pk").first(),
        raised_on=today - timedelta(days=5),
        due_on=today - timedelta(days=1),
    )
    log_in_as(page, editor, phone=True)
    my_work = page.get_by_role("region", name="我的待办")

    # The overdue problem is there at once, and its count opens exactly it.
    expect(my_work.locator("[data-figure=my-problems]")).to_have_text("1")

    page.goto(project.get_absolute_url())
    form = page.locator("form", has=page.get_by_role("heading", name="记录跟踪"))
    form.get_by_label("方式").select_option(label="走访")
    form.get_by_label("洽谈内容").fill("走访企业，了解开工准备。")
    form.get_by_label("下一步工作").fill(NEXT_STEP)
    form.get_by_label("下一步期限").fill((today + timedelta(days=7)).isoformat())
    form.get_by_role("button", name="记录跟踪").click()
    expect(page.get_by_role("alert").first).to_contain_text("已记录")

    page.get_by_role("link", name="缙云县招商项目台账").click()
    my_work = page.get_by_role("region", name="我的待办")
    expect(my_work).to_contain_text(NEXT_STEP)
    expect(my_work).to_contain_text(project.name)
    assert axe_violations(page, axe_source) == []
    fits_the_phone(page)

    my_work.locator("[data-figure=my-next_steps]").click()
    page.wait_for_url("**/followups/**")
    expect(page.locator("table.list-table tbody tr")).to_have_count(1)
    expect(page.locator("table.list-table tbody")).to_contain_text(NEXT_STEP)

    page.goto("/")
    page.get_by_role("region", name="我的待办").locator("[data-figure=my-problems]").click()
    page.wait_for_url("**/problems/**")
    rows = page.locator("table.list-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(problem.get_category_display())
