"""The demo fixtures: valid, idempotent, atomic on error, and true to the article's figures."""

import io
import json
from datetime import date
from decimal import Decimal
from glob import glob

import pytest
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.db.models import Sum

from projects.management.commands.load_demo import DEMO_FIXTURES
from projects.models import LEDGER_MODELS, Company, InvestmentProject, LandParcel, Park

pytestmark = pytest.mark.django_db


def dump_ledger() -> list:
    """The whole ledger as natural-key JSON, sorted so two dumps compare equal."""
    out = io.StringIO()
    call_command(
        "dumpdata",
        *(model._meta.label_lower for model in LEDGER_MODELS),
        natural_foreign=True,
        natural_primary=True,
        indent=None,
        stdout=out,
    )
    rows = json.loads(out.getvalue())
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, ensure_ascii=False))


def ledger_counts() -> dict:
    return {model._meta.label: model.objects.count() for model in LEDGER_MODELS}


def test_every_fixture_object_passes_full_validation(demo):
    failures = []
    for model in LEDGER_MODELS:
        for instance in model.objects.all():
            try:
                instance.full_clean()
            except Exception as error:  # collect every failure, not just the first
                failures.append(f"{model._meta.label} {instance}: {error}")
    assert failures == []
    assert InvestmentProject.objects.count() > 100


def test_loading_twice_changes_nothing(demo):
    before = dump_ledger()
    call_command("loaddata", *DEMO_FIXTURES, verbosity=0)
    assert dump_ledger() == before


def test_natural_keys_round_trip_through_dumpdata_and_loaddata(demo, tmp_path, request):
    before = dump_ledger()
    backup = tmp_path / "ledger.json"
    call_command(
        "dumpdata",
        *(model._meta.label_lower for model in LEDGER_MODELS),
        natural_foreign=True,
        natural_primary=True,
        output=str(backup),
    )
    request.getfixturevalue("empty_ledger")
    assert InvestmentProject.objects.count() == 0
    call_command("loaddata", str(backup), verbosity=0)
    assert dump_ledger() == before


def test_fixtures_reference_by_natural_key_not_by_id():
    for name in DEMO_FIXTURES:
        with open(f"fixtures/{name}.json", encoding="utf-8") as fixture:
            for row in json.load(fixture):
                assert "pk" not in row, f"{name}.json uses a primary key: {row}"


