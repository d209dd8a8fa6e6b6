"""The rules of the data model, enforced both by validation and by the database."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from projects.models import (
    Company,
    InvestmentProject,
    LandParcel,
    Park,
    ProjectParcel,
    Sector,
    SizeTier,
)
from projects.units import m2_to_mu, mu_to_m2, wan_to_yi, yi_to_wan
from projects.validators import credit_code_check_character

pytestmark = pytest.mark.django_db


@pytest.fixture
def park():
    return Park.objects.create(name="测试园区", kind=Park.Kind.DEVELOPMENT_ZONE)


@pytest.fixture
def project(park):
    return InvestmentProject.objects.create(
        name="测试项目",
        company=Company.objects.create(name="测试企业有限公司"),
        sector=Sector.objects.create(name="测试产业", group=Sector.Group.LEADING),
        park=park,
        total_investment_wan=Decimal("20000"),
        source_zone=InvestmentProject.Zone.YANGTZE_DELTA,
        stage=InvestmentProject.Stage.LANDED,
        signed_date=date(2025, 1, 10),
        landed_date=date(2025, 2, 1),
    )


def assert_db_refuses(instance):
    """Saving without validation must still be refused by the database itself."""
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


def valid_credit_code(first17="91331122MA2A0B1C3"):
    return first17 + credit_code_check_character(first17)


class TestAmounts:
    def test_negative_investment_is_refused_next_to_the_field(self, project):
        project.total_investment_wan = Decimal("-1")
        with pytest.raises(ValidationError) as error:
            project.full_clean()
        assert "total_investment_wan" in error.value.message_dict
        assert_db_refuses(project)

    def test_fixed_investment_above_total_is_refused(self, project):
        project.fixed_investment_wan = project.total_investment_wan + 1
        with pytest.raises(ValidationError) as error:
            project.full_clean()
        assert "fixed_investment_wan" in error.value.message_dict
        assert_db_refuses(project)

    def test_negative_parcel_area_is_refused(self, park):
        parcel = LandParcel(code="P-1", park=park, area_m2=Decimal("-5"), supply_mode="auction")
        with pytest.raises(ValidationError) as error:
            parcel.full_clean()
        assert "area_m2" in error.value.message_dict
        assert_db_refuses(parcel)


class TestDates:
    def test_start_before_signing_is_refused_next_to_the_later_date(self, project):
        project.stage = InvestmentProject.Stage.STARTED
        project.land_supplied_date = date(2025, 2, 1)
        project.started_date = date(2024, 12, 1)
        with pytest.raises(ValidationError) as error:
            project.full_clean()
        assert "started_date" in error.value.message_dict
        assert "签约日期" in error.value.message_dict["started_date"][0]
        assert_db_refuses(project)

    def test_gap_in_dates_is_still_checked(self, project):
        """开工 is compared with 签约 even when the dates between are empty."""
        project.landed_date = None
        project.stage = InvestmentProject.Stage.SIGNED
        project.save()
        project.started_date = date(2025, 1, 1)
        assert_db_refuses(project)

    def test_current_stage_needs_its_date(self, project):
        project.stage = InvestmentProject.Stage.STARTED
        with pytest.raises(ValidationError) as error:
            project.full_clean()
        assert "started_date" in error.value.message_dict

    def test_date_of_a_stage_not_reached_is_refused(self, project):
        project.production_date = date(2026, 1, 1)
        with pytest.raises(ValidationError) as error:
            project.full_clean()
        assert "production_date" in error.value.message_dict

    def test_terminated_project_needs_its_termination_date(self, project):
        project.stage = InvestmentProject.Stage.TERMINATED
        with pytest.raises(ValidationError) as error:
            project.full_clean()
        assert "terminated_date" in error.value.message_dict

    def test_parcel_completion_before_start_is_refused(self, park):
        parcel = LandParcel(
            code="P-2",
            park=park,
            supply_mode="lease_first",
            start_date=date(2025, 6, 1),
            completion_date=date(2025, 5, 1),
        )
        with pytest.raises(ValidationError) as error:
            parcel.full_clean()
        assert "completion_date" in error.value.message_dict
        assert_db_refuses(parcel)

    def test_plot_ratio_max_below_min_is_refused(self, park):
        parcel = LandParcel(
            code="P-3",
            park=park,
            supply_mode="auction",
            plot_ratio_min=Decimal("2.0"),
            plot_ratio_max=Decimal("1.2"),
        )
        with pytest.raises(ValidationError) as error:
            parcel.full_clean()
        assert "plot_ratio_max" in error.value.message_dict
        assert_db_refuses(parcel)


class TestCreditCode:
    def test_valid_code_and_blank_are_accepted(self):
        Company(name="甲", credit_code=valid_credit_code()).full_clean()
        Company(name="乙", credit_code="").full_clean()

    @pytest.mark.parametrize(
        "code, message",
        [
            ("91331122MA2A0B1C", "18位"),
            ("91331122MA2A0B1CIO", "不允许的字符"),
            ("91ABCDEFMA2A0B1C30", "行政区划"),
        ],
    )
    def test_malformed_code_is_refused_with_a_reason(self, code, message):
        with pytest.raises(ValidationError) as error:
            Company(name="甲", credit_code=code).full_clean()
        assert message in error.value.message_dict["credit_code"][0]

    def test_wrong_check_character_is_refused(self):
        code = valid_credit_code()
        wrong = "0" if code[-1] != "0" else "1"
        with pytest.raises(ValidationError) as error:
            Company(name="甲", credit_code=code[:-1] + wrong).full_clean()
        assert "校验位" in error.value.message_dict["credit_code"][0]

    def test_known_published_code_passes(self):
        # A code printed on a real business licence (Alibaba (China) Co., Ltd.).
        assert credit_code_check_character("91330100799655058") == "B"

    def test_two_companies_cannot_share_a_code(self):
        code = valid_credit_code()
        Company.objects.create(name="甲", credit_code=code)
        with pytest.raises(ValidationError):
            Company(name="乙", credit_code=code).full_clean()
        assert_db_refuses(Company(name="乙", credit_code=code))

    def test_many_companies_may_have_no_code(self):
        Company.objects.create(name="甲")
        Company.objects.create(name="乙")
        assert Company.objects.filter(name__in=["甲", "乙"], credit_code="").count() == 2


class TestUniqueness:
    def test_duplicate_parcel_code_is_refused(self, park):
        LandParcel.objects.create(code="测试园区2099-1号", park=park, supply_mode="lease_first")
        duplicate = LandParcel(code="测试园区2099-1号", park=park, supply_mode="auction")
        with pytest.raises(ValidationError) as error:
            duplicate.full_clean()
        assert "code" in error.value.message_dict
        assert_db_refuses(duplicate)

    def test_duplicate_project_name_is_refused(self, project):
        project.pk = None
        assert_db_refuses(project)


class TestParks:
    def test_park_cannot_be_its_own_parent(self, park):
        park.parent = park
        with pytest.raises(ValidationError):
            park.full_clean()
        assert_db_refuses(park)

    def test_parent_chain_cannot_loop(self, park):
        child = Park.objects.create(name="子园区", kind=Park.Kind.INDUSTRIAL_PARK, parent=park)
        park.parent = child
        with pytest.raises(ValidationError) as error:
            park.full_clean()
        assert "parent" in error.value.message_dict


class TestProtection:
    def test_park_with_parcels_cannot_be_deleted(self, park):
        LandParcel.objects.create(code="P-9", park=park, supply_mode="auction")
        with pytest.raises(ProtectedError):
            park.delete()

    def test_parcel_used_by_a_project_cannot_be_deleted(self, project, park):
        parcel = LandParcel.objects.create(code="P-10", park=park, supply_mode="auction")
        ProjectParcel.objects.create(project=project, parcel=parcel)
        with pytest.raises(ProtectedError):
            parcel.delete()
        assert list(project.parcels.all()) == [parcel]

    def test_deleting_a_project_keeps_its_parcel(self, project, park):
        parcel = LandParcel.objects.create(code="P-11", park=park, supply_mode="auction")
        ProjectParcel.objects.create(project=project, parcel=parcel)
        project.delete()
        assert LandParcel.objects.filter(code="P-11").exists()


class TestSizeTier:
    @pytest.mark.parametrize(
        "amount_wan, tier",
        [
            ("0", SizeTier.BELOW_100M),
            ("9999.99", SizeTier.BELOW_100M),
            ("10000", SizeTier.FROM_100M),
            ("99999.99", SizeTier.FROM_100M),
            ("100000", SizeTier.FROM_1B),
            ("1500000", SizeTier.FROM_1B),
        ],
    )
    def test_boundaries_are_inclusive_in_python_and_sql_filters(self, project, amount_wan, tier):
        project.total_investment_wan = Decimal(amount_wan)
        project.save()
        assert project.size_tier == tier
        assert InvestmentProject.objects.filter(SizeTier.q(tier)).filter(pk=project.pk).exists()
        others = [other for other in SizeTier if other != tier]
        for other in others:
            assert not InvestmentProject.objects.filter(SizeTier.q(other), pk=project.pk).exists()


class TestUnits:
    def test_one_hectare_is_fifteen_mu(self):
        assert m2_to_mu(Decimal("10000")) == Decimal("15.00")

    def test_one_mu_is_about_666_67_square_metres(self):
        assert m2_to_mu(Decimal("666.67")) == Decimal("1.00")
        assert mu_to_m2(Decimal("15")) == Decimal("10000")

    def test_wan_and_yi(self):
        assert wan_to_yi(Decimal("453200")) == Decimal("45.32")
        assert wan_to_yi(Decimal("104000")) == Decimal("10.40")
        assert wan_to_yi(Decimal("12345")) == Decimal("1.23")
        assert wan_to_yi(Decimal("12350")) == Decimal("1.24")
        assert yi_to_wan(Decimal("1.5")) == Decimal("15000")

    def test_project_shows_amount_in_yi(self, project):
        assert project.total_investment_yi == Decimal("2.00")


class TestMoreRules:
    def test_termination_date_needs_the_terminated_stage(self, project):
        project.terminated_date = date(2025, 6, 1)
        with pytest.raises(ValidationError) as error:
            project.full_clean()
        assert "terminated_date" in error.value.message_dict

    def test_termination_before_signing_is_refused_next_to_the_field(self, project):
        project.stage = InvestmentProject.Stage.TERMINATED
        project.landed_date = None
        project.terminated_date = date(2024, 1, 1)
        with pytest.raises(ValidationError) as error:
            project.full_clean()
        assert "签约日期" in error.value.message_dict["terminated_date"][0]

    def test_parcel_term_of_zero_years_is_refused_next_to_the_field(self, park):
        parcel = LandParcel(code="P-20", park=park, supply_mode="auction", term_years=0)
        with pytest.raises(ValidationError) as error:
            parcel.full_clean()
        assert "term_years" in error.value.message_dict

    def test_park_tree_survives_a_loop_written_behind_its_back(self, park):
        child = Park.objects.create(name="子园区", kind=Park.Kind.INDUSTRIAL_PARK, parent=park)
        Park.objects.filter(pk=park.pk).update(parent=child)
        tree = Park.objects.tree()
        assert tree.subtree(park.pk) == [park.pk, child.pk]
        park.refresh_from_db()
        park.name = "改名"
        with pytest.raises(ValidationError):
            park.full_clean()
