"""The lists sort as people do: names by pinyin."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from projects.models import Company, InvestmentProject, Park, Sector

pytestmark = pytest.mark.django_db

# Places in pinyin order (ān, běi, háng, shàng, zhè), which is not their code-point order
# (上 U+4E0A, 北 U+5317, 安 U+5B89, 杭 U+676D, 浙 U+6D59).
PLACES = ["安徽", "北京", "杭州", "上海", "浙江"]
TAG = "排序测试"  # in every name below, so that ``q`` lists only these records


def listed(client, path: str, sort: str, text=str) -> list[str]:
    """The rows of a list page sorted by ``sort``, each as ``text`` of its record."""
    response = client.get(path, {"q": TAG, "sort": sort, "per_page": 100})
    assert response.status_code == 200
    return [text(row.record) for row in response.context["table"].paginated_rows]


@pytest.fixture
def places(demo):
    """A company, a project and a park for each place, created out of pinyin order."""
    sector = Sector.objects.first()
    for place in reversed(PLACES):
        company = Company.objects.create(name=f"{place}{TAG}有限公司", home_region=place)
        InvestmentProject.objects.create(
            name=f"{place}{TAG}项目",
            company=company,
            sector=sector,
            total_investment_wan=Decimal(1000),
            source_zone=InvestmentProject.Zone.OTHER,
        )
        Park.objects.create(name=f"{place}{TAG}园区", kind=Park.Kind.INDUSTRIAL_PARK, town=place)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no ICU collation: names sort by code point there, as the README says",
)
@pytest.mark.parametrize(
    ("path", "sort", "text"),
    [
        ("/companies/", "name", lambda company: company.name),
        ("/companies/", "home_region", lambda company: company.home_region),
        ("/projects/", "name", lambda project: project.name),
        ("/projects/", "company", lambda project: project.company.name),
        ("/parks/", "name", lambda park: park.name),
        ("/parks/", "town", lambda park: park.town),
    ],
)
def test_names_sort_by_pinyin_on_postgresql(places, staff_client, path, sort, text):
    up = listed(staff_client, path, sort, text)
    assert [value[:2] for value in up] == PLACES
    assert listed(staff_client, path, f"-{sort}", text) == list(
        reversed(listed(staff_client, path, sort, text))
    )


def test_the_park_choices_follow_the_parks_order(places):
    choices = [name for _pk, name in Park.objects.tree().choices() if TAG in name]
    assert choices == list(Park.objects.filter(name__contains=TAG).values_list("name", flat=True))


def test_a_name_stays_unique_and_searchable(places, staff_client):
    """The collation tells every text apart: only the very same name is refused, and the
    search finds names as before."""
    Company.objects.create(name=f"ABC{TAG}")
    Company.objects.create(name=f"ＡＢＣ{TAG}")  # full-width letters: another name
    with pytest.raises(ValidationError) as error:
        Company(name=f"上海{TAG}有限公司").full_clean()
    assert "name" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Company.objects.create(name=f"上海{TAG}有限公司")
    response = staff_client.get("/companies/", {"q": f"上海{TAG}"})
    assert [row.record.name for row in response.context["table"].paginated_rows] == [
        f"上海{TAG}有限公司"
    ]
