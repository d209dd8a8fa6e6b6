"""The admin takes and shows each amount in the unit the rest of the ledger gives it: a
project's amounts in 亿元, as the lists, sheets and dashboard do, stored in 万元; rents,
prices and assessment figures in 万元, as the lease and parcel pages and sheets do. No
amount is one keystroke away from being 10,000 times too large."""

import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from projects.forms import YiField
from projects.models import (
    AnnualTarget,
    Assessment,
    FundEntry,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
)
from projects.models.fields import AmountField
from projects.units import entered_yi

pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response) -> dict:
    """What an admin form sends back as it stands, its inline forms included."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for field in form:
            value = field.value()
            if isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
            elif value is not None:
                data[field.html_name] = getattr(value, "pk", value)
    return data


def input_value(response, name: str) -> str:
    return re.search(rf'<input [^>]*name="{name}" value="([^"]*)"', response.text).group(1)


def test_the_amounts_leaders_count_have_a_name_in_yi_and_the_others_stay_in_wan():
    # A project's amounts, funds in place and the targets set for them, as staff type
    # them (a company's total investment is worked out by the database, not typed).
    amounts = [
        field
        for model in admin.site._registry
        if model._meta.app_label == "projects"
        for field in model._meta.fields
        if field.name.endswith("_wan") and field.editable
    ]
    assert len(amounts) == 16
    for field in amounts:
        if field.model in (InvestmentProject, FundEntry, AnnualTarget):
            assert isinstance(field, AmountField), field
            assert "亿元" in str(field.yi_name), field
        else:
            assert not isinstance(field, AmountField), field
            assert "万元" in str(field.verbose_name), field


def test_a_project_is_added_in_yi_and_stored_in_wan(demo, staff_client):
    url = admin_url(InvestmentProject, "add")
    page = staff_client.get(url)
    assert "总投资（亿元）" in page.text and "总投资（万元）" not in page.text
    project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
    data = form_data(page) | {
        "name": "新增示例项目",
        "company": project.company_id,
        "sector": project.sector_id,
        "source_zone": InvestmentProject.Zone.IN_PROVINCE,
        "stage": InvestmentProject.Stage.NEGOTIATING,
        "total_investment_wan": "10.4",
        "fixed_investment_wan": "7.28",
        "expected_tax_wan": "0.0523",
    }

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    added = InvestmentProject.objects.get(name="新增示例项目")
    assert added.total_investment_wan == Decimal("104000.00")
    assert added.fixed_investment_wan == Decimal("72800.00")
    assert added.expected_tax_wan == Decimal("523.00")


def test_a_change_form_shows_each_amount_in_the_unit_of_the_ledger_s_pages(demo, staff_client):
    project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
    parcel = LandParcel.objects.get(price_wan=Decimal("1191.67"))
    lease = LeaseAgreement.objects.filter(annual_rent_wan=Decimal("38.83")).first()

    project_page = staff_client.get(admin_url(InvestmentProject, "change", project.pk))
    assert input_value(project_page, "total_investment_wan") == "15.00"
    parcel_page = staff_client.get(admin_url(LandParcel, "change", parcel.pk))
    assert input_value(parcel_page, "price_wan") == "1191.67"
    assert "价格（万元）" in parcel_page.text
    lease_page = staff_client.get(admin_url(LeaseAgreement, "change", lease.pk))
    assert input_value(lease_page, "annual_rent_wan") == "38.83"
    assert "年租金（万元）" in lease_page.text


def test_a_record_saved_as_it_stands_keeps_every_digit(demo, staff_client):
    parcel = LandParcel.objects.get(price_wan=Decimal("1191.67"))
    url = admin_url(LandParcel, "change", parcel.pk)

    response = staff_client.post(url, form_data(staff_client.get(url)))

    assert response.status_code == 302
    parcel.refresh_from_db()
    assert parcel.price_wan == Decimal("1191.67")
    saved = parcel.history.latest()
    assert saved.diff_against(saved.prev_record).changed_fields == []


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1.1234567", "以亿元计，最多 6 位小数。"),
        ("123456789", "以亿元计，小数点前最多 8 位。"),
        ("1234567890123456", "以亿元计，最多 14 位数字。"),
        ("十亿", "请填写以亿元计的金额，例如 10.4。"),
        ("-1", "不能为负数。"),
    ],
)
def test_an_amount_that_cannot_be_stored_is_refused_next_to_its_field(
    demo, staff_client, typed, message
):
    project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
    url = admin_url(InvestmentProject, "change", project.pk)

    data = form_data(staff_client.get(url)) | {"total_investment_wan": typed}

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["total_investment_wan"] == [message]
    project.refresh_from_db()
    assert project.total_investment_wan == Decimal("150000.00")


def test_the_change_lists_show_amounts_in_yi_sorted_by_the_stored_amount(demo, staff_client):
    url = admin_url(InvestmentProject, "changelist")
    column = admin.site._registry[InvestmentProject].list_display.index("total_investment_wan")

    response = staff_client.get(url, {"o": column + 1})

    assert "总投资（亿元）" in response.text
    shown = re.findall(r'<td class="field-total_investment_wan">([^<]*)</td>', response.text)
    stored = InvestmentProject.objects.order_by("total_investment_wan", "-pk")
    expected = [
        str(entered_yi(amount)) for amount in stored.values_list("total_investment_wan", flat=True)
    ]
    assert shown == expected[: len(shown)]


def test_an_assessment_is_read_in_wan_as_on_its_lease_s_page(demo, staff_client):
    assessment = Assessment.objects.exclude(tax_wan=None).first()

    response = staff_client.get(admin_url(Assessment, "change", assessment.pk))

    assert "年度税收（万元）" in response.text and "年度税收（亿元）" not in response.text


@pytest.mark.parametrize("model", [InvestmentProject, LandParcel, LeaseAgreement])
def test_the_derived_fields_of_an_add_form_show_a_dash(demo, staff_client, model):
    response = staff_client.get(admin_url(model, "add"))

    readonly = re.findall(r'<div class="readonly">([^<]*)</div>', response.text)
    assert readonly and "None" not in readonly
    assert "—" in readonly


def test_an_amount_compares_in_the_unit_it_was_typed_in():
    field = YiField(max_digits=14, decimal_places=2)

    assert not field.has_changed(Decimal("150000.00"), "15")
    assert field.has_changed(Decimal("150000.00"), "150000")
    assert field.clean("0.119167") == Decimal("1191.67")
    assert field.prepare_value("15,0") == "15,0"  # as typed, to correct it
