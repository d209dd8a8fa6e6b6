"""Investment projects (招引项目) and the size tiers leaders count them by.

Amounts are stored in 万元; 亿元 is derived through ``projects.units``. The size tier of a
project is derived from its amount by ``SizeTier`` and never stored.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrPromise
from simple_history.models import HistoricalRecords

from projects.models.companies import Company
from projects.models.fields import (
    ConstraintErrorsOnFields,
    NaturalKeyManager,
    NullsLastIndex,
    PinyinCharField,
    amount_field,
    dates_in_order_constraints,
    dates_in_order_errors,
    depends_on,
    field_label,
    illustrative_flag,
    non_negative_constraint,
)
from projects.models.pages import RecordPage
from projects.models.parks import LandParcel, Park
from projects.models.sectors import Sector
from projects.models.staff import staff_name
from projects.units import WAN_PER_YI, wan_to_yi
from projects.validators import validate_plain_text


class ProjectParcelManager(NaturalKeyManager):
    """Looks a project's use of a parcel up by project name and parcel code."""

    key_fields = ("project__name", "parcel__code")


class SizeTier(models.TextChoices):
    """The size tiers leaders count by, derived from a project's total investment.

    Boundaries are inclusive: exactly 1 亿元 is 亿元以上 and exactly 10 亿元 is 10亿元以上.
    """

    BELOW_100M = "below_1yi", _("1亿元以下")
    FROM_100M = "1yi", _("亿元以上")
    FROM_1B = "10yi", _("10亿元以上")

    @classmethod
    def bounds_wan(cls) -> dict[str, tuple[Decimal | None, Decimal | None]]:
        """Each tier's [lower, upper) bounds in 万元; None means unbounded."""
        return {
            cls.BELOW_100M: (None, WAN_PER_YI),
            cls.FROM_100M: (WAN_PER_YI, 10 * WAN_PER_YI),
            cls.FROM_1B: (10 * WAN_PER_YI, None),
        }

    @classmethod
    def q(cls, tier: str, field: str = "total_investment_wan") -> Q:
        """A filter for the projects in one tier, as a range on the stored amount."""
        lower, upper = cls.bounds_wan()[tier]
        condition = Q()
        if lower is not None:
            condition &= Q(**{f"{field}__gte": lower})
        if upper is not None:
            condition &= Q(**{f"{field}__lt": upper})
        return condition

    @classmethod
    def at_least_q(cls, tier: str, field: str = "total_investment_wan") -> Q:
        """A filter for the projects in this tier or above (亿元以上 includes 10亿元以上)."""
        lower, _upper = cls.bounds_wan()[tier]
        return Q(**{f"{field}__gte": lower}) if lower is not None else Q()

    @classmethod
    def counted_q(cls, tier: str, field: str = "total_investment_wan") -> Q:
        """The projects counted under a tier the way the county's reports count them.

        "亿元以上项目10个，含10亿元以上项目3个": 亿元以上 includes 10亿元以上, while
        1亿元以下 is only its own band.
        """
        if tier == cls.BELOW_100M:
            return cls.q(tier, field)
        return cls.at_least_q(tier, field)

    @classmethod
    def counted_bands(cls, tier: str) -> list[str]:
        """The tiers, each as its own band (``q``), that ``counted_q`` counts under one."""
        if tier == cls.BELOW_100M:
            return [tier]
        lower, _upper = cls.bounds_wan()[tier]
        return [
            band
            for band, (low, _high) in cls.bounds_wan().items()
            if low is not None and lower is not None and low >= lower
        ]

    @classmethod
    def for_amount(cls, amount_wan: Decimal | None) -> "SizeTier | None":
        """The tier of one amount in 万元, computed from the same bounds as ``q``."""
        if amount_wan is None:
            return None
        for tier, (lower, upper) in cls.bounds_wan().items():
            if (lower is None or amount_wan >= lower) and (upper is None or amount_wan < upper):
                return cls(tier)
        return None


FIXED_ABOVE_TOTAL = _("固定资产投资不能大于总投资。")
TERMINATED_BEFORE_SIGNED = _("终止日期不能早于签约日期。")

