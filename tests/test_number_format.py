"""Numbers on the pages have thousands separators, in both languages; exports stay plain."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from projects.models import Company, InvestmentProject, Park, Sector

pytestmark = pytest.mark.django_db

MICRO_PARKS = {"kind": Park.Kind.MICRO_PARK}


def test_the_parks_list_totals_the_floor_area_of_the_nine_micro_parks(demo, staff_client):
    response = staff_client.get("/parks/", MICRO_PARKS)

    assert response.context["summary"]["count"] == 9
    assert "总建筑面积（m²） <strong>1,216,000.00</strong>" in response.text


def test_list_cells_have_thousands_separators(demo, staff_client):
    response = staff_client.get("/parks/", {"q": "丽缙智能制造小微园"})

    assert re.search(r'<td class="num"[^>]*>226,000.00</td>', response.text)


def test_an_english_page_has_them_too(demo, staff_client):
    staff_client.cookies["django_language"] = "en"
    response = staff_client.get("/parks/", MICRO_PARKS)

    assert "<strong>1,216,000.00</strong>" in response.text


def test_a_record_page_has_them(demo, staff_client):
    park = Park.objects.get(name="缙云经济开发区")
    response = staff_client.get(park.get_absolute_url())

    assert "20,000.00（13,333,333.33 m²）" in response.text


def test_a_record_pages_links_carry_its_key_without_a_separator(demo, staff_client):
    park = Park.objects.create(pk=12345, name="万号园区", kind=Park.Kind.INDUSTRIAL_PARK)
    response = staff_client.get(park.get_absolute_url())

    assert "?park=12345" in response.text


def test_the_dashboard_has_them(demo, staff_client):
    InvestmentProject.objects.create(
        name="千亿级示例项目",
        company=Company.objects.first(),
        sector=Sector.objects.first(),
        total_investment_wan=Decimal("12345678.00"),
        source_zone=InvestmentProject.Zone.IN_PROVINCE,
        stage=InvestmentProject.Stage.LANDED,
        signed_date=date(2025, 2, 1),
        landed_date=date(2025, 3, 1),
    )
    response = staff_client.get("/", {"start": "2025-01-01", "end": "2025-04-30"})

    # The article's 45.32 亿元 and the one added.
    assert 'data-figure="total">1,279.89</a>' in response.text


def test_exports_stay_plain(demo, staff_client):
    response = staff_client.get("/parks/", {**MICRO_PARKS, "_export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    floor_area = rows[0].index("建筑面积（m²）")
    assert "226000.00" in [row[floor_area] for row in rows[1:]]


def test_the_admin_list_has_them(demo, staff_client):
    response = staff_client.get(reverse("admin:projects_park_changelist"), MICRO_PARKS)

    assert "226,000.00" in response.text
