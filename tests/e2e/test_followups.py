"""An Editor logs a visit from a project's page on a phone and sees it on the timeline."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from projects.models import FollowUp, InvestmentProject
from projects.roles import EDITOR
from tests.e2e import test_accessibility
from tests.e2e.conftest import log_in_as
from tests.e2e.test_accessibility import axe_violations, check_fields_are_labelled

axe_source = test_accessibility.axe_source  # the fixture, shared

PROJECT = "涵禧科技汽车零部件及新材料项目"
SUMMARY = "走访企业，确认二期厂房开工时间"


def test_an_editor_logs_a_follow_up_from_the_project_page_on_a_phone(
    demo_ledger, role_user, page, axe_source
):
    log_in_as(page, role_user("editor", EDITOR), phone=True)
    project = InvestmentProject.objects.get(name=PROJECT)
    page.goto(project.get_absolute_url())

    form = page.locator("form", has=page.get_by_role("heading", name="记录跟踪"))
    expect(form.get_by_label("跟踪日期")).to_have_value(timezone.localdate().isoformat())
    check_fields_are_labelled(page)
    assert axe_violations(page, axe_source) == []

    form.get_by_label("方式").select_option(label="走访")
    form.get_by_label("企业方人员").fill("企业总经理")
    form.get_by_label("洽谈内容").fill(SUMMARY)
    form.get_by_label("下一步工作").fill("协调施工许可")
    # A due date before the visit is refused beside its field, keeping what was typed.
    form.get_by_label("下一步期限").fill((timezone.localdate() - timedelta(days=1)).isoformat())
    form.get_by_role("button", name="记录跟踪").click()
    form = page.locator("form", has=page.get_by_role("heading", name="记录跟踪"))
    expect(form.locator(".invalid-feedback")).to_contain_text("下一步期限不能早于跟踪日期")
    expect(form.get_by_label("洽谈内容")).to_have_value(SUMMARY)

    due = timezone.localdate() + timedelta(days=7)
    form.get_by_label("下一步期限").fill(due.isoformat())
    form.get_by_role("button", name="记录跟踪").click()

    expect(page.get_by_role("alert").first).to_contain_text("已记录")
    timeline = page.get_by_role("region", name="跟踪记录")
    expect(timeline.locator("li").first).to_contain_text(SUMMARY)
    expect(timeline.locator("li").first).to_contain_text("待办")
    assert FollowUp.objects.filter(project=project, summary=SUMMARY).exists()
    assert axe_violations(page, axe_source) == []

    timeline.get_by_role("link", name="全部跟踪记录").click()
    expect(page.get_by_text(SUMMARY)).to_be_visible()