class TestBrokenFixtures:
    def test_bad_json_names_the_file_and_leaves_the_database_unchanged(self, demo, tmp_path):
        before = ledger_counts()
        broken = tmp_path / "broken.json"
        broken.write_text('[{"model": "projects.sector", "fields": {"name": "X",', encoding="utf-8")
        with pytest.raises(DeserializationError) as error:
            call_command("loaddata", str(broken), verbosity=0)
        assert "broken.json" in str(error.value)
        assert "line 1" in str(error.value)
        assert ledger_counts() == before

    def test_unknown_park_names_the_file_record_and_park(self, demo, tmp_path):
        before = ledger_counts()
        broken = tmp_path / "parcels-bad.json"
        broken.write_text(
            json.dumps(
                [
                    {
                        "model": "projects.sector",
                        "fields": {"name": "新增产业", "group": "future"},
                    },
                    {
                        "model": "projects.landparcel",
                        "fields": {
                            "code": "缙云经济开发区2099-1号",
                            "park": ["不存在的园区"],
                            "supply_mode": "auction",
                        },
                    },
                ],
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        with pytest.raises(DeserializationError) as error:
            call_command("loaddata", str(broken), verbosity=0)
        message = str(error.value)
        assert "parcels-bad.json" in message
        assert "缙云经济开发区2099-1号" in message
        assert "不存在的园区" in message
        assert ledger_counts() == before

    def test_unknown_parent_park_names_the_file_record_and_park(self, demo, tmp_path):
        before = ledger_counts()
        broken = tmp_path / "parks-bad.json"
        row = {"model": "projects.park", "fields": {"name": "新园", "kind": "micro_park"}}
        row["fields"]["parent"] = ["不存在的园区"]
        broken.write_text(json.dumps([row], ensure_ascii=False), encoding="utf-8")
        with pytest.raises(DeserializationError) as error:
            call_command("loaddata", str(broken), verbosity=0)
        message = str(error.value)
        assert "parks-bad.json" in message
        assert "新园" in message
        assert "不存在的园区" in message
        assert ledger_counts() == before

    def test_a_sub_park_may_come_before_its_parent(self, db, tmp_path):
        """Backups list parks by id, so a park may name a parent that comes later."""
        rows = [
            {
                "model": "projects.park",
                "fields": {"name": "子园", "kind": "micro_park", "parent": ["母园"]},
            },
            {"model": "projects.park", "fields": {"name": "母园", "kind": "development_zone"}},
        ]
        fixture = tmp_path / "parks-forward.json"
        fixture.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        call_command("loaddata", str(fixture), verbosity=0)
        assert Park.objects.get(name="子园").parent.name == "母园"


class TestFixtureOrder:
    """Fixture files load whatever order they are named in, as `fixtures/*.json` lists them."""

    def test_it_loads_the_demo_in_the_order_the_shell_lists_the_files(self, demo, request):
        counts, before = ledger_counts(), dump_ledger()
        request.getfixturevalue("empty_ledger")
        call_command("loaddata", *sorted(glob("fixtures/*.json")), verbosity=0)
        assert ledger_counts() == counts
        assert dump_ledger() == before

    def test_a_lease_on_a_missing_parcel_names_the_file_record_and_parcel(
        self, demo, request, tmp_path
    ):
        project = InvestmentProject.objects.filter(leases__isnull=False).first().name
        request.getfixturevalue("empty_ledger")
        broken = tmp_path / "a-lease-bad.json"
        lease = {
            "parcel": ["缙云经济开发区2099-9号"],
            "project": [project],
            "start_date": "2024-03-01",
            "annual_rent_wan": "10.00",
        }
        target = {
            "lease": ["缙云经济开发区2099-9号", "2024-03-01"],
            "indicator": "tax_per_mu",
            "target_value": "20.00",
        }
        broken.write_text(
            json.dumps(
                [
                    {"model": "projects.leaseagreement", "fields": lease},
                    {"model": "projects.leasetarget", "fields": target},
                ],
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        with pytest.raises(DeserializationError) as error:
            call_command("loaddata", str(broken), *sorted(glob("fixtures/*.json")), verbosity=0)
        message = str(error.value)
        assert "a-lease-bad.json" in message
        assert "record 1" in message and "LeaseAgreement" in message
        assert "parcel = ['缙云经济开发区2099-9号'] does not exist" in message
        assert InvestmentProject.objects.count() == 0


class TestArticleFigures:
    """The figures of the May 2025 article come out of plain queries on the fixtures."""

    def test_january_to_april_2025(self, demo):
        landed = InvestmentProject.objects.filter(
            landed_date__range=(date(2025, 1, 1), date(2025, 4, 30))
        )
        at_least_1yi = landed.filter(total_investment_wan__gte=10_000)
        assert at_least_1yi.count() == 10
        assert at_least_1yi.filter(total_investment_wan__gte=100_000).count() == 3
        total = at_least_1yi.aggregate(total=Sum("total_investment_wan"))["total"]
        assert total == Decimal("453200")

    def test_year_2024(self, demo):
        landed = InvestmentProject.objects.filter(landed_date__year=2024)
        assert landed.filter(total_investment_wan__gte=10_000).count() == 37
        assert landed.filter(total_investment_wan__gte=100_000).count() == 8

    def test_leased_manufacturing_projects_landed(self, demo):
        leased = InvestmentProject.objects.filter(
            leased_manufacturing=True, landed_date__isnull=False
        ).filter(total_investment_wan__gte=10_000)
        assert leased.count() == 36

    def test_named_projects_with_their_real_figures(self, demo):
        hanxi = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
        assert hanxi.total_investment_yi == Decimal("15.00")
        chumi = InvestmentProject.objects.get(name="湖南触米中大尺寸触摸屏生产线项目")
        assert chumi.total_investment_yi == Decimal("10.00")
        for project in (hanxi, chumi):
            assert date(2025, 1, 1) <= project.landed_date <= date(2025, 4, 30)
            assert not project.illustrative
        yongjiu = InvestmentProject.objects.get(company__name="江苏永久摩托车科技有限公司")
        assert yongjiu.total_investment_yi == Decimal("10.40")
        assert yongjiu.leased_manufacturing
        assert "年产25万台电动摩托车" in yongjiu.capacity
        parcel = yongjiu.parcels.get()
        assert parcel.code == "缙云经济开发区2025-1号"
        assert parcel.supply_mode == LandParcel.SupplyMode.LEASE_FIRST

    def test_parks_of_the_article(self, demo):
        for name in [
            "丽缙高新区",
            "缙云经济开发区",
            "壶镇特色智造产业园",
            "文化用品创意产业园",
            "智能短途交通产业园",
        ]:
            assert Park.objects.filter(name=name).exists(), name
        sub_parks = Park.objects.filter(parent__name="缙云经济开发区")
        assert {"新碧园区", "新建园区", "五东园区", "舒洪园区"} <= set(
            sub_parks.values_list("name", flat=True)
        )
        micro = Park.objects.filter(kind=Park.Kind.MICRO_PARK)
        assert micro.count() == 9
        assert micro.aggregate(total=Sum("floor_area_m2"))["total"] > 1_200_000
        assert {"游客智能制造产业园", "丽缙智能制造小微园"} <= set(
            micro.values_list("name", flat=True)
        )
        assert micro.filter(illustrative=True).count() == 7

    def test_named_firms(self, demo):
        for name in [
            "浙江臻泰能源科技有限公司",
            "浙江乐尚休闲用品有限公司",
            "浙江闪电智能科技有限公司",
            "浙江欧迪机械有限公司",
        ]:
            assert Company.objects.filter(name=name, illustrative=False).exists(), name

    def test_illustrative_rows_say_so(self, demo):
        for project in InvestmentProject.objects.filter(illustrative=True):
            assert "示例" in project.name
        for company in Company.objects.filter(illustrative=True):
            assert "示例" in company.name
