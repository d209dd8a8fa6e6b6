"""An Editor changes a project in the admin and sees the change on the pages; a Viewer
can read the project but neither sees the way to the admin nor gets in."""

from decimal import Decimal

from playwright.sync_api import expect

from projects.models import InvestmentProject
from projects.roles import EDITOR, VIEWER
from projects.units import entered_yi, wan_to_yi
from tests.e2e.conftest import log_in_as

PROJECT = "涵禧科技汽车零部件及新材料项目"
EDIT_LINK = "在管理后台编辑"


def find_project(page, name: str):
    """Search the projects list for a project by name, as a person types it."""
    page.get_by_role("link", name="项目", exact=True).click()
    page.get_by_label("关键词").fill(name)
    page.get_by_role("button", name="筛选").click()
    expect(page.locator(".summary strong").first).to_have_text("1")
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name))


def test_editor_changes_the_total_investment_in_the_admin(
    demo_ledger, role_user, page, expected_errors
):
    editor = role_user("editor", EDITOR, is_staff=True)
    project = InvestmentProject.objects.get(name=PROJECT)
    before = project.total_investment_wan
    after = before + Decimal("16600.00")
    log_in_as(page, editor)

    row = find_project(page, PROJECT)
    expect(row.locator("td.num").first).to_have_text(str(wan_to_yi(before)))
    row.get_by_role("link", name=PROJECT).click()
    page.get_by_role("link", name=EDIT_LINK).click()
    expect(page).to_have_url(f"/admin/projects/investmentproject/{project.pk}/change/")
    page.get_by_label("总投资（亿元）").fill(str(entered_yi(after)))
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("成功")

    page.goto("/")
    row = find_project(page, PROJECT)
    expect(row.locator("td.num").first).to_have_text(str(wan_to_yi(after)))
    row.get_by_role("link", name=PROJECT).click()
    expect(page.get_by_role("heading", name=PROJECT)).to_be_visible()
    expect(page.locator("dd.num")).to_contain_text(str(wan_to_yi(after)))
    history = page.get_by_role("region", name="修改记录")
    latest = history.get_by_role("listitem").first
    expect(latest).to_contain_text(f"{editor.username} 修改")
    expect(latest).to_contain_text(f"总投资（亿元）：{entered_yi(before)} → {entered_yi(after)}")
    project.refresh_from_db()
    assert project.total_investment_wan == after


def test_viewer_reads_a_project_but_cannot_edit_it(demo_ledger, role_user, page, expected_errors):
    viewer = role_user("viewer", VIEWER, is_staff=False)
    project = InvestmentProject.objects.get(name=PROJECT)
    amount = project.total_investment_wan
    change_url = f"/admin/projects/investmentproject/{project.pk}/change/"
    expected_errors.append((403, change_url))
    log_in_as(page, viewer)

    find_project(page, PROJECT).get_by_role("link", name=PROJECT).click()
    expect(page.get_by_role("heading", name=PROJECT)).to_be_visible()
    expect(page.get_by_role("region", name="修改记录")).to_be_visible()
    expect(page.get_by_role("link", name=EDIT_LINK)).to_have_count(0)
    expect(page.get_by_role("link", name="管理后台")).to_have_count(0)

    response = page.goto(change_url)
    assert response.status == 403
    expect(page.get_by_label("总投资（万元）")).to_have_count(0)
    expect(page.get_by_role("button", name="保存", exact=True)).to_have_count(0)
    project.refresh_from_db()
    assert project.total_investment_wan == amount


def test_admin_pages_name_an_icon_the_app_serves(page, staff_user):
    log_in_as(page, staff_user)
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="台账管理")).to_be_visible()
    icons = page.locator('link[rel~="icon"]')
    if icons.count():
        assert page.request.get(icons.first.get_attribute("href")).ok
    else:
        assert page.request.get("/favicon.ico").ok
