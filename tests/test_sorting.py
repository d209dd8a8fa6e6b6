"""The lists sort as people do: names by pinyin, parcel codes by the numbers in them."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from projects.models import Company, InvestmentProject, LandParcel, Park, Sector
from projects.models.fields import natural_sort_key

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


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("缙云经济开发区2024-4号", "缙云经济开发区042024-014号"),
        ("缙云经济开发区2024-10号", "缙云经济开发区042024-0210号"),
        ("P-007", "P-017"),
        ("P-0", "P-010"),
        ("无编号", "无编号"),
    ],
)
def test_the_sort_key_of_a_code_compares_its_numbers_by_value(code, key):
    assert natural_sort_key(code) == key


PARCEL_NUMBERS = [10, 4, 100, 9, 1]


@pytest.fixture
def numbered_parcels(demo):
    park = Park.objects.get(name="缙云经济开发区")
    for number in PARCEL_NUMBERS:
        LandParcel.objects.create(
            code=f"缙云经济开发区2099-{number}号",
            park=park,
            supply_mode=LandParcel.SupplyMode.AUCTION,
        )


def test_parcel_codes_sort_by_their_numbers(numbered_parcels, staff_client):
    def codes(**params) -> list[str]:
        response = staff_client.get("/parcels/", {"q": "2099-", **params})
        return [row.record.code for row in response.context["table"].paginated_rows]

    expected = [f"缙云经济开发区2099-{number}号" for number in sorted(PARCEL_NUMBERS)]
    assert codes() == codes(sort="code") == expected
    assert codes(sort="-code") == list(reversed(expected))


def test_the_demo_parcels_sort_by_their_numbers(demo, staff_client):
    response = staff_client.get("/parcels/", {"q": "缙云经济开发区2024-", "sort": "code"})
    codes = [row.record.code for row in response.context["table"].paginated_rows]
    assert codes.index("缙云经济开发区2024-9号") < codes.index("缙云经济开发区2024-10号")


def test_leases_sort_by_parcel_as_the_parcels_list_does(demo, staff_client):
    leases = staff_client.get("/leases/", {"sort": "parcel"}).context["table"].data.data
    by_lease = [lease.parcel.code for lease in leases]
    parcels = staff_client.get("/parcels/", {"sort": "code"}).context["table"].data.data
    by_parcel = [parcel.code for parcel in parcels]
    assert len(by_lease) > 1
    assert by_lease == [code for code in by_parcel if code in by_lease]


def test_every_demo_parcel_has_the_sort_key_of_its_code(demo):
    parcels = LandParcel.objects.all()
    assert parcels and all(
        parcel.code_sort_key == natural_sort_key(parcel.code) for parcel in parcels
    )


def test_a_save_and_a_bulk_create_keep_the_sort_key(demo):
    parcel = LandParcel.objects.first()
    parcel.code = "缙云经济开发区2099-12号"
    parcel.save()
    assert LandParcel.objects.get(pk=parcel.pk).code_sort_key == "缙云经济开发区042099-0212号"
    (created,) = LandParcel.objects.bulk_create(
        [LandParcel(code="壶镇2099-3号", park=parcel.park, supply_mode="auction")]
    )
    assert LandParcel.objects.get(pk=created.pk).code_sort_key == "壶镇042099-013号"


def test_an_imported_parcel_gets_the_sort_key_of_its_code(demo, staff_client, tmp_path):
    export = staff_client.get("/parcels/", {"q": "缙云经济开发区2024-10号", "_export": "csv"})
    header, row = csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig")))
    row[header.index("地块编号")] = "缙云经济开发区2099-11号"
    sheet = tmp_path / "parcels.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([header, row])
    call_command("import_ledger", str(sheet), "--kind", "parcels", stdout=io.StringIO())
    imported = LandParcel.objects.get(code="缙云经济开发区2099-11号")
    assert imported.code_sort_key == "缙云经济开发区042099-0211号"
