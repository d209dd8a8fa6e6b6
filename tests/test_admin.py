"""The admin: every page renders, amounts read in 亿元, protected deletes are refused clearly."""

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import (
    Assessment,
    Decision,
    InvestmentProject,
    IssuedReport,
    LandParcel,
    LeaseAgreement,
    Park,
    Sector,
)

pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def ledger_models():
    return [model for model in admin.site._registry if model._meta.app_label == "projects"]


# Assessments and decisions are written only on the lease's page, where the rules are
# checked, and monthly reports issued only on the report page.
WRITTEN_ON_THEIR_PAGES = {Assessment, Decision, IssuedReport}


def test_every_changelist_add_and_change_page_renders(
    demo, staff_client, admin_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    issued = IssuedReport(
        start="2025-01-01",
        end="2025-04-30",
        basis="landed",
        language="zh-hans",
        version=1,
        issued_by=admin_user,
    )
    issued.pdf.save("report.pdf", ContentFile(b"%PDF"), save=False)
    issued.xlsx.save("report.xlsx", ContentFile(b"PK"))
    assert len(ledger_models()) == 15
    for model in ledger_models():
        assert staff_client.get(admin_url(model, "changelist")).status_code == 200, model
        add = staff_client.get(admin_url(model, "add")).status_code
        assert add == (403 if model in WRITTEN_ON_THEIR_PAGES else 200), model
        instance = model.objects.order_by("pk").first()
        response = staff_client.get(admin_url(model, "change", instance.pk))
        assert response.status_code == 200, model


def test_assessments_cannot_be_edited_or_deleted_in_the_admin(demo, staff_client):
    assessment = Assessment.objects.first()
    page = staff_client.get(admin_url(Assessment, "change", assessment.pk))
    assert 'name="_save"' not in page.text
    response = staff_client.post(admin_url(Assessment, "delete", assessment.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Assessment.objects.filter(pk=assessment.pk).exists()


def test_project_changelist_shows_amounts_in_yi_and_filters_by_tier(demo, staff_client):
    url = admin_url(InvestmentProject, "changelist")
    response = staff_client.get(url, {"size_tier": "10yi", "q": "涵禧"})
    assert response.status_code == 200
    assert "涵禧科技汽车零部件及新材料项目" in response.text
    assert "15.00" in response.text
    assert "10亿元以上" in response.text
    small = staff_client.get(url, {"size_tier": "below_1yi", "q": "涵禧"})
    assert "涵禧科技汽车零部件及新材料项目" not in small.text


def test_admin_counts_tiers_as_the_lists_do(demo, staff_client):
    """亿元以上 includes 10亿元以上 in the admin as on the projects list."""
    params = {"size_tier": "1yi", "landed_date__gte": "2025-01-01"}
    params["landed_date__lte"] = "2025-04-30"
    admin_page = staff_client.get(admin_url(InvestmentProject, "changelist"), params)
    assert admin_page.context["cl"].result_count == 10


def test_parcel_admin_shows_area_in_mu(demo, staff_client):
    parcel = LandParcel.objects.exclude(area_m2=None).first()
    response = staff_client.get(admin_url(LandParcel, "change", parcel.pk))
    assert str(parcel.area_mu) in response.text


def test_deleting_a_park_in_use_is_refused_with_a_clear_page(demo, staff_client):
    park = Park.objects.get(name="缙云经济开发区")
    url = admin_url(Park, "delete", park.pk)
    page = staff_client.get(url)
    assert page.status_code == 200
    assert "缙云经济开发区2025-1号" in page.text  # the protected parcel is named
    response = staff_client.post(url, {"post": "yes"})
    assert response.status_code in (200, 403)
    assert Park.objects.filter(pk=park.pk).exists()


def test_deleting_a_parcel_in_use_is_refused(demo, staff_client):
    parcel = LandParcel.objects.get(code="缙云经济开发区2025-1号")
    response = staff_client.post(admin_url(LandParcel, "delete", parcel.pk), {"post": "yes"})
    assert response.status_code in (200, 403)
    assert LandParcel.objects.filter(pk=parcel.pk).exists()


def unchanged_form_data(response) -> dict:
    """What an admin change page's form sends back when nothing is changed (for a record
    whose inline lists are empty)."""
    form = response.context["adminform"].form
    data = {}
    for field in form:
        value = field.value()
        if isinstance(value, bool):
            if value:
                data[field.html_name] = "on"
        else:
            data[field.html_name] = "" if value is None else value
    for inline in response.context["inline_admin_formsets"]:
        assert not inline.formset.initial_forms
        management = inline.formset.management_form
        data.update({field.html_name: field.value() for field in management})
    return data


def test_a_park_with_many_parcels_is_edited_without_listing_them(demo, staff_client):
    # Thousands of parcels in one park: the park's page links to them rather than listing
    # them, and saving it sends the park's fields alone.
    park = Park.objects.filter(children__isnull=True, parcels__isnull=False).first()
    parcel = park.parcels.first()
    copies = []
    for number in range(300):
        copy = LandParcel.objects.get(pk=parcel.pk)
        copy.pk, copy.code = None, f"{parcel.code}-{number}"
        copies.append(copy)
    LandParcel.objects.bulk_create(copies)
    count = park.parcels.count()
    response = staff_client.get(admin_url(Park, "change", park.pk))
    assert response.status_code == 200
    assert 'name="parcels-' not in response.text
    listed = f"{admin_url(LandParcel, 'changelist')}?park__id__exact={park.pk}"
    assert f'<a href="{listed}">{count} 个地块</a>' in response.text
    assert f'href="{admin_url(LandParcel, "add")}?park={park.pk}"' in response.text

    data = unchanged_form_data(response) | {"town": "新建镇"}
    saved = staff_client.post(admin_url(Park, "change", park.pk), data)
    assert saved.status_code == 302, saved.context and saved.context["adminform"].form.errors
    park.refresh_from_db()
    assert park.town == "新建镇" and park.parcels.count() == count
    found = staff_client.get(listed)
    assert found.context["cl"].result_count == count


def test_sector_admin_counts_each_sectors_projects(demo, staff_client):
    Sector.objects.create(name="暂无项目的产业", group=Sector.Group.choices[0][0])
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(admin_url(Sector, "changelist"), {"o": "-4"})
    sectors = list(response.context["cl"].result_list)
    assert len(sectors) == Sector.objects.count()
    counts = [sector.project_count for sector in sectors]
    assert counts == [sector.projects.count() for sector in sectors]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0 and counts[-1] == 0
    # Counted sector by sector, not by joining every project to the sectors.
    assert not any('JOIN "projects_investmentproject"' in query["sql"] for query in queries)


def test_bad_credit_code_is_shown_next_to_the_field(demo, staff_client):
    response = staff_client.post(
        admin_url(InvestmentProject._meta.get_field("company").related_model, "add"),
        {"name": "新企业有限公司", "credit_code": "12345"},
    )
    assert response.status_code == 200
    assert "统一社会信用代码应为18位" in response.text


@pytest.mark.parametrize("words", ["电机", "缙云 摩托车", '"有限公司"', "无此词"])
def test_admin_search_finds_what_the_list_finds(demo, staff_client, words):
    listed = set(InvestmentProject.objects.all())
    for word in words.split():
        found = staff_client.get("/projects/", {"q": word.strip('"'), "per_page": 100})
        listed &= set(found.context["table"].data.data)
    response = staff_client.get(admin_url(InvestmentProject, "changelist"), {"q": words})
    changelist = response.context["cl"]
    assert set(changelist.queryset) == listed
    # A filtered changelist shows its own count only, not the whole table's beside it.
    assert changelist.full_result_count is None


class TestFiltersItCannotApply:
    """Hand-edited changelist addresses: the whole list and a message, or a 400, never a 500."""

    @pytest.mark.parametrize(
        "model, query",
        [
            (InvestmentProject, "landed_date__year=99999999999"),
            (InvestmentProject, "landed_date__year=9999"),
            (InvestmentProject, "landed_date__year=9999&landed_date__month=12"),
            (InvestmentProject, "landed_date__year__gte=99999999999"),
            (LeaseAgreement, "end_date__year=99999999999"),
            (AccessAttempt, "attempt_time__year=99999999999"),
        ],
    )
    @pytest.mark.parametrize(
        "language, message",
        [
            ("zh-hans", "网址中的筛选条件无法使用"),
            ("en", "The filters in the address cannot be used"),
        ],
    )
    def test_it_shows_the_whole_list_and_says_why(
        self, demo, staff_client, model, query, language, message
    ):
        url = admin_url(model, "changelist")
        response = staff_client.get(f"{url}?{query}", HTTP_ACCEPT_LANGUAGE=language)
        assert (response.status_code, response["Location"]) == (302, f"{url}?e=1")
        page = staff_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200
        assert message in page.text

    @pytest.mark.parametrize("query", ["name__regex=(", "name__iregex=[z-a]", "name__regex=a"])
    def test_a_regular_expression_typed_into_the_address_is_refused(
        self, demo, staff_client, query
    ):
        response = staff_client.get(f"{admin_url(Sector, 'changelist')}?{query}")
        assert response.status_code == 400

    def test_a_number_beyond_its_column_is_no_server_error(self, demo, staff_client):
        url = admin_url(InvestmentProject, "changelist")
        response = staff_client.get(url, {"total_investment_wan__gte": "1e999999"})
        if connection.vendor == "postgresql":  # which refuses it; SQLite finds no such row
            assert response["Location"] == f"{url}?e=1"
        else:
            assert response.context["cl"].result_count == 0

    def test_a_year_it_can_apply_still_filters(self, demo, staff_client):
        url = admin_url(InvestmentProject, "changelist")
        response = staff_client.get(url, {"landed_date__year": "2024"})
        assert response.status_code == 200
        assert (
            response.context["cl"].result_count
            == InvestmentProject.objects.filter(landed_date__year=2024).count()
        )

    @pytest.mark.parametrize(
        "url",
        [
            "/admin/projects/investmentproject/?name=%00",
            "/admin/projects/investmentproject/?q=%00",
            "/admin/projects/investmentproject/?stage=a%00b",
            "/admin/projects/investmentproject/?landed_date__gte=0001-01-01&park__id__exact=%00",
            "/admin/projects/sector/?name=%00",
            "/admin/auth/user/?username=%00",
            "/admin/projects/park/add/?_changelist_filters=%00",
        ],
    )
    def test_a_nul_character_in_the_address_is_a_bad_request(self, demo, staff_client, url):
        response = staff_client.get(url)
        assert response.status_code == 400
        assert "网址中含有空字符" in response.text
