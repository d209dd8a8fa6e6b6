"""Funds in place (到位资金): the money that has actually arrived for a project, entry by
dated entry, against the total its agreement promised. Leaders are judged on it, not on
signed totals."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from projects.models.fields import (
    ConstraintErrorsOnFields,
    UidManager,
    amount_field,
    depends_on,
    illustrative_flag,
    record_uid,
    recorded_by_field,
)
from projects.models.projects import InvestmentProject
from projects.units import wan_to_yi
from projects.validators import validate_not_in_future, validate_plain_text

AMOUNT_NOT_POSITIVE = _("到位金额必须大于零。")


class FundEntryManager(UidManager["FundEntry"]):
    """Fund entries looked up by their uid."""


class FundEntry(ConstraintErrorsOnFields):
    """One sum of money that arrived for a project on a date: how much (万元), of what
    kind, whether from outside the province (省外资金), and where it came from or what
    proves it."""

    class Kind(models.TextChoices):
        FIXED_ASSETS = "fixed_assets", _("固定资产投资")
        REGISTERED_CAPITAL = "registered_capital", _("注册资本")
        OTHER = "other", _("其他")

    project = models.ForeignKey(
        InvestmentProject,
        verbose_name=_("招引项目"),
        on_delete=models.PROTECT,
        related_name="fund_entries",
    )
    received_on = models.DateField(_("到位日期"), validators=[validate_not_in_future])
    amount_wan = amount_field(_("到位金额（万元）"), _("到位金额（亿元）"), required=True)
    kind = models.CharField(
        _("资金类别"), max_length=20, choices=Kind.choices, default=Kind.FIXED_ASSETS
    )
    outside_province = models.BooleanField(_("省外资金"), default=False)
    source = models.CharField(
        _("资金来源或凭证"),
        max_length=300,
        blank=True,
        validators=[validate_plain_text],
        help_text=_("如出资方、银行回单或验资报告编号。"),
    )
    recorded_by = recorded_by_field(_("记录人"))
    illustrative = illustrative_flag()
    uid = record_uid()

    objects = FundEntryManager()
    history = HistoricalRecords()
    constraint_fields = {"fundentry_amount_wan_positive": "amount_wan"}

    class Meta:
        verbose_name = _("到位资金")
        verbose_name_plural = pgettext_lazy("plural", "到位资金")
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["project", "received_on"], name="fund_project_idx"),
            # The dashboard's sums by date: the period's rows, read from the index alone.
            models.Index(
                fields=["received_on"],
                include=["amount_wan", "project", "outside_province"],
                name="fund_received_figures_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_wan__gt=0),
                name="fundentry_amount_wan_positive",
                violation_error_message=AMOUNT_NOT_POSITIVE,
            ),
        ]

    @depends_on("projects.investmentproject")
    def natural_key(self) -> tuple[str]:
        return (str(self.uid),)

    def __str__(self) -> str:
        return f"{self.project} · {self.received_on:%Y-%m-%d} {wan_to_yi(self.amount_wan)}亿元"

    @property
    def amount_yi(self) -> Decimal:
        return wan_to_yi(self.amount_wan)

    def clean(self) -> None:
        """Refuse an amount of nothing beside it (a negative one is refused by its field).
        The constraint holds the same rule, but a sheet's rows are checked without a query
        per constraint: here it is told, in the constraint's own words, before a row is
        saved."""
        if self.amount_wan == 0:
            raise ValidationError(
                {"amount_wan": ValidationError(AMOUNT_NOT_POSITIVE, code="amount_not_positive")}
            )


@dataclass
class MonthPoint:
    """The cumulative funds of a project at the end of one month."""

    month: date
    cumulative_wan: Decimal

    @property
    def cumulative_yi(self) -> Decimal:
        return wan_to_yi(self.cumulative_wan)


@dataclass
class FundsInPlace:
    """A project's funds in place against its total investment, and their cumulative curve
    month by month from the first entry's month to the last's."""

    total_investment_wan: Decimal
    cumulative_wan: Decimal
    curve: list[MonthPoint]

    @classmethod
    def of(cls, project: InvestmentProject) -> "FundsInPlace":
        """Read in one query: the project's entries summed by month."""
        months = (
            FundEntry.objects.filter(project=project)
            .values(month=TruncMonth("received_on"))
            .annotate(amount=Sum("amount_wan"))
            .order_by("month")
        )
        curve, running = [], Decimal(0)
        for row in months:
            running += row["amount"]
            curve.append(MonthPoint(row["month"], running))
        return cls(project.total_investment_wan, running, curve)

    @property
    def cumulative_yi(self) -> Decimal:
        return wan_to_yi(self.cumulative_wan)

    @property
    def share(self) -> Decimal | None:
        """Funds in place as a percentage of total investment, one decimal; None when the
        total is zero."""
        if not self.total_investment_wan:
            return None
        return (self.cumulative_wan * 100 / self.total_investment_wan).quantize(Decimal("0.1"))

    # The chart's drawing area, in the SVG's own units; the page scales it to its width.
    CHART_WIDTH, CHART_HEIGHT = 300, 120

    @property
    def chart_points(self) -> str:
        """The cumulative curve as an SVG polyline's points, month by month from left to
        right, scaled so that the total investment (or more, if more has arrived) is the
        top of the chart."""
        top = max(self.total_investment_wan, self.cumulative_wan) or Decimal(1)
        steps = max(len(self.curve) - 1, 1)
        points = []
        for index, point in enumerate(self.curve):
            x = Decimal(self.CHART_WIDTH * index) / steps
            y = self.CHART_HEIGHT - self.CHART_HEIGHT * point.cumulative_wan / top
            points.append(f"{x:.1f},{y:.1f}")
        return " ".join(points)

    @property
    def chart_total_y(self) -> str:
        """The height of the total investment's line on the chart."""
        top = max(self.total_investment_wan, self.cumulative_wan) or Decimal(1)
        return f"{self.CHART_HEIGHT - self.CHART_HEIGHT * self.total_investment_wan / top:.1f}"

    @property
    def exceeds_total(self) -> bool:
        """Whether more has arrived than the project's total investment: allowed (a total
        may be revised later), but shown as a warning, since one of the two is wrong."""
        return self.cumulative_wan > self.total_investment_wan


def year_elapsed(day: date) -> Decimal:
    """时序进度: the share of ``day``'s year elapsed up to and including ``day``, as a
    percentage with one decimal (30 April is day 120 of 365: 32.9%; of 366 in a leap
    year: day 121, 33.1%)."""
    days_in_year = 366 if calendar.isleap(day.year) else 365
    elapsed = day.timetuple().tm_yday
    return (Decimal(elapsed) * 100 / days_in_year).quantize(Decimal("0.1"))