# The dates a firm agrees to start, complete and produce by, in order.
PLANNED_DATE_ORDER = ("planned_started_date", "planned_completed_date", "planned_production_date")

# A project's stage dates go 签约 → 落地 → 供地 → 开工 → 竣工 → 投产.
PROJECT_DATE_ORDER = (
    "signed_date",
    "landed_date",
    "land_supplied_date",
    "started_date",
    "completed_date",
    "production_date",
)


class InvestmentProject(RecordPage, models.Model):
    """An attracted investment project (招引项目), followed from negotiation to production."""

    page_view = "projects:project"

    class Zone(models.TextChoices):
        YANGTZE_DELTA = "yangtze_delta", _("长三角")
        PEARL_DELTA = "pearl_delta", _("珠三角")
        CENTRAL = "central", _("中部地区")
        IN_PROVINCE = "in_province", _("省内")
        OVERSEAS = "overseas", _("境外")
        OTHER = "other", _("其他地区")

    class Stage(models.TextChoices):
        NEGOTIATING = "negotiating", _("在谈")
        SIGNED = "signed", _("签约")
        LANDED = "landed", _("落地")
        LAND_SUPPLIED = "land_supplied", _("供地")
        STARTED = "started", _("开工")
        COMPLETED = "completed", _("竣工")
        IN_PRODUCTION = "in_production", _("投产")
        TERMINATED = "terminated", _("终止")

    # The date a firm agreed to reach each of these stages by, and the date it did.
    AGREED_DATES = {
        Stage.STARTED: ("planned_started_date", "started_date"),
        Stage.COMPLETED: ("planned_completed_date", "completed_date"),
        Stage.IN_PRODUCTION: ("planned_production_date", "production_date"),
    }

    # The field holding the date each pipeline stage was reached, in pipeline order.
    STAGE_DATES = dict(
        zip(
            (
                Stage.SIGNED,
                Stage.LANDED,
                Stage.LAND_SUPPLIED,
                Stage.STARTED,
                Stage.COMPLETED,
                Stage.IN_PRODUCTION,
            ),
            PROJECT_DATE_ORDER,
            strict=True,
        )
    )

    name = PinyinCharField(
        _("项目名称"), max_length=150, unique=True, validators=[validate_plain_text]
    )
    company = models.ForeignKey(
        Company, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="projects"
    )
    sector = models.ForeignKey(
        Sector, verbose_name=_("产业"), on_delete=models.PROTECT, related_name="projects"
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("园区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    parcels = models.ManyToManyField(
        LandParcel,
        verbose_name=_("地块"),
        through="ProjectParcel",
        blank=True,
        related_name="projects",
    )
    total_investment_wan = amount_field(_("总投资（万元）"), _("总投资（亿元）"), required=True)
    fixed_investment_wan = amount_field(_("固定资产投资（万元）"), _("固定资产投资（亿元）"))
    source_zone = models.CharField(_("来源区域"), max_length=20, choices=Zone.choices)
    stage = models.CharField(
        _("阶段"), max_length=20, choices=Stage.choices, default=Stage.NEGOTIATING
    )
    signed_date = models.DateField(_("签约日期"), null=True, blank=True)
    landed_date = models.DateField(_("落地日期"), null=True, blank=True)
    land_supplied_date = models.DateField(_("供地日期"), null=True, blank=True)
    started_date = models.DateField(_("开工日期"), null=True, blank=True)
    completed_date = models.DateField(_("竣工日期"), null=True, blank=True)
    production_date = models.DateField(_("投产日期"), null=True, blank=True)
    terminated_date = models.DateField(_("终止日期"), null=True, blank=True)
    capacity = models.CharField(
        _("建设内容与产能"),
        max_length=300,
        blank=True,
        help_text=_("例如：年产25万台电动摩托车"),
        validators=[validate_plain_text],
    )
    expected_output_wan = amount_field(_("预计年产值（万元）"), _("预计年产值（亿元）"))
    expected_tax_wan = amount_field(_("预计年税收（万元）"), _("预计年税收（亿元）"))
    expected_jobs = models.PositiveIntegerField(_("预计就业（人）"), null=True, blank=True)
    leased_manufacturing = models.BooleanField(
        _("租赁制造业项目"), default=False, help_text=_("通过先租后供等租赁方式用地的制造业项目。")
    )
    planned_started_date = models.DateField(_("约定开工日期"), null=True, blank=True)
    planned_completed_date = models.DateField(_("约定竣工日期"), null=True, blank=True)
    planned_production_date = models.DateField(_("约定投产日期"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_projects",
        help_text=_("负责跟踪本项目的工作人员。"),
    )
    responsible = models.CharField(
        _("责任人（无账号）"),
        max_length=50,
        blank=True,
        validators=[validate_plain_text],
        help_text=_("责任人或责任单位尚无账号时，写其名称。"),
    )
    notes = models.TextField(_("备注"), blank=True, validators=[validate_plain_text])
    illustrative = illustrative_flag()

    objects = NaturalKeyManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("招引项目")
        verbose_name_plural = pgettext_lazy("plural", "招引项目")
        ordering = [F("landed_date").desc(nulls_last=True), "name"]
        indexes = [
            # The list's default order, newest landed first: its first page and its deep
            # pages are read from this index without sorting the table. Sorting by signed
            # date downwards, with the unsigned last, is read from the second. (Upwards,
            # the figures indexes below serve both, also with the empty dates last.)
            NullsLastIndex(fields=["-landed_date", "-id"], name="project_landed_desc_idx"),
            NullsLastIndex(fields=["-signed_date", "-id"], name="project_signed_desc_idx"),
            # The dashboard counts a period's projects, by landed or signed date, by size,
            # sector, park, zone, owner and stage, and the targets' projects started by
            # started date: on PostgreSQL these hold every column it reads, so its figures
            # come from the index without visiting the table.
            *(
                models.Index(
                    fields=[basis, "total_investment_wan"],
                    include=["id", "sector", "park", "source_zone", "owner", "stage"],
                    name=f"project_{basis.removesuffix('_date')}_figures_idx",
                )
                for basis in ("landed_date", "signed_date", "started_date")
            ),
            models.Index(
                fields=["total_investment_wan", "landed_date"],
                condition=Q(leased_manufacturing=True),
                name="project_leased_idx",
            ),
            models.Index(fields=["total_investment_wan"], name="project_investment_idx"),
            models.Index(fields=["stage"], name="project_stage_idx"),
        ]
        constraints = [
            non_negative_constraint("project", "total_investment_wan"),
            non_negative_constraint("project", "fixed_investment_wan"),
            non_negative_constraint("project", "expected_output_wan"),
            non_negative_constraint("project", "expected_tax_wan"),
            models.CheckConstraint(
                condition=Q(fixed_investment_wan__isnull=True)
                | Q(fixed_investment_wan__lte=F("total_investment_wan")),
                name="project_fixed_not_above_total",
                violation_error_message=FIXED_ABOVE_TOTAL,
            ),
            *dates_in_order_constraints("project", PROJECT_DATE_ORDER),
            *dates_in_order_constraints("project", PLANNED_DATE_ORDER),
            models.CheckConstraint(
                condition=Q(signed_date__isnull=True)
                | Q(terminated_date__isnull=True)
                | Q(signed_date__lte=F("terminated_date")),
                name="project_signed_date_not_after_terminated_date",
                violation_error_message=TERMINATED_BEFORE_SIGNED,
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @depends_on("projects.company", "projects.sector", "projects.park")
    def natural_key(self) -> tuple[str]:
        return (self.name,)

    @property
    def size_tier(self) -> SizeTier | None:
        """The size tier (1亿元以下 / 亿元以上 / 10亿元以上) of the total investment."""
        return SizeTier.for_amount(self.total_investment_wan)

    @property
    def responsible_name(self) -> str:
        """Who answers for the project: its owner's name, else the name written down."""
        return staff_name(self.owner) if self.owner_id else self.responsible

    @property
    def total_investment_yi(self) -> Decimal | None:
        """Total investment in 亿元, two decimals."""
        return wan_to_yi(self.total_investment_wan)

    @property
    def fixed_investment_yi(self) -> Decimal | None:
        """Fixed-asset investment in 亿元, two decimals."""
        return wan_to_yi(self.fixed_investment_wan)

    def stage_timeline(self) -> list[tuple[StrPromise, date | None]]:
        """Each pipeline stage with the date it was reached (None if not yet), in order."""
        timeline = [
            (stage.label, getattr(self, field)) for stage, field in self.STAGE_DATES.items()
        ]
        if self.stage == self.Stage.TERMINATED:
            timeline.append((self.Stage.TERMINATED.label, self.terminated_date))
        return timeline

    def clean(self) -> None:
        """Check the stage dates: in order, the current stage dated, later stages not yet."""
        errors = dates_in_order_errors(self, PROJECT_DATE_ORDER)
        errors.update(dates_in_order_errors(self, PLANNED_DATE_ORDER))
        if (
            self.fixed_investment_wan is not None
            and self.total_investment_wan is not None
            and self.fixed_investment_wan > self.total_investment_wan
        ):
            errors["fixed_investment_wan"] = ValidationError(
                FIXED_ABOVE_TOTAL, code="fixed_above_total"
            )
        if self.stage == self.Stage.TERMINATED:
            if not self.terminated_date:
                errors.setdefault(
                    "terminated_date",
                    ValidationError(_("项目已终止，请填写终止日期。"), code="stage_date_missing"),
                )
        elif self.stage in self.STAGE_DATES:
            field = self.STAGE_DATES[self.Stage(self.stage)]
            if not getattr(self, field):
                errors.setdefault(
                    field,
                    ValidationError(
                        _("项目处于“%(stage)s”阶段，请填写%(field)s。"),
                        code="stage_date_missing",
                        params={
                            "stage": self.get_stage_display(),
                            "field": field_label(self, field),
                        },
                    ),
                )
        if self.terminated_date:
            if self.stage != self.Stage.TERMINATED:
                errors.setdefault(
                    "terminated_date",
                    ValidationError(
                        _("项目未终止，终止日期应留空，或把阶段改为“终止”。"),
                        code="stage_date_ahead",
                    ),
                )
            elif self.signed_date and self.terminated_date < self.signed_date:
                errors.setdefault(
                    "terminated_date",
                    ValidationError(TERMINATED_BEFORE_SIGNED, code="dates_out_of_order"),
                )
        stages = list(self.STAGE_DATES)
        reached = stages.index(self.Stage(self.stage)) if self.stage in self.STAGE_DATES else -1
        if self.stage != self.Stage.TERMINATED:
            for later_stage in stages[reached + 1 :]:
                field = self.STAGE_DATES[later_stage]
                if getattr(self, field):
                    errors.setdefault(
                        field,
                        ValidationError(
                            _(
                                "项目尚未到“%(stage)s”阶段，%(field)s应留空，或把阶段改为“%(stage)s”。"
                            ),
                            code="stage_date_ahead",
                            params={
                                "stage": later_stage.label,
                                "field": field_label(self, field),
                            },
                        ),
                    )
        if errors:
            raise ValidationError(errors)


class ProjectParcel(ConstraintErrorsOnFields):
    """The link between a project and a parcel it uses; a used parcel cannot be deleted."""

    project = models.ForeignKey(
        InvestmentProject, verbose_name=_("招引项目"), on_delete=models.CASCADE
    )
    parcel = models.ForeignKey(LandParcel, verbose_name=_("地块"), on_delete=models.PROTECT)

    objects = ProjectParcelManager()
    constraint_fields = {"project_parcel_unique": "parcel"}

    class Meta:
        verbose_name = _("项目用地")
        verbose_name_plural = pgettext_lazy("plural", "项目用地")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "parcel"],
                name="project_parcel_unique",
                violation_error_message=_("该项目已关联这一地块。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} — {self.parcel}"

    @depends_on("projects.investmentproject", "projects.landparcel")
    def natural_key(self) -> tuple:
        return self.project.natural_key() + self.parcel.natural_key()
