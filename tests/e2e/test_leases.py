"""Land staff find a lease due for assessment, record an assessment and decide on it."""

from playwright.sync_api import expect

from projects.models import LandParcel, LeaseAgreement


def test_assess_and_decide_a_lease_due_soon(demo_ledger, logged_in_page):
    page = logged_in_page
    due = page.get_by_role("region", name="先租后供：需关注")
    due.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="记录考核")).to_be_visible()
    lease = LeaseAgreement.objects.get(pk=int(page.url.rstrip("/").split("/")[-1]))
    assert lease.is_active
    area_mu = lease.parcel.area_mu
    assessed = lease.assessments.count()

    form = page.locator("form", has=page.get_by_role("heading", name="记录考核"))
    form.get_by_label("考核类型").select_option(label="期满达产考核")
    form.get_by_label("考核单位或人员").fill("县自然资源和规划局")
    form.get_by_role("button", name="记录考核").click()
    # No figures: each one a target is judged on is asked for beside its field.
    form = page.locator("form", has=page.get_by_role("heading", name="记录考核"))
    expect(form.locator(".invalid-feedback").first).to_contain_text("须填写")
    assert lease.assessments.count() == assessed

    form.get_by_label("累计固定资产投资（万元）").fill("100")
    form.get_by_label("年度税收（万元）").fill(str(area_mu * 2))
    form.get_by_label("年度产值（万元）").fill(str(area_mu * 10))
    form.get_by_label("总建筑面积（m²）").fill("1000")
    form.get_by_label("研发投入（万元）").fill("1")
    form.get_by_label("年综合能耗（吨标准煤）").fill(str(area_mu * 10))
    form.get_by_role("button", name="记录考核").click()

    expect(page.get_by_role("alert")).to_contain_text("未全部达标")
    expect(page.locator("tr.table-danger").first).to_be_visible()
    decide = page.locator("form", has=page.get_by_role("heading", name="对最近一次考核作出决定"))
    decide.get_by_label("决定", exact=True).select_option(label="收回")
    decide.get_by_label("理由").fill("投资强度与亩均税收均未达约定")
    decide.get_by_role("button", name="记录决定").click()

    expect(page.locator("h1")).to_contain_text("已收回")
    page.get_by_role("link", name=lease.project.name).first.click()
    expect(page.get_by_role("status")).to_contain_text("决定收回")
    page.go_back()
    page.get_by_role("link", name=lease.parcel.code).first.click()
    # The parcel's own status, not the small map's legend.
    expect(page.locator("dl").get_by_text("储备", exact=True)).to_be_visible()
    lease.refresh_from_db()
    assert lease.status == LeaseAgreement.Status.RECLAIMED
    assert LandParcel.objects.get(pk=lease.parcel_id).status == LandParcel.Status.RESERVE
