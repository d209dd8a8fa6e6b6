"""Each filter of the list pages narrows the list to exactly the right rows."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Q
from django.forms.renderers import DjangoTemplates, Jinja2

from projects.models import Company, InvestmentProject, LandParcel, Park, Sector
from projects.units import mu_to_m2

pytestmark = pytest.mark.django_db


def listed_names(client, path: str, params: dict) -> set[str]:
    """Names (or codes) of all rows the list holds for these parameters, on every page."""
    response = client.get(path, params)
    assert response.status_code == 200
    assert not response.context["filter_invalid"], response.context["filter"].form.errors
    rows = response.context["object_list"]
    assert response.context["summary"]["count"] == rows.count()
    return {str(row) for row in rows}


def project_names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def park_id(name: str) -> int:
    return Park.objects.get(name=name).pk


class TestProjectFilters:
    path = "/projects/"

    def check(self, client, params, expected):
        listed = listed_names(client, self.path, params)
        assert listed == project_names(expected)
        assert 0 < len(listed) < InvestmentProject.objects.count()

    def test_free_text_over_name_company_and_capacity(self, demo, staff_client):
        self.check(
            staff_client,
            {"q": "电动摩托车"},
            InvestmentProject.objects.filter(capacity__contains="电动摩托车"),
        )
        self.check(
            staff_client,
            {"q": "永久摩托车科技"},
            InvestmentProject.objects.filter(company__name__contains="永久"),
        )
        self.check(
            staff_client, {"q": "涵禧"}, InvestmentProject.objects.filter(name__contains="涵禧")
        )

    def test_several_sectors(self, demo, staff_client):
        chosen = Sector.objects.filter(name__in=["短途交通", "氢能装备"])
        self.check(
            staff_client,
            {"sector": [str(sector.pk) for sector in chosen]},
            InvestmentProject.objects.filter(sector__in=chosen),
        )

    def test_sector_group(self, demo, staff_client):
        self.check(
            staff_client,
            {"sector_group": "future"},
            InvestmentProject.objects.filter(sector__group=Sector.Group.FUTURE),
        )

    def test_parent_park_includes_its_sub_parks(self, demo, staff_client):
        zone = Park.objects.get(name="缙云经济开发区")
        descendants = Park.objects.filter(Q(pk=zone.pk) | Q(parent=zone) | Q(parent__parent=zone))
        expected = InvestmentProject.objects.filter(park__in=descendants)
        assert expected.exclude(park=zone).exists(), "the demo has projects in sub-parks"
        self.check(staff_client, {"park": zone.pk}, expected)

    def test_sub_park_alone(self, demo, staff_client):
        self.check(
            staff_client,
            {"park": park_id("新建园区")},
            InvestmentProject.objects.filter(
                Q(park__name="新建园区") | Q(park__parent__name="新建园区")
            ),
        )

    def test_several_stages(self, demo, staff_client):
        self.check(
            staff_client,
            {"stage": ["negotiating", "terminated"]},
            InvestmentProject.objects.filter(stage__in=["negotiating", "terminated"]),
        )

    def test_zone(self, demo, staff_client):
        self.check(
            staff_client,
            {"zone": "pearl_delta"},
            InvestmentProject.objects.filter(source_zone="pearl_delta"),
        )

    @pytest.mark.parametrize(
        "size, condition",
        [
            ("below_1yi", Q(total_investment_wan__lt=10000)),
            ("1yi", Q(total_investment_wan__gte=10000)),
            ("10yi", Q(total_investment_wan__gte=100000)),
        ],
    )
    def test_size(self, demo, staff_client, size, condition):
        self.check(staff_client, {"size": size}, InvestmentProject.objects.filter(condition))

    def test_size_boundaries_are_inclusive(self, demo, staff_client):
        """The demo holds projects of exactly 1 亿元 and exactly 10 亿元."""
        exactly_1 = InvestmentProject.objects.get(total_investment_wan=Decimal("10000"))
        exactly_10 = InvestmentProject.objects.filter(total_investment_wan=Decimal("100000"))
        assert exactly_10.count() == 2
        assert exactly_1.name in listed_names(staff_client, self.path, {"size": "1yi"})
        assert exactly_1.name not in listed_names(staff_client, self.path, {"size": "below_1yi"})
        ten = listed_names(staff_client, self.path, {"size": "10yi"})
        assert project_names(exactly_10) <= ten

    def test_investment_range_in_yi(self, demo, staff_client):
        self.check(
            staff_client,
            {"investment_min": "1", "investment_max": "10"},
            InvestmentProject.objects.filter(
                total_investment_wan__gte=10000, total_investment_wan__lte=100000
            ),
        )
        self.check(
            staff_client,
            {"investment_min": "10.4"},
            InvestmentProject.objects.filter(total_investment_wan__gte=104000),
        )

    def test_landed_date_range_includes_both_days(self, demo, staff_client):
        self.check(
            staff_client,
            {"landed_after": "2025-01-01", "landed_before": "2025-04-30"},
            InvestmentProject.objects.filter(
                landed_date__gte=date(2025, 1, 1), landed_date__lte=date(2025, 4, 30)
            ),
        )
        boundary = listed_names(
            staff_client, self.path, {"landed_after": "2025-04-30", "landed_before": "2025-04-30"}
        )
        assert boundary == project_names(
            InvestmentProject.objects.filter(landed_date=date(2025, 4, 30))
        )
        assert boundary

    def test_signed_date_range(self, demo, staff_client):
        self.check(
            staff_client,
            {"signed_after": "2024-01-01", "signed_before": "2024-12-31"},
            InvestmentProject.objects.filter(signed_date__year=2024),
        )

    @pytest.mark.parametrize("value, flag", [("true", True), ("false", False)])
    def test_leased_manufacturing(self, demo, staff_client, value, flag):
        self.check(
            staff_client,
            {"leased": value},
            InvestmentProject.objects.filter(leased_manufacturing=flag),
        )

    @pytest.mark.parametrize("value, flag", [("true", True), ("false", False)])
    def test_illustrative(self, demo, staff_client, value, flag):
        self.check(
            staff_client,
            {"illustrative": value},
            InvestmentProject.objects.filter(illustrative=flag),
        )

    def test_landed(self, demo, staff_client):
        self.check(
            staff_client, {"landed": "false"}, InvestmentProject.objects.filter(landed_date=None)
        )


class TestParcelFilters:
    path = "/parcels/"

    def check(self, client, params, expected):
        listed = listed_names(client, self.path, params)
        assert listed == set(expected.values_list("code", flat=True))
        assert 0 < len(listed) < LandParcel.objects.count()

    def test_park_includes_sub_parks(self, demo, staff_client):
        zone = Park.objects.get(name="缙云经济开发区")
        self.check(
            staff_client,
            {"park": zone.pk},
            LandParcel.objects.filter(
                Q(park=zone) | Q(park__parent=zone) | Q(park__parent__parent=zone)
            ),
        )

    def test_supply_mode(self, demo, staff_client):
        self.check(
            staff_client,
            {"supply_mode": "lease_first"},
            LandParcel.objects.filter(supply_mode="lease_first"),
        )

    def test_status(self, demo, staff_client):
        self.check(
            staff_client,
            {"status": ["reserve", "leased"]},
            LandParcel.objects.filter(status__in=["reserve", "leased"]),
        )

    def test_area_range_in_mu(self, demo, staff_client):
        self.check(
            staff_client,
            {"area_min": "20", "area_max": "50"},
            LandParcel.objects.filter(area_m2__gte=mu_to_m2(20), area_m2__lte=mu_to_m2(50)),
        )

    def test_code_text(self, demo, staff_client):
        self.check(
            staff_client, {"q": "2025-1"}, LandParcel.objects.filter(code__contains="2025-1")
        )


class TestParkFilters:
    path = "/parks/"

    def test_kind(self, demo, staff_client):
        listed = listed_names(staff_client, self.path, {"kind": "micro_park"})
        assert len(listed) == 9

    def test_parent_includes_every_level(self, demo, staff_client):
        listed = listed_names(staff_client, self.path, {"parent": park_id("缙云经济开发区")})
        assert "新建园区" in listed
        assert "文化用品创意产业园" in listed  # a sub-park of 新建园区
        assert "缙云经济开发区" not in listed

    def test_text_over_name_and_town(self, demo, staff_client):
        assert listed_names(staff_client, self.path, {"q": "壶镇"}) == set(
            Park.objects.filter(Q(name__contains="壶镇") | Q(town__contains="壶镇")).values_list(
                "name", flat=True
            )
        )


class TestCompanyFilters:
    def test_text_over_name(self, demo, staff_client):
        listed = listed_names(staff_client, "/companies/", {"q": "臻泰"})
        assert listed == {"浙江臻泰能源科技有限公司"}

    def test_above_scale(self, demo, staff_client):
        listed = listed_names(staff_client, "/companies/", {"above_scale": "true"})
        assert listed == set(
            Company.objects.filter(above_scale=True).values_list("name", flat=True)
        )


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/projects/", {"sector": ["1", "999"], "size": "1yi", "landed_after": "2024-13-01"}),
        ("/projects/", {"q": "<b>电机</b>", "stage": "landed", "leased": "true"}),
        ("/parcels/", {"area_min": "-1"}),
        ("/parks/", {}),
        ("/companies/", {"home_region": "浙江"}),
        ("/leases/", {"due_within": "abc"}),
    ],
)
def test_filter_widgets_are_the_html_of_djangos_own_templates(demo, staff_client, path, params):
    # The filter panels render their widgets with Jinja2; Django's template engine is the
    # reference, and a widget with a template of its own for one engine only would fail.
    form = staff_client.get(path, params).context["filter"].form
    assert isinstance(form.renderer, Jinja2)
    written = [str(field) for field in form]
    form.renderer = DjangoTemplates()
    expected = [str(field) for field in form]
    assert len(written) > 1 and all(html.startswith("<") for html in written)
    assert [normalised(html) for html in written] == [normalised(html) for html in expected]


def normalised(html: str) -> str:
    """HTML with the whitespace between tags left out and other runs of it made one space."""
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def test_a_nul_character_in_a_filter_is_named_for_what_it_is(demo, staff_client):
    response = staff_client.get("/projects/", {"q": "电机\x00"})
    assert response.status_code == 200
    assert "不能包含空字符（NUL）。" in response.text
    assert "空字符串" not in response.text
