"""Two staff editing one record in the admin: the later save never erases the earlier one."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from projects.models import AnnualTarget, InvestmentProject, LeaseAgreement
from projects.roles import EDITOR, sync_roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def editors(demo, django_user_model):
    """Two Editors, each logged in in a browser of their own."""
    sync_roles()
    clients = []
    for name in ("wang", "li"):
        user = django_user_model.objects.create_user(name, is_staff=True)
        user.groups.add(Group.objects.get(name=EDITOR))
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def change_url(record) -> str:
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])


def opened_form(response) -> dict:
    """What the change form in a response sends back if saved as it stands."""
    adminform = response.context["adminform"]
    form = adminform.form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(k): management[k].value() for k in management.fields})
        for inline_form in formset.formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is not None:
                    data[inline_form.add_prefix(name)] = getattr(value, "pk", value)
    return data


def test_the_second_save_is_refused_and_keeps_what_was_typed(editors):
    wang, li = editors
    project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
    url = change_url(project)
    wangs_form = opened_form(wang.get(url))
    lis_form = opened_form(li.get(url))

    wangs_form["total_investment_wan"] = "16"  # 亿元
    assert wang.post(url, wangs_form).status_code == 302
    lis_form["notes"] = "李的备注：已走访企业"
    refused = li.post(url, lis_form)

    assert refused.status_code == 200
    project.refresh_from_db()
    assert project.total_investment_wan == 160000
    assert "李的备注" not in project.notes
    text = refused.text
    assert "wang" in text and "你的修改尚未保存" in text
    assert "对方已改为：16.00（你打开时为：15.00）" in text
    assert "李的备注：已走访企业" in text  # what li typed is still in the form

    again = li.post(url, opened_form(refused))
    assert again.status_code == 302
    project.refresh_from_db()
    assert project.notes == "李的备注：已走访企业"


def test_a_save_without_a_change_in_between_goes_through(editors):
    wang, _li = editors
    project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
    url = change_url(project)
    form = opened_form(wang.get(url))
    form["notes"] = "第一次"
    assert wang.post(url, form).status_code == 302
    form = opened_form(wang.get(url))
    form["notes"] = "第二次"
    assert wang.post(url, form).status_code == 302
    project.refresh_from_db()
    assert project.notes == "第二次"


def test_a_record_ordered_by_a_related_records_name_is_locked_and_saved(demo, staff_client):
    """A target is ordered by its park's name: the version check locks the target's row
    alone, since PostgreSQL locks no row of the outer join that order would add."""
    target = AnnualTarget.objects.get(year=2025, unit="county")
    url = change_url(target)
    form = opened_form(staff_client.get(url))
    form["started"] = "51"
    assert staff_client.post(url, form).status_code == 302
    target.refresh_from_db()
    assert target.started == 51


def test_a_decision_taken_meanwhile_is_named_and_not_undone(editors):
    wang, _li = editors
    lease = LeaseAgreement.objects.filter(status=LeaseAgreement.Status.ASSESSING).first()
    url = change_url(lease)
    form = opened_form(wang.get(url))
    # Meanwhile a Manager converts the lease on its page.
    lease.status = LeaseAgreement.Status.CONVERTED
    lease.save()
    form["notes"] = "补充说明"

    refused = wang.post(url, form)

    assert refused.status_code == 200
    assert "状态：考核中 → 已转出让" in refused.text
    lease.refresh_from_db()
    assert lease.status == LeaseAgreement.Status.CONVERTED
    assert wang.post(url, opened_form(refused)).status_code == 302
    lease.refresh_from_db()
    assert (lease.status, lease.notes) == (LeaseAgreement.Status.CONVERTED, "补充说明")
