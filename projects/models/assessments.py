"""先租后供 assessments (考核) and the decisions taken on them.

An assessment judges a lease's targets against the figures the firm reported; a decision
on the latest one converts the lease (转为出让), extends it for remediation (整改延期) or
takes the land back (收回).
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrOrPromise
from simple_history.models import HistoricalRecords

from projects.models.fields import (
    ConstraintErrorsOnFields,
    NaturalKeyManager,
    depends_on,
    field_label,
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
from projects.validators import validate_not_in_future, validate_plain_text

# The figures an assessment reports, from which the indicators are computed.
ASSESSMENT_FIGURES = (
    "fixed_investment_wan",
    "tax_wan",
    "output_wan",
    "floor_area_m2",
    "rd_expense_wan",
    "energy_tce",
)


@dataclass(frozen=True)
class Ratio:
    """How an indicator is computed: a reported figure divided by another or by the
    parcel's area (``area_mu`` in 亩, ``area_m2`` in m²), times ``scale``."""

    numerator: str
    denominator: str
    scale: int = 1

    @property
    def figures(self) -> tuple[str, ...]:
        """The reported figures the indicator cannot be computed without."""
        return tuple(
            name for name in (self.numerator, self.denominator) if name in ASSESSMENT_FIGURES
        )


INDICATOR_RATIOS = {
    Indicator.INVESTMENT_INTENSITY: Ratio("fixed_investment_wan", "area_mu"),
    Indicator.TAX_PER_MU: Ratio("tax_wan", "area_mu"),
    Indicator.OUTPUT_PER_MU: Ratio("output_wan", "area_mu"),
    Indicator.PLOT_RATIO: Ratio("floor_area_m2", "area_m2"),
    Indicator.RD_SHARE: Ratio("rd_expense_wan", "output_wan", scale=100),
    Indicator.ENERGY_PER_OUTPUT: Ratio("energy_tce", "output_wan"),
}


class AssessmentManager(NaturalKeyManager):
    key_fields = ("lease__parcel__code", "lease__start_date", "kind", "assessed_on")


class Assessment(ConstraintErrorsOnFields):
    """An assessment (考核) of a lease from the figures the firm reported.

    Each target's actual value is computed from these figures and the parcel's area when
    the assessment is recorded, and kept with its verdict in ``IndicatorResult``: later
    changes to the targets or the parcel do not rewrite a past assessment. Every figure a
    target of the lease is computed from must be reported: a blank one would fail the
    target without anyone having judged it.
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
    assessed_on = models.DateField(_("考核日期"), validators=[validate_not_in_future])
    assessor = models.CharField(
        _("考核单位或人员"), max_length=100, validators=[validate_plain_text]
    )
    fixed_investment_wan = quantity_field(_("累计固定资产投资（万元）"))
    tax_wan = quantity_field(_("年度税收（万元）"))
    output_wan = quantity_field(_("年度产值（万元）"))
    floor_area_m2 = quantity_field(_("总建筑面积（m²）"))
    rd_expense_wan = quantity_field(_("研发投入（万元）"))
    energy_tce = quantity_field(_("年综合能耗（吨标准煤）"))
    area_m2 = quantity_field(_("考核时地块面积（m²）"), help_text=_("记录考核时所用的地块面积。"))
    notes = models.TextField(_("备注"), blank=True, validators=[validate_plain_text])

    objects = AssessmentManager()
    history = HistoricalRecords()
    constraint_fields = {"assessment_unique_per_day": "assessed_on"}

    class Meta:
        verbose_name = _("考核")
        verbose_name_plural = pgettext_lazy("plural", "考核")
        ordering = ["lease", "assessed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["lease", "kind", "assessed_on"],
                name="assessment_unique_per_day",
                violation_error_message=_("这份协议在这一天已有同一类型的考核。"),
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

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        """Check the fields, and that each figure a target of the lease is computed from is
        reported. Here rather than in ``clean()``, which cannot tell a figure left blank
        from one the form has already refused."""
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        skipped = set(exclude or ()) | set(errors)
        for figure, indicator in self.figures_needed():
            if figure in skipped or getattr(self, figure) is not None:
                continue
            skipped.add(figure)
            errors[figure] = [
                ValidationError(
                    _("本协议考核“%(indicator)s”，须填写%(figure)s。"),
                    code="figure_missing",
                    params={"indicator": indicator, "figure": field_label(self, figure)},
                )
            ]
        if errors:
            raise ValidationError(errors)

    def figures_needed(self) -> list[tuple[str, StrOrPromise]]:
        """Each figure a target of the lease is computed from, with the target's indicator."""
        if self.lease_id is None:
            return []
        return [
            (figure, target.get_indicator_display())
            for target in self.lease.targets.all()
            for figure in INDICATOR_RATIOS[Indicator(target.indicator)].figures
        ]

    def clean(self) -> None:
        """Refuse an assessment dated before the lease starts (after today: the field's)."""
        if self.lease_id and self.assessed_on and self.assessed_on < self.lease.start_date:
            raise ValidationError(
                {
                    "assessed_on": ValidationError(
                        _("考核日期不能早于租赁起始日期（%(start)s）。"),
                        code="before_lease",
                        params={"start": self.lease.start_date.isoformat()},
                    )
                }
            )

    def actual_value(self, indicator: str) -> Decimal | None:
        """The indicator's value from the reported figures and the parcel's area.

        None when a figure the indicator needs was not reported, or divides by zero.
        """
        if not self.area_m2:
            return None
        values = {name: getattr(self, name) for name in ASSESSMENT_FIGURES}
        values.update(area_m2=self.area_m2, area_mu=self.area_m2 / M2_PER_MU)
        ratio = INDICATOR_RATIOS[Indicator(indicator)]
        numerator, denominator = values[ratio.numerator], values[ratio.denominator]
        if numerator is None or not denominator:
            return None
        return (numerator * ratio.scale / denominator).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)

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


