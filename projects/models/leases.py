"""先租后供: lease agreements and their target indicators (assessed in ``assessments``).

Industrial land is first leased to a firm (typically for five years). The firm is assessed
against the targets it signed; a pass converts the lease into a transfer (转为出让), a fail
leads to remediation with a new deadline (整改延期) or the land is taken back (收回).
Targets are data on each agreement: no single Zhejiang rule fixes them.
"""

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrPromise
from simple_history.models import HistoricalRecords

from projects.models.companies import Company
from projects.models.fields import (
    NaturalKeyManager,
    amount_field,
    dates_in_order_constraints,
    dates_in_order_errors,
    depends_on,
    illustrative_flag,
    non_negative_constraint,
)
from projects.models.pages import RecordPage
from projects.models.parks import LandParcel
from projects.models.projects import InvestmentProject
from projects.units import TWO_PLACES
from projects.validators import validate_plain_text


def add_years(start: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    year = start.year + years
    day = min(start.day, calendar.monthrange(year, start.month)[1])
    return start.replace(year=year, day=day)


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (0 if ``end`` is not after ``start``)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


class Indicator(models.TextChoices):
    """The indicators a lease can set targets for, each computed from an assessment's
    reported figures and the parcel's area (see ``Assessment.actual_value``)."""

    INVESTMENT_INTENSITY = "investment_intensity", _("投资强度（万元/亩）")
    TAX_PER_MU = "tax_per_mu", _("亩均税收（万元/亩）")
    OUTPUT_PER_MU = "output_per_mu", _("亩均产值（万元/亩）")
    PLOT_RATIO = "plot_ratio", _("容积率")
    RD_SHARE = "rd_share", _("研发投入占产值比（%）")
    ENERGY_PER_OUTPUT = "energy_per_output", _("单位产值能耗（吨标准煤/万元）")


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("不低于")
    AT_MOST = "at_most", _("不高于")

    def passes(self, actual: Decimal, target: Decimal) -> bool:
        """Whether an actual value meets the target; reaching it exactly passes."""
        return actual >= target if self == Direction.AT_LEAST else actual <= target


class LeaseQuerySet(models.QuerySet):
    """The questions land staff ask about leases."""

    def active(self) -> "LeaseQuerySet":
        """Leases not yet converted or reclaimed."""
        return self.filter(status__in=LeaseAgreement.ACTIVE_STATUSES)

    def deadline_conditions(self, before: date, after: date | None = None) -> Q:
        """Active leases with a date to meet in (after, before] that is not met yet.

        The dates: the end of the term (superseded by the new deadline while in
        remediation), the 开工 / 竣工 / 投产 deadlines while the project has not reached
        that stage, and a remediation deadline while in remediation.
        """

        def within(field: str) -> Q:
            condition = Q(**{f"{field}__lte": before})
            if after is not None:
                condition &= Q(**{f"{field}__gt": after})
            return condition

        return (
            (within("end_date") & ~Q(status=LeaseAgreement.Status.REMEDIATION))
            | (within("start_deadline") & Q(project__started_date__isnull=True))
            | (within("completion_deadline") & Q(project__completed_date__isnull=True))
            | (within("production_deadline") & Q(project__production_date__isnull=True))
            | (within("remediation_deadline") & Q(status=LeaseAgreement.Status.REMEDIATION))
        )

    def due_within(self, days: int, today: date) -> "LeaseQuerySet":
        """Active leases with a date to meet from today to ``days`` days ahead, both included."""
        return self.active().filter(
            self.deadline_conditions(today + timedelta(days=days), after=today - timedelta(days=1))
        )

    def overdue(self, today: date) -> "LeaseQuerySet":
        """Active leases with a date that passed before today and was not met."""
        return self.active().filter(self.deadline_conditions(today - timedelta(days=1)))


# Named at module level, where django-stubs can read the class from_queryset() makes.
LeaseManagerBase = NaturalKeyManager.from_queryset(LeaseQuerySet)


class LeaseManager(LeaseManagerBase):
    """Looks a lease up by its parcel's code and its start date."""

    key_fields = ("parcel__code", "start_date")


class LeaseAgreement(RecordPage, models.Model):
    """A 先租后供 agreement: a parcel leased for a project, with deadlines and targets."""

    page_view = "projects:lease"

    class Status(models.TextChoices):
        LEASING = "leasing", _("租赁中")
        ASSESSING = "assessing", _("考核中")
        CONVERTED = "converted", _("已转出让")
        REMEDIATION = "remediation", _("整改延期")
        RECLAIMED = "reclaimed", _("已收回")

    ACTIVE_STATUSES = (Status.LEASING, Status.ASSESSING, Status.REMEDIATION)

    parcel = models.ForeignKey(
        LandParcel, verbose_name=_("地块"), on_delete=models.PROTECT, related_name="leases"
    )
    project = models.ForeignKey(
        InvestmentProject,
        verbose_name=_("招引项目"),
        on_delete=models.PROTECT,
        related_name="leases",
    )
    start_date = models.DateField(_("租赁起始日期"))
    term_years = models.PositiveSmallIntegerField(
        _("租期（年）"), default=5, validators=[MinValueValidator(1)]
    )
    end_date = models.DateField(
        _("租赁到期日期"), editable=False, help_text=_("由起始日期和租期算出。")
    )
    annual_rent_wan = amount_field(_("年租金（万元）"), _("年租金（亿元）"), required=True)
    rent_deductible = models.BooleanField(
        _("租金可抵扣出让价款"), default=True, help_text=_("转为出让时，已缴租金从出让价款中抵扣。")
    )
    start_deadline = models.DateField(_("约定开工期限"), null=True, blank=True)
    completion_deadline = models.DateField(_("约定竣工期限"), null=True, blank=True)
    production_deadline = models.DateField(_("约定投产期限"), null=True, blank=True)
    remediation_deadline = models.DateField(
        _("整改期限"), null=True, blank=True, editable=False, help_text=_("由整改延期决定设定。")
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.LEASING, editable=False
    )
    notes = models.TextField(_("备注"), blank=True, validators=[validate_plain_text])
    illustrative = illustrative_flag()

    objects = LeaseManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("先租后供协议")
        verbose_name_plural = pgettext_lazy("plural", "先租后供协议")
        ordering = ["end_date", "pk"]
        permissions = [("decide_lease", _("可作出先租后供考核决定"))]
        indexes = [
            models.Index(fields=["status", "end_date"], name="lease_status_end_idx"),
            # Leases are listed by end of term: the first ones due are read in this order
            # instead of sorting every lease.
            models.Index(fields=["end_date", "id"], name="lease_end_idx"),
        ]
        constraints = [
            non_negative_constraint("lease", "annual_rent_wan"),
            models.CheckConstraint(condition=Q(term_years__gt=0), name="lease_term_positive"),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="lease_ends_after_start"
            ),
            *dates_in_order_constraints(
                "lease",
                ("start_date", "start_deadline", "completion_deadline", "production_deadline"),
            ),
            models.UniqueConstraint(
                fields=["parcel"],
                condition=Q(status__in=["leasing", "assessing", "remediation"]),
                name="lease_one_active_per_parcel",
                violation_error_message=_("该地块已有一份有效的先租后供协议。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parcel} · {self.start_date:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.end_date = add_years(self.start_date, self.term_years)
        super().save(*args, **kwargs)

    @depends_on("projects.landparcel", "projects.investmentproject")
    def natural_key(self) -> tuple:
        return (self.parcel.code, self.start_date.isoformat())

    @property
    def company(self) -> Company:
        """The leaseholder: the company of the project."""
        return self.project.company

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    def upcoming_dates(self) -> list[tuple[StrPromise, date]]:
        """The dates still to be met, soonest first, as (what, date)."""
        project = self.project
        candidates = [
            (_("租期届满"), self.end_date, self.status != self.Status.REMEDIATION),
            (_("开工期限"), self.start_deadline, project.started_date is None),
            (_("竣工期限"), self.completion_deadline, project.completed_date is None),
            (_("投产期限"), self.production_deadline, project.production_date is None),
            (
                _("整改期限"),
                self.remediation_deadline,
                self.status == self.Status.REMEDIATION,
            ),
        ]
        if not self.is_active:
            return []
        return sorted(
            ((label, when) for label, when, pending in candidates if when and pending),
            key=lambda item: item[1],
        )

    def rent_paid_wan(self, until: date) -> Decimal:
        """Rent paid from the start to ``until``, by whole months, at most the full term."""
        months = min(months_between(self.start_date, until), self.term_years * 12)
        return (self.annual_rent_wan * months / 12).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)

    def clean(self) -> None:
        errors = dates_in_order_errors(
            self, ("start_date", "start_deadline", "completion_deadline", "production_deadline")
        )
        if self.parcel_id and self.parcel.supply_mode not in (
            LandParcel.SupplyMode.LEASE_FIRST,
            LandParcel.SupplyMode.LEASE_AND_TRANSFER,
        ):
            errors.setdefault(
                "parcel",
                ValidationError(
                    _("该地块的供地方式是“%(mode)s”，不是先租后供或租让结合。"),
                    params={"mode": self.parcel.get_supply_mode_display()},
                    code="not_lease_first",
                ),
            )
        if errors:
            raise ValidationError(errors)


class TargetManager(NaturalKeyManager):
    key_fields = ("lease__parcel__code", "lease__start_date", "indicator")


class LeaseTarget(models.Model):
    """One target indicator the leaseholder signed up to, with its direction."""

    lease = models.ForeignKey(
        LeaseAgreement,
        verbose_name=_("先租后供协议"),
        on_delete=models.CASCADE,
        related_name="targets",
    )
    indicator = models.CharField(_("指标"), max_length=30, choices=Indicator.choices)
    direction = models.CharField(
        _("要求"), max_length=10, choices=Direction.choices, default=Direction.AT_LEAST
    )
    target_value = models.DecimalField(_("目标值"), max_digits=12, decimal_places=2)

    objects = TargetManager()

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = pgettext_lazy("plural", "考核指标")
        ordering = ["lease", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["lease", "indicator"], name="lease_target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} {self.get_direction_display()} {self.target_value}"

    @depends_on("projects.leaseagreement")
    def natural_key(self) -> tuple:
        return (*self.lease.natural_key(), self.indicator)
