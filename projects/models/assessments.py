"""先租后供 assessments (考核) and the decisions taken on them.

An assessment judges a lease's targets against the figures the firm reported; a decision
on the latest one converts the lease (转为出让), extends it for remediation (整改延期) or
takes the land back (收回).
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from projects.models.fields import (
    NaturalKeyManager,
    amount_field,
    depends_on,
    non_negative_constraint,
    quantity_field,
)
from projects.models.leases import (
    Direction,
    Indicator,
    LeaseAgreement,
    LeaseTarget,
    months_between,
)
from projects.units import M2_PER_MU, TWO_PLACES
from projects.validators import validate_plain_text

# The figures an assessment reports, from which the indicators are computed.
ASSESSMENT_FIGURES = (
    "fixed_investment_wan",
    "tax_wan",
    "output_wan",
    "floor_area_m2",
    "rd_expense_wan",
    "energy_tce",
)


class AssessmentManager(NaturalKeyManager):
    key_fields = ("lease__parcel__code", "lease__start_date", "kind", "assessed_on")


class Assessment(models.Model):
    """An assessment (考核) of a lease from the figures the firm reported.

    Each target's actual value is computed from these figures and the parcel's area when
    the assessment is recorded, and kept with its verdict in ``IndicatorResult``: later
    changes to the targets or the parcel do not rewrite a past assessment.
    """

    class Kind(models.TextChoices):
        START_CHECK = "start_check", _("开工核查")
        COMPLETION_CHECK = "completion_check", _("竣工核查")
        TERM_END = "term_end", _("期满达产考核")
        ANNUAL = "annual", _("年度亩均评价")

    lease = models.ForeignKey(
        LeaseAgreement,
        verbose_name=_("先租后供协议"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    kind = models.CharField(_("考核类型"), max_length=20, choices=Kind.choices)
    assessed_on = models.DateField(_("考核日期"))
    assessor = models.CharField(
        _("考核单位或人员"), max_length=100, validators=[validate_plain_text]
    )
    fixed_investment_wan = amount_field(
        _("累计固定资产投资（万元）"), _("累计固定资产投资（亿元）")
    )
    tax_wan = amount_field(_("年度税收（万元）"), _("年度税收（亿元）"))
    output_wan = amount_field(_("年度产值（万元）"), _("年度产值（亿元）"))
    floor_area_m2 = quantity_field(_("总建筑面积（m²）"))
    rd_expense_wan = amount_field(_("研发投入（万元）"), _("研发投入（亿元）"))
    energy_tce = quantity_field(_("年综合能耗（吨标准煤）"))
    area_m2 = quantity_field(_("考核时地块面积（m²）"), help_text=_("记录考核时所用的地块面积。"))
    notes = models.TextField(_("备注"), blank=True, validators=[validate_plain_text])

    objects = AssessmentManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考核")
        verbose_name_plural = pgettext_lazy("plural", "考核")
        ordering = ["lease", "assessed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["lease", "kind", "assessed_on"], name="assessment_unique_per_day"
            ),
            *(
                non_negative_constraint("assessment", field)
                for field in (*ASSESSMENT_FIGURES, "area_m2")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lease} · {self.get_kind_display()} {self.assessed_on:%Y-%m-%d}"

    @depends_on("projects.leaseagreement")
    def natural_key(self) -> tuple:
        return (*self.lease.natural_key(), self.kind, self.assessed_on.isoformat())

    def actual_value(self, indicator: str) -> Decimal | None:
        """The indicator's value from the reported figures and the parcel area in 亩.

        None when a figure the indicator needs was not reported.
        """
        if not self.area_m2:
            return None
        area_mu = self.area_m2 / M2_PER_MU
        figures: dict[str, tuple[Decimal | None, Decimal | None]] = {
            Indicator.INVESTMENT_INTENSITY: (self.fixed_investment_wan, area_mu),
            Indicator.TAX_PER_MU: (self.tax_wan, area_mu),
            Indicator.OUTPUT_PER_MU: (self.output_wan, area_mu),
            Indicator.PLOT_RATIO: (self.floor_area_m2, self.area_m2),
            Indicator.RD_SHARE: (
                None if self.rd_expense_wan is None else self.rd_expense_wan * 100,
                self.output_wan,
            ),
            Indicator.ENERGY_PER_OUTPUT: (self.energy_tce, self.output_wan),
        }
        numerator, denominator = figures[indicator]
        if numerator is None or not denominator:
            return None
        return (numerator / denominator).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)

    def held_to(self, targets: Iterable[LeaseTarget]) -> list["IndicatorResult"]:
        """This assessment held to each target, unsaved: the actual value beside a copy of
        the target, so that a later change of the targets leaves the record as it was."""
        results = []
        for target in targets:
            actual = self.actual_value(target.indicator)
            results.append(
                IndicatorResult(
                    assessment=self,
                    indicator=target.indicator,
                    direction=target.direction,
                    target_value=target.target_value,
                    actual_value=actual,
                    passed=actual is not None
                    and Direction(target.direction).passes(actual, target.target_value),
                )
            )
        return results

    @property
    def passed(self) -> bool:
        """The overall result: every target met."""
        results = list(self.results.all())
        return bool(results) and all(result.passed for result in results)


class ResultManager(NaturalKeyManager):
    key_fields = (
        "assessment__lease__parcel__code",
        "assessment__lease__start_date",
        "assessment__kind",
        "assessment__assessed_on",
        "indicator",
    )


class IndicatorResult(models.Model):
    """One target judged in one assessment: the target as it stood, the actual, the verdict."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("考核"), on_delete=models.CASCADE, related_name="results"
    )
    indicator = models.CharField(_("指标"), max_length=30, choices=Indicator.choices)
    direction = models.CharField(_("要求"), max_length=10, choices=Direction.choices)
    target_value = models.DecimalField(_("目标值"), max_digits=12, decimal_places=2)
    actual_value = models.DecimalField(
        _("实际值"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("达标"))

    objects = ResultManager()

    class Meta:
        verbose_name = _("指标考核结果")
        verbose_name_plural = pgettext_lazy("plural", "指标考核结果")
        ordering = ["assessment", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "indicator"], name="indicator_result_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()}: {self.actual_value} / {self.target_value}"

    @depends_on("projects.assessment")
    def natural_key(self) -> tuple:
        return (*self.assessment.natural_key(), self.indicator)

    @property
    def margin(self) -> Decimal | None:
        """How far the actual value is on the good side of the target (negative: short of it)."""
        if self.actual_value is None:
            return None
        difference = self.actual_value - self.target_value
        return difference if self.direction == Direction.AT_LEAST else -difference


class DecisionManager(NaturalKeyManager):
    key_fields = (
        "assessment__lease__parcel__code",
        "assessment__lease__start_date",
        "assessment__kind",
        "assessment__assessed_on",
    )


class Decision(models.Model):
    """What was decided on an assessment: convert to a transfer, remediate, or reclaim."""

    class Kind(models.TextChoices):
        CONVERT = "convert", _("转为出让")
        REMEDIATE = "remediate", _("整改延期")
        RECLAIM = "reclaim", _("收回")

    assessment = models.OneToOneField(
        Assessment, verbose_name=_("考核"), on_delete=models.PROTECT, related_name="decision"
    )
    kind = models.CharField(_("决定"), max_length=10, choices=Kind.choices)
    decided_on = models.DateField(_("决定日期"))
    reason = models.TextField(_("理由"), validators=[validate_plain_text])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    transfer_price_wan = amount_field(_("出让价款（万元）"), _("出让价款（亿元）"))
    rent_deduction_wan = amount_field(_("抵扣租金（万元）"), _("抵扣租金（亿元）"))
    new_deadline = models.DateField(_("整改期限"), null=True, blank=True)

    objects = DecisionManager()

    class Meta:
        verbose_name = _("考核决定")
        verbose_name_plural = pgettext_lazy("plural", "考核决定")
        ordering = ["decided_on", "pk"]
        constraints = [
            non_negative_constraint("decision", "transfer_price_wan"),
            non_negative_constraint("decision", "rent_deduction_wan"),
            models.CheckConstraint(
                condition=~Q(kind="convert") | Q(transfer_price_wan__isnull=False),
                name="decision_convert_has_price",
            ),
            models.CheckConstraint(
                condition=~Q(kind="remediate") | Q(new_deadline__isnull=False),
                name="decision_remediate_has_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} → {self.get_kind_display()}"

    @depends_on("projects.assessment")
    def natural_key(self) -> tuple:
        return self.assessment.natural_key()

    @property
    def extension_months(self) -> int | None:
        """The length of a remediation, in whole months from the decision to the new deadline."""
        if self.new_deadline is None:
            return None
        return months_between(self.decided_on, self.new_deadline)

    @property
    def payable_wan(self) -> Decimal | None:
        """The transfer price still to pay after the rent deducted."""
        if self.transfer_price_wan is None:
            return None
        return max(self.transfer_price_wan - (self.rent_deduction_wan or 0), Decimal(0))
