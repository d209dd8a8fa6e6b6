"""Each language's punctuation: English pages write English brackets, commas, colons and
money units."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from projects.models import (
    Company,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
    Park,
)

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
FULLWIDTH = re.compile(r"[\u3000-\u303f\uff00-\uffef]")


class PageText(HTMLParser):
    """The text a reader sees or hears: text nodes, and the labels and titles of elements."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.hidden = 0
        self.texts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        self.texts += [value for name, value in attrs if name in ("aria-label", "title") and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(data.strip())


def texts(response) -> list[str]:
    return PageText(response.content.decode()).texts


@pytest.fixture
def english(staff_client):
    staff_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return staff_client


class TestEnglishPages:
    def record_pages(self) -> list[str]:
        leases = LeaseAgreement.objects.filter(assessments__decision__isnull=False).distinct()
        return [
            InvestmentProject.objects.filter(park__parent__isnull=False).first(),
            Park.objects.filter(parent__isnull=True, projects__isnull=False).first(),
            LandParcel.objects.filter(area_m2__isnull=False).first(),
            Company.objects.first(),
            *leases.order_by("status")[:4],
        ]

    def test_it_writes_no_chinese_punctuation_around_the_figures(self, demo, english):
        """A text of the page's own (not a record's name, which is Chinese) holds no
        fullwidth bracket, comma, colon or semicolon."""
        paths = [
            *(record.get_absolute_url() for record in self.record_pages()),
            *("/projects/", "/parks/", "/parcels/", "/companies/", "/leases/"),
            reverse("password_change"),
            reverse("admin:axes_accessattempt_changelist"),
        ]
        for path in paths:
            response = english.get(path)
            assert response.status_code == 200
            chinese_punctuation = [
                text
                for text in texts(response)
                if FULLWIDTH.search(text) and not CHINESE.search(text)
            ]
            assert chinese_punctuation == [], path

    def test_it_gives_amounts_in_cny_100m_with_the_tier_in_brackets(self, demo, english):
        project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
        assert "15.00 (CNY 1B and above)" in texts(english.get(project.get_absolute_url()))
        listed = english.get("/projects/")
        assert "Total investment (CNY 100M)" in listed.text
        assert "100M CNY" not in listed.text

    def test_it_counts_one_project_and_several_projects(self, demo, english):
        park = Park.objects.create(name="测试产业园", kind=Park.Kind.INDUSTRIAL_PARK)
        first, second = InvestmentProject.objects.order_by("pk")[:2]
        InvestmentProject.objects.filter(pk=first.pk).update(park=park)
        assert "<strong>1</strong> project," in english.get(park.get_absolute_url()).text
        InvestmentProject.objects.filter(pk=second.pk).update(park=park)
        assert "<strong>2</strong> projects," in english.get(park.get_absolute_url()).text

    def test_a_lease_page_writes_its_notes_in_english(self, demo, english):
        lease = LeaseAgreement.objects.filter(term_years=5).first()
        page = " ".join(texts(english.get(lease.get_absolute_url())))
        assert "(5 years)" in page
        assert f"{lease.parcel.area_mu} mu, " in page