class IndicatorResult(ConstraintErrorsOnFields):
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
    constraint_fields = {"indicator_result_unique": "indicator"}

    class Meta:
        verbose_name = _("指标考核结果")
        verbose_name_plural = pgettext_lazy("plural", "指标考核结果")
        ordering = ["assessment", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "indicator"],
                name="indicator_result_unique",
                violation_error_message=_("这次考核已有该指标的结果。"),
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


class Decision(ConstraintErrorsOnFields):
    """What was decided on an assessment: convert to a transfer, remediate, or reclaim."""

    class Kind(models.TextChoices):
        CONVERT = "convert", _("转为出让")
        REMEDIATE = "remediate", _("整改延期")
        RECLAIM = "reclaim", _("收回")

    assessment = models.OneToOneField(
        Assessment, verbose_name=_("考核"), on_delete=models.PROTECT, related_name="decision"
    )
    kind = models.CharField(_("决定"), max_length=10, choices=Kind.choices)
    decided_on = models.DateField(_("决定日期"), validators=[validate_not_in_future])
    reason = models.TextField(_("理由"), validators=[validate_plain_text])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    transfer_price_wan = quantity_field(_("出让价款（万元）"))
    rent_deduction_wan = quantity_field(_("抵扣租金（万元）"))
    new_deadline = models.DateField(_("整改期限"), null=True, blank=True)

    objects = DecisionManager()
    constraint_fields = {
        "decision_convert_has_price": "transfer_price_wan",
        "decision_remediate_has_deadline": "new_deadline",
    }

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
                violation_error_message=_("转为出让须填写出让价款。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="remediate") | Q(new_deadline__isnull=False),
                name="decision_remediate_has_deadline",
                violation_error_message=_("整改延期须填写整改期限。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} → {self.get_kind_display()}"

    @depends_on("projects.assessment")
    def natural_key(self) -> tuple:
        return self.assessment.natural_key()

    def clean(self) -> None:
        """Refuse a decision dated before its assessment, or a remediation deadline that is
        not after the decision. A missing price or deadline is a constraint's."""
        errors = {}
        if self.assessment_id and self.decided_on and self.decided_on < self.assessment.assessed_on:
            errors["decided_on"] = ValidationError(
                _("决定日期不能早于考核日期（%(date)s）。"),
                code="before_assessment",
                params={"date": self.assessment.assessed_on.isoformat()},
            )
        if (
            self.kind == self.Kind.REMEDIATE
            and self.new_deadline
            and self.decided_on
            and self.new_deadline <= self.decided_on
        ):
            errors["new_deadline"] = ValidationError(
                _("整改期限须晚于决定日期。"), code="deadline_not_after_decision"
            )
        if errors:
            raise ValidationError(errors)

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
