"""The 先租后供 lifecycle: targets, assessments from raw figures, decisions and their effects."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from projects import services
from projects.models import (
    Assessment,
    Decision,
    Indicator,
    IndicatorResult,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
    LeaseTarget,
    Park,
    ProjectParcel,
)
from projects.models.leases import add_years, months_between

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)
FIFTY_MU = Decimal("33333.33")  # 50 亩


@pytest.fixture
def fixed_today(monkeypatch):
    """Run the lease rules on a known day."""
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    return TODAY


@pytest.fixture
def lease(demo, fixed_today):
    """A lease of 50 亩 from 2022-01-10 with three targets, on a new parcel of its own."""
    park = Park.objects.get(name="新碧园区")
    parcel = LandParcel.objects.create(
        code="测试2022-1号",
        park=park,
        area_m2=FIFTY_MU,
        supply_mode=LandParcel.SupplyMode.LEASE_FIRST,
        status=LandParcel.Status.LEASED,
    )
    existing = InvestmentProject.objects.filter(leased_manufacturing=True).first()
    project = InvestmentProject.objects.create(
        name="测试租赁制造业项目",
        company=existing.company,
        sector=existing.sector,
        park=park,
        total_investment_wan=Decimal("20000"),
        source_zone=existing.source_zone,
        stage=InvestmentProject.Stage.LAND_SUPPLIED,
        signed_date=date(2021, 12, 1),
        landed_date=date(2021, 12, 20),
        land_supplied_date=date(2022, 1, 10),
        leased_manufacturing=True,
    )
    lease = LeaseAgreement.objects.create(
        parcel=parcel,
        project=project,
        start_date=date(2022, 1, 10),
        annual_rent_wan=Decimal("40"),
        rent_deductible=True,
        start_deadline=date(2022, 7, 10),
        completion_deadline=date(2024, 1, 10),
        production_deadline=date(2024, 7, 10),
    )
    for indicator, direction, value in [
        (Indicator.INVESTMENT_INTENSITY, "at_least", "300"),
        (Indicator.TAX_PER_MU, "at_least", "25"),
        (Indicator.PLOT_RATIO, "at_least", "1.2"),
    ]:
        LeaseTarget.objects.create(
            lease=lease, indicator=indicator, direction=direction, target_value=Decimal(value)
        )
    return lease


def assess(lease, *, tax="1250", investment="15000", floor="40000", on=date(2026, 11, 1), **more):
    """Record a term-end assessment: by default exactly on every target of the fixture."""
    return services.record_assessment(
        lease,
        kind=Assessment.Kind.TERM_END,
        assessed_on=on,
        assessor="联合考核组",
        fixed_investment_wan=Decimal(investment),
        tax_wan=Decimal(tax),
        floor_area_m2=Decimal(floor),
        **more,
    )


def results(assessment) -> dict:
    return {result.indicator: result for result in assessment.results.all()}


class TestDerivedDates:
    def test_end_date_is_start_plus_term(self, lease):
        assert lease.end_date == date(2027, 1, 10)

    def test_29_february_ends_on_28_february(self):
        assert add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)

    def test_whole_months(self):
        assert months_between(date(2022, 1, 10), date(2022, 7, 9)) == 5
        assert months_between(date(2022, 1, 10), date(2022, 7, 10)) == 6
        assert months_between(date(2022, 1, 10), date(2021, 1, 1)) == 0


class TestIndicators:
    def test_indicators_are_computed_from_raw_figures_and_area(self, lease):
        assessment = assess(lease, tax="1300", investment="16000", floor="50000")
        computed = results(assessment)
        assert computed[Indicator.INVESTMENT_INTENSITY].actual_value == Decimal("320.00")
        assert computed[Indicator.TAX_PER_MU].actual_value == Decimal("26.00")
        assert computed[Indicator.PLOT_RATIO].actual_value == Decimal("1.50")
        assert assessment.area_m2 == lease.parcel.area_m2

    def test_exactly_on_target_passes(self, lease):
        assessment = assess(lease)  # 15000/50 = 300, 1250/50 = 25, 40000/33333.33 = 1.20
        assert all(result.passed for result in assessment.results.all())
        assert assessment.passed
        assert results(assessment)[Indicator.TAX_PER_MU].margin == 0

    def test_just_below_target_fails_with_a_negative_margin(self, lease):
        assessment = assess(lease, tax="1249.50")
        tax = results(assessment)[Indicator.TAX_PER_MU]
        assert tax.actual_value == Decimal("24.99")
        assert not tax.passed
        assert tax.margin == Decimal("-0.01")
        assert not assessment.passed

    def test_at_most_target(self, lease):
        LeaseTarget.objects.create(
            lease=lease,
            indicator=Indicator.ENERGY_PER_OUTPUT,
            direction="at_most",
            target_value=Decimal("0.05"),
        )
        assessment = assess(lease, output_wan=Decimal("20000"), energy_tce=Decimal("1000"))
        assert results(assessment)[Indicator.ENERGY_PER_OUTPUT].passed  # 0.05 ≤ 0.05
        assert results(assessment)[Indicator.ENERGY_PER_OUTPUT].margin == 0

    def test_a_figure_a_target_needs_is_required_beside_its_field(self, lease):
        LeaseTarget.objects.create(
            lease=lease, indicator=Indicator.RD_SHARE, target_value=Decimal("3")
        )
        with pytest.raises(ValidationError) as error:
            services.record_assessment(
                lease,
                kind=Assessment.Kind.ANNUAL,
                assessed_on=date(2026, 10, 1),
                assessor="县经济商务局",
                tax_wan=Decimal("2000"),
                rd_expense_wan=Decimal("600"),
            )
        # R&D share is R&D spending over output: both figures are needed.
        assert set(error.value.message_dict) == {
            "fixed_investment_wan",
            "floor_area_m2",
            "output_wan",
        }
        assert "投资强度" in error.value.message_dict["fixed_investment_wan"][0]
        assert not lease.assessments.exists()

    def test_a_figure_no_target_needs_may_be_left_blank(self, lease):
        assessment = assess(lease)
        assert assessment.output_wan is None and assessment.energy_tce is None
        assert assessment.passed

    def test_a_blank_assessment_form_is_refused_and_cannot_lead_to_reclaiming(
        self, lease, staff_client
    ):
        url = reverse("projects:lease", args=[lease.pk])
        response = staff_client.post(
            url,
            {
                "action": "assess",
                "assess-kind": "term_end",
                "assess-assessed_on": "2026-11-01",
                "assess-assessor": "联合考核组",
            },
        )
        assert response.status_code == 200
        errors = response.context["assess_form"].errors
        assert set(errors) == {"fixed_investment_wan", "tax_wan", "floor_area_m2"}
        assert "须填写年度税收（万元）" in errors["tax_wan"][0]
        assert not lease.assessments.exists()
        assert not response.context["can_decide"]

    @pytest.mark.parametrize("area", [None, Decimal(0)])
    def test_parcel_without_area_is_refused_with_a_message(self, lease, area):
        LandParcel.objects.filter(pk=lease.parcel_id).update(area_m2=area)
        with pytest.raises(ValidationError, match="面积缺失或为0"):
            assess(lease)
        assert not lease.assessments.exists()

    def test_changing_targets_later_does_not_rewrite_a_past_assessment(self, lease):
        assessment = assess(lease)
        LeaseTarget.objects.filter(lease=lease, indicator=Indicator.TAX_PER_MU).update(
            target_value=Decimal("100")
        )
        LandParcel.objects.filter(pk=lease.parcel_id).update(area_m2=FIFTY_MU * 2)
        assessment.refresh_from_db()
        tax = results(assessment)[Indicator.TAX_PER_MU]
        assert (tax.target_value, tax.actual_value, tax.passed) == (Decimal(25), Decimal(25), True)

    def test_assessment_moves_the_lease_to_assessing(self, lease):
        assess(lease)
        lease.refresh_from_db()
        assert lease.status == LeaseAgreement.Status.ASSESSING

    def test_assessment_date_in_the_future_is_refused(self, lease, fixed_today):
        with pytest.raises(ValidationError) as error:
            assess(lease, on=fixed_today + timedelta(days=1))
        assert "assessed_on" in error.value.message_dict


class TestDecisions:
    def test_conversion_deducts_the_rent_paid(self, lease):
        assessment = assess(lease)
        decision = services.decide(
            assessment,
            kind=Decision.Kind.CONVERT,
            decided_on=date(2026, 11, 20),
            reason="达标",
            transfer_price_wan=Decimal("1100"),
        )
        # 2022-01-10 → 2026-11-20 is 58 whole months of 40 万元 a year.
        assert decision.rent_deduction_wan == Decimal("193.33")
        assert decision.payable_wan == Decimal("906.67")
        lease.refresh_from_db()
        parcel = lease.parcel
        parcel.refresh_from_db()
        assert lease.status == LeaseAgreement.Status.CONVERTED
        assert parcel.status == LandParcel.Status.SUPPLIED
        assert parcel.price_wan == Decimal("1100")

    def test_conversion_without_deduction(self, lease):
        LeaseAgreement.objects.filter(pk=lease.pk).update(rent_deductible=False)
        decision = services.decide(
            assess(lease),
            kind=Decision.Kind.CONVERT,
            decided_on=date(2026, 11, 20),
            reason="达标",
            transfer_price_wan=Decimal("1100"),
        )
        assert decision.rent_deduction_wan == 0
        assert decision.payable_wan == Decimal("1100")

    def test_deduction_never_exceeds_the_full_term_or_the_price(self, lease, fixed_today):
        LeaseAgreement.objects.filter(pk=lease.pk).update(annual_rent_wan=Decimal("500"))
        decision = services.decide(
            assess(lease),
            kind=Decision.Kind.CONVERT,
            decided_on=date(2026, 11, 27),
            reason="达标",
            transfer_price_wan=Decimal("1000"),
        )
        assert decision.rent_deduction_wan == Decimal("2416.67")  # 58 months, under 60
        assert decision.payable_wan == 0

    def test_no_conversion_without_a_passed_assessment(self, lease):
        assessment = assess(lease, tax="100")
        with pytest.raises(ValidationError, match="不能转为出让"):
            services.decide(
                assessment,
                kind=Decision.Kind.CONVERT,
                decided_on=date(2026, 11, 20),
                reason="?",
                transfer_price_wan=Decimal("1100"),
            )
        lease.refresh_from_db()
        assert lease.status == LeaseAgreement.Status.ASSESSING
        assert not Decision.objects.filter(assessment=assessment).exists()

    def test_conversion_needs_a_price(self, lease):
        with pytest.raises(ValidationError) as error:
            services.decide(
                assess(lease),
                kind=Decision.Kind.CONVERT,
                decided_on=date(2026, 11, 20),
                reason="达标",
            )
        assert "transfer_price_wan" in error.value.message_dict

    def test_remediation_sets_a_new_deadline(self, lease):
        decision = services.decide(
            assess(lease, tax="800"),
            kind=Decision.Kind.REMEDIATE,
            decided_on=date(2026, 11, 20),
            reason="税收不足",
            new_deadline=date(2027, 5, 20),
        )
        assert decision.extension_months == 6
        lease.refresh_from_db()
        assert lease.status == LeaseAgreement.Status.REMEDIATION
        assert lease.remediation_deadline == date(2027, 5, 20)

    def test_remediation_deadline_must_come_after_the_decision(self, lease):
        with pytest.raises(ValidationError) as error:
            services.decide(
                assess(lease, tax="800"),
                kind=Decision.Kind.REMEDIATE,
                decided_on=date(2026, 11, 20),
                reason="税收不足",
                new_deadline=date(2026, 11, 20),
            )
        assert "new_deadline" in error.value.message_dict

    def test_remediation_then_reassessment_then_conversion(self, lease, fixed_today):
        services.decide(
            assess(lease, tax="800", on=date(2026, 6, 1)),
            kind=Decision.Kind.REMEDIATE,
            decided_on=date(2026, 6, 10),
            reason="税收不足",
            new_deadline=date(2026, 12, 10),
        )
        second = assess(lease, on=date(2026, 11, 15))
        services.decide(
            second,
            kind=Decision.Kind.CONVERT,
            decided_on=date(2026, 11, 20),
            reason="整改后达标",
            transfer_price_wan=Decimal("1100"),
        )
        lease.refresh_from_db()
        assert lease.status == LeaseAgreement.Status.CONVERTED

    def test_reclaim_returns_the_parcel_to_the_reserve_and_flags_the_project(
        self, lease, staff_client
    ):
        ProjectParcel.objects.create(project=lease.project, parcel=lease.parcel)
        services.decide(
            assess(lease, tax="100"),
            kind=Decision.Kind.RECLAIM,
            decided_on=date(2026, 11, 20),
            reason="不达标",
        )
        lease.refresh_from_db()
        lease.parcel.refresh_from_db()
        assert lease.status == LeaseAgreement.Status.RECLAIMED
        assert lease.parcel.status == LandParcel.Status.RESERVE
        page = staff_client.get(lease.project.get_absolute_url())
        assert "本项目的先租后供用地已于2026-11-20决定收回" in page.text
        assert page.context["parcels"].paginator.count == 0
        (latest, *_older) = page.context["history"]
        assert latest.reason == "先租后供用地收回"
        assert latest.fields == [("租赁制造业项目", "是", "否")]
        parcel_page = staff_client.get(lease.parcel.get_absolute_url())
        assert parcel_page.context["projects"].paginator.count == 0
        assert "尚无项目使用本地块" in parcel_page.text

    def test_the_project_page_says_so_in_english(self, lease, staff_client):
        services.decide(
            assess(lease, tax="100"),
            kind=Decision.Kind.RECLAIM,
            decided_on=date(2026, 11, 20),
            reason="不达标",
        )
        page = staff_client.get(lease.project.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        assert "reclaimed by a decision of 2026-11-20" in page.text
        assert "Lease-first land reclaimed" in page.text

    def test_a_reclaimed_project_no_longer_counts_as_leased_manufacturing(
        self, lease, staff_client
    ):
        def leased_card() -> int:
            response = staff_client.get("/", {"start": "2025-01-01", "end": "2025-04-30"})
            return response.context["cards"]["leased"]["count"]

        assert leased_card() == 37  # the demo's 36 and this lease's project
        services.decide(
            assess(lease, tax="100"),
            kind=Decision.Kind.RECLAIM,
            decided_on=date(2026, 11, 20),
            reason="不达标",
        )
        assert leased_card() == 36
        lease.project.refresh_from_db()
        assert not lease.project.leased_manufacturing

    def test_a_project_that_still_leases_other_land_still_counts(self, lease, staff_client):
        other = LandParcel.objects.create(
            code="测试2022-2号",
            park=lease.parcel.park,
            area_m2=FIFTY_MU,
            supply_mode=LandParcel.SupplyMode.LEASE_FIRST,
            status=LandParcel.Status.LEASED,
        )
        LeaseAgreement.objects.create(
            parcel=other,
            project=lease.project,
            start_date=date(2023, 1, 1),
            annual_rent_wan=Decimal("40"),
        )
        services.decide(
            assess(lease, tax="100"),
            kind=Decision.Kind.RECLAIM,
            decided_on=date(2026, 11, 20),
            reason="不达标",
        )
        lease.project.refresh_from_db()
        assert lease.project.leased_manufacturing
        latest = lease.project.history.latest()
        assert latest.history_change_reason == "先租后供用地收回"

    @pytest.mark.parametrize("kind", [Decision.Kind.REMEDIATE, Decision.Kind.RECLAIM])
    def test_a_passed_assessment_cannot_be_remediated_or_reclaimed(self, lease, kind):
        with pytest.raises(ValidationError, match="全部达标"):
            services.decide(
                assess(lease),
                kind=kind,
                decided_on=date(2026, 11, 20),
                reason="?",
                new_deadline=date(2027, 5, 1),
            )

    def test_no_decision_twice(self, lease):
        assessment = assess(lease, tax="800")
        services.decide(
            assessment,
            kind=Decision.Kind.REMEDIATE,
            decided_on=date(2026, 11, 20),
            reason="税收不足",
            new_deadline=date(2027, 5, 20),
        )
        with pytest.raises(ValidationError, match="不能重复决定"):
            services.decide(
                assessment,
                kind=Decision.Kind.REMEDIATE,
                decided_on=date(2026, 11, 21),
                reason="again",
                new_deadline=date(2027, 6, 20),
            )

    def test_only_the_latest_assessment_can_be_decided(self, lease):
        older = assess(lease, tax="800", on=date(2026, 10, 1))
        assess(lease, on=date(2026, 11, 1))
        with pytest.raises(ValidationError, match="最近一次考核"):
            services.decide(
                older, kind=Decision.Kind.RECLAIM, decided_on=date(2026, 11, 20), reason="?"
            )

    @pytest.mark.parametrize(
        "kind, extra",
        [
            (Decision.Kind.RECLAIM, {}),
            (Decision.Kind.CONVERT, {"transfer_price_wan": Decimal("1100")}),
        ],
    )
    def test_a_closed_lease_takes_no_more_assessments(self, lease, kind, extra):
        assessment = assess(lease, tax="100" if kind == Decision.Kind.RECLAIM else "1250")
        services.decide(assessment, kind=kind, decided_on=date(2026, 11, 20), reason="…", **extra)
        with pytest.raises(ValidationError, match="不能再考核"):
            assess(lease, on=date(2026, 11, 25))

    def test_a_failure_mid_decision_leaves_nothing_changed(self, lease, monkeypatch):
        assessment = assess(lease, tax="100")

        def broken_save(self, *args, **kwargs):
            raise IntegrityError("disk full")

        monkeypatch.setattr(LandParcel, "save", broken_save)
        with pytest.raises(IntegrityError):
            services.decide(
                assessment, kind=Decision.Kind.RECLAIM, decided_on=date(2026, 11, 20), reason="…"
            )
        lease.refresh_from_db()
        assert lease.status == LeaseAgreement.Status.ASSESSING
        assert not Decision.objects.filter(assessment=assessment).exists()
        assert LandParcel.objects.get(pk=lease.parcel_id).status == LandParcel.Status.LEASED

    def test_a_failure_mid_assessment_leaves_nothing(self, lease, monkeypatch):
        def broken_bulk_create(*args, **kwargs):
            raise IntegrityError("disk full")

        monkeypatch.setattr(IndicatorResult.objects, "bulk_create", broken_bulk_create)
        with pytest.raises(IntegrityError):
            assess(lease)
        assert not lease.assessments.exists()
        lease.refresh_from_db()
        assert lease.status == LeaseAgreement.Status.LEASING


class TestDueAndOverdue:
    def test_end_of_term_within_the_window_at_both_boundaries(self, lease, fixed_today):
        # The lease ends on 2027-01-10, 44 days after 2026-11-27.
        assert lease in LeaseAgreement.objects.due_within(44, fixed_today)
        assert lease not in LeaseAgreement.objects.due_within(43, fixed_today)
        assert lease in LeaseAgreement.objects.due_within(0, date(2027, 1, 10))
        assert lease not in LeaseAgreement.objects.due_within(90, date(2027, 1, 11))

    def test_deadline_passed_without_the_stage_is_overdue(self, lease, fixed_today):
        LeaseAgreement.objects.filter(pk=lease.pk).update(
            start_deadline=date(2026, 11, 26), completion_deadline=None, production_deadline=None
        )
        assert lease in LeaseAgreement.objects.overdue(fixed_today)
        LeaseAgreement.objects.filter(pk=lease.pk).update(start_deadline=date(2026, 11, 27))
        assert lease not in LeaseAgreement.objects.overdue(fixed_today)
        assert lease in LeaseAgreement.objects.due_within(0, fixed_today)

    def test_a_deadline_met_is_not_overdue(self, lease, fixed_today):
        InvestmentProject.objects.filter(pk=lease.project_id).update(
            started_date=date(2022, 6, 1),
            completed_date=date(2023, 12, 1),
            production_date=date(2024, 3, 1),
        )
        assert lease not in LeaseAgreement.objects.overdue(fixed_today)

    def test_closed_leases_are_never_due(self, lease, fixed_today):
        services.decide(
            assess(lease, tax="100"),
            kind=Decision.Kind.RECLAIM,
            decided_on=date(2026, 11, 20),
            reason="…",
        )
        assert lease not in LeaseAgreement.objects.due_within(3650, fixed_today)
        assert lease not in LeaseAgreement.objects.overdue(date(2040, 1, 1))

    def test_remediation_deadline_counts_while_in_remediation(self, lease, fixed_today):
        InvestmentProject.objects.filter(pk=lease.project_id).update(
            started_date=date(2022, 6, 1),
            completed_date=date(2023, 12, 1),
            production_date=date(2024, 3, 1),
        )
        services.decide(
            assess(lease, tax="800"),
            kind=Decision.Kind.REMEDIATE,
            decided_on=date(2026, 11, 20),
            reason="…",
            new_deadline=date(2026, 12, 1),
        )
        assert lease in LeaseAgreement.objects.due_within(4, fixed_today)
        assert lease in LeaseAgreement.objects.overdue(date(2026, 12, 2))


class TestAttention:
    def test_it_is_the_overdue_and_the_due_soon_together(self, demo):
        for today in (date(2025, 6, 1), date(2026, 11, 27), date(2027, 3, 1)):
            attention = set(LeaseAgreement.objects.needing_attention(90, today))
            due = set(LeaseAgreement.objects.due_within(90, today))
            overdue = set(LeaseAgreement.objects.overdue(today))
            assert attention == due | overdue
            if today == date(2026, 11, 27):
                assert due - overdue and overdue - due

    def test_the_next_deadline_is_the_date_that_lists_the_lease(self, lease, fixed_today):
        # The project has not started: its 开工 deadline, 2022-07-10, passed long ago.
        deadline = lease.next_deadline(fixed_today)
        assert (deadline.label, deadline.when) == ("开工期限", date(2022, 7, 10))
        assert deadline.days_left == -(fixed_today - date(2022, 7, 10)).days
        assert deadline.overdue
        assert deadline.distance() == f"逾期{-deadline.days_left}天"

    def test_days_left_today_and_ahead(self, lease, fixed_today):
        InvestmentProject.objects.filter(pk=lease.project_id).update(
            started_date=date(2022, 6, 1),
            completed_date=date(2023, 12, 1),
            production_date=date(2024, 3, 1),
        )
        lease.refresh_from_db()
        deadline = lease.next_deadline(fixed_today)
        assert (deadline.label, deadline.when, deadline.days_left) == (
            "租期届满",
            date(2027, 1, 10),
            44,
        )
        assert deadline.distance() == "还有44天"
        assert lease.next_deadline(date(2027, 1, 10)).distance() == "今天到期"
        with translation.override("en"):
            assert deadline.distance() == "44 days left"
            assert lease.next_deadline(date(2027, 1, 11)).distance() == "1 day overdue"

    def test_a_closed_lease_has_no_next_deadline(self, lease, fixed_today):
        services.decide(
            assess(lease, tax="100"),
            kind=Decision.Kind.RECLAIM,
            decided_on=date(2026, 11, 20),
            reason="…",
        )
        lease.refresh_from_db()
        assert lease.next_deadline(fixed_today) is None
        assert lease.next_date is None  # as the database keeps it

    def test_the_database_finds_the_same_next_date(self, demo):
        leases = LeaseAgreement.objects.select_related("project")
        checked = 0
        for lease in leases:
            deadline = lease.next_deadline(date(2026, 11, 27))
            assert lease.next_date == (deadline.when if deadline else None), lease
            checked += deadline is not None
        assert checked > 10


class TestConstraints:
    def test_one_active_lease_per_parcel(self, lease):
        second = LeaseAgreement(
            parcel=lease.parcel,
            project=lease.project,
            start_date=date(2023, 1, 1),
            annual_rent_wan=Decimal("10"),
        )
        with pytest.raises(ValidationError):
            second.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            second.save()

    def test_deadlines_in_order(self, lease):
        lease.completion_deadline = date(2022, 3, 1)
        with pytest.raises(ValidationError) as error:
            lease.full_clean()
        assert "completion_deadline" in error.value.message_dict

    def test_lease_needs_a_lease_first_parcel(self, lease):
        lease.parcel = LandParcel.objects.exclude(
            supply_mode__in=["lease_first", "lease_and_transfer"]
        ).first()
        with pytest.raises(ValidationError) as error:
            lease.full_clean()
        assert "parcel" in error.value.message_dict

    def test_negative_rent_is_refused(self, lease):
        lease.annual_rent_wan = Decimal("-1")
        with pytest.raises(ValidationError):
            lease.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            lease.save()


class TestDemoLeases:
    def test_the_demo_covers_every_status(self, demo):
        statuses = set(LeaseAgreement.objects.values_list("status", flat=True))
        assert statuses == set(LeaseAgreement.Status.values)

    def test_the_yongjiu_lease(self, demo):
        lease = LeaseAgreement.objects.get(parcel__code="缙云经济开发区2025-1号")
        assert lease.company.name == "江苏永久摩托车科技有限公司"
        assert not lease.illustrative
        assert lease.targets.count() >= 4

    def test_demo_end_dates_follow_from_start_and_term(self, demo):
        for lease in LeaseAgreement.objects.all():
            assert lease.end_date == add_years(lease.start_date, lease.term_years)

    def test_demo_results_match_a_fresh_computation(self, demo):
        for result in IndicatorResult.objects.select_related("assessment"):
            assert result.actual_value == result.assessment.actual_value(result.indicator)


class TestPages:
    def test_list_filters_due_and_overdue(self, demo, staff_client):
        today = timezone.localdate()
        due = staff_client.get("/leases/", {"due_within": 90})
        expected = LeaseAgreement.objects.due_within(90, today)
        assert {row.record.pk for row in due.context["table"].rows} == set(
            expected.values_list("pk", flat=True)
        )
        overdue = staff_client.get("/leases/", {"overdue": "true"})
        assert overdue.context["summary"]["count"] == LeaseAgreement.objects.overdue(today).count()

    def test_list_filters_the_leases_needing_attention(self, demo, staff_client):
        today = timezone.localdate()
        response = staff_client.get("/leases/", {"attention": 90})
        expected = set(LeaseAgreement.objects.due_within(90, today)) | set(
            LeaseAgreement.objects.overdue(today)
        )
        assert response.context["summary"]["count"] == len(expected) > 0
        assert {row.record for row in response.context["table"].rows} == expected
        bad = staff_client.get("/leases/", {"attention": "-1"})
        assert bad.status_code == 200 and bad.context["filter_invalid"]
        assert "attention" in bad.context["filter"].form.errors

    def test_list_shows_each_next_date_with_its_days_and_sorts_by_it(self, demo, staff_client):
        today = timezone.localdate()
        response = staff_client.get("/leases/", {"attention": 90, "sort": "next_date"})
        rows = [row.record for row in response.context["table"].rows]
        deadlines = [lease.next_deadline(today) for lease in rows]
        assert [deadline.when for deadline in deadlines] == sorted(
            deadline.when for deadline in deadlines
        )
        for deadline in deadlines:
            assert f"{deadline.when:%Y-%m-%d} {deadline.label}" in response.text
            assert deadline.distance() in response.text

    def test_home_lists_the_leases_needing_attention(self, demo, staff_client):
        today = timezone.localdate()
        response = staff_client.get("/")
        listed = response.context["attention"]
        expected = LeaseAgreement.objects.needing_attention(90, today)
        assert [lease for lease, _deadline in listed] == sorted(
            expected, key=lambda lease: (lease.next_deadline(today).when, lease.pk)
        )
        assert any(deadline.overdue for _lease, deadline in listed)
        assert any(not deadline.overdue for _lease, deadline in listed)
        for lease, deadline in listed:
            assert deadline == lease.next_deadline(today)
            assert deadline.when <= today + timedelta(days=90)
            assert f"{deadline.when:%Y-%m-%d} {deadline.label}" in response.text
            assert f'data-days="{deadline.days_left}">{deadline.distance()}<' in response.text
        link = "/leases/?attention=90&amp;sort=next_date"
        assert link in response.text
        listing = staff_client.get("/leases/", {"attention": 90, "sort": "next_date"})
        assert listing.context["summary"]["count"] == response.context["attention_count"]
        assert f"查看全部 {len(listed)} 份" in response.text

    def test_list_filters_status_and_bad_input(self, demo, staff_client):
        response = staff_client.get("/leases/", {"status": "reclaimed"})
        assert response.context["summary"]["count"] == 1
        bad = staff_client.get("/leases/", {"due_within": "soon"})
        assert bad.status_code == 200 and bad.context["filter_invalid"]

    def test_record_an_assessment_and_a_decision_through_the_page(self, lease, staff_client):
        url = reverse("projects:lease", args=[lease.pk])
        response = staff_client.post(
            url,
            {
                "action": "assess",
                "assess-kind": "term_end",
                "assess-assessed_on": "2026-11-01",
                "assess-assessor": "联合考核组",
                "assess-fixed_investment_wan": "15000",
                "assess-tax_wan": "1000",
                "assess-floor_area_m2": "40000",
            },
        )
        assert response.status_code == 302
        page = staff_client.get(url)
        assert "20.00" in page.text  # 亩均税收 1000 / 50
        assert "table-danger" in page.text
        response = staff_client.post(
            url,
            {
                "action": "decide",
                "decide-kind": "reclaim",
                "decide-decided_on": "2026-11-20",
                "decide-reason": "亩均税收不达标",
            },
        )
        assert response.status_code == 302
        lease.refresh_from_db()
        assert lease.status == LeaseAgreement.Status.RECLAIMED
        assert LandParcel.objects.get(pk=lease.parcel_id).status == LandParcel.Status.RESERVE
        assert Decision.objects.get(assessment__lease=lease).decided_by.username == "admin"

    def test_an_illegal_decision_shows_why_and_keeps_the_input(self, lease, staff_client):
        assess(lease, tax="100")
        url = reverse("projects:lease", args=[lease.pk])
        response = staff_client.post(
            url,
            {
                "action": "decide",
                "decide-kind": "convert",
                "decide-decided_on": "2026-11-20",
                "decide-reason": "我想转为出让",
                "decide-transfer_price_wan": "1100",
            },
        )
        assert response.status_code == 200
        assert "不能转为出让" in response.text
        assert "我想转为出让" in response.text
        lease.refresh_from_db()
        assert lease.status == LeaseAgreement.Status.ASSESSING

    @pytest.mark.parametrize(
        "kind, tax, field, message",
        [
            ("convert", "1250", "transfer_price_wan", "转为出让须填写出让价款。"),
            ("remediate", "100", "new_deadline", "整改延期须填写整改期限。"),
        ],
    )
    def test_a_decision_without_what_it_needs_says_so_beside_the_field(
        self, lease, staff_client, kind, tax, field, message
    ):
        assess(lease, tax=tax)
        response = staff_client.post(
            reverse("projects:lease", args=[lease.pk]),
            {
                "action": "decide",
                "decide-kind": kind,
                "decide-decided_on": "2026-11-20",
                "decide-reason": "考核结果",
            },
        )
        assert response.status_code == 200
        form = response.context["decide_form"]
        assert form.errors[field] == [message]
        assert not form.non_field_errors()
        assert "decision_" not in response.text
        assert not Decision.objects.filter(assessment__lease=lease).exists()

    def test_dates_after_today_are_refused_beside_the_field(self, lease, staff_client, fixed_today):
        url = reverse("projects:lease", args=[lease.pk])
        tomorrow = (fixed_today + timedelta(days=1)).isoformat()
        response = staff_client.post(
            url,
            {
                "action": "assess",
                "assess-kind": "term_end",
                "assess-assessed_on": tomorrow,
                "assess-assessor": "联合考核组",
                "assess-fixed_investment_wan": "15000",
                "assess-tax_wan": "100",
                "assess-floor_area_m2": "40000",
            },
        )
        assert response.context["assess_form"].errors == {
            "assessed_on": ["不能晚于今天（2026-11-27）。"]
        }
        assess(lease, tax="100")
        decision = {"action": "decide", "decide-kind": "reclaim", "decide-reason": "不达标"}
        response = staff_client.post(url, {**decision, "decide-decided_on": tomorrow})
        assert response.context["decide_form"].errors == {
            "decided_on": ["不能晚于今天（2026-11-27）。"]
        }
        response = staff_client.post(url, {**decision, "decide-decided_on": "2026-10-31"})
        assert response.context["decide_form"].errors == {
            "decided_on": ["决定日期不能早于考核日期（2026-11-01）。"]
        }
        assert not Decision.objects.filter(assessment__lease=lease).exists()

    def test_bad_figures_are_shown_next_to_the_field(self, lease, staff_client):
        response = staff_client.post(
            reverse("projects:lease", args=[lease.pk]),
            {
                "action": "assess",
                "assess-kind": "term_end",
                "assess-assessed_on": "2026-11-01",
                "assess-assessor": "x",
                "assess-tax_wan": "-5",
            },
        )
        assert response.status_code == 200
        assert response.context["assess_form"].errors["tax_wan"]
        assert not lease.assessments.exists()

    def test_users_without_permission_cannot_assess_or_decide(
        self, lease, client, django_user_model
    ):
        reader = django_user_model.objects.create_user("reader", password="x")
        client.force_login(reader)
        url = reverse("projects:lease", args=[lease.pk])
        response = client.post(url, {"action": "assess", "assess-kind": "term_end"})
        assert response.status_code == 403
        response = client.post(url, {"action": "decide", "decide-kind": "reclaim"})
        assert response.status_code == 403
        assert not lease.assessments.exists()

    def test_unknown_action_is_a_bad_request(self, lease, staff_client):
        response = staff_client.post(reverse("projects:lease", args=[lease.pk]), {"action": "drop"})
        assert response.status_code == 400

    def test_lease_pages_query_count_is_bounded(
        self, demo, staff_client, django_assert_max_num_queries
    ):
        lease = LeaseAgreement.objects.filter(status="converted").first()
        with django_assert_max_num_queries(10):
            assert staff_client.get(lease.get_absolute_url()).status_code == 200
        with django_assert_max_num_queries(8):
            assert staff_client.get("/leases/", {"per_page": 100}).status_code == 200
