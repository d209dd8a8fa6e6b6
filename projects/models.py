"""The ledger: sectors, parks, land parcels, companies and investment projects.

Amounts are stored in 万元 and areas in m²; 亿元 and 亩 are derived through
``projects.units``. The size tier of a project is derived from its amount by
``SizeTier`` and never stored.
"""

from decimal import Decimal
from itertools import combinations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from projects.units import WAN_PER_YI, m2_to_mu, wan_to_yi
from projects.validators import validate_credit_code

NON_NEGATIVE = MinValueValidator(Decimal(0), message=_("不能为负数。"))


def quantity_field(verbose_name, *, max_digits: int = 14, required: bool = False, **options):
    """A non-negative decimal with two places: an amount in 万元, an area in m² or a ratio.

    Optional unless ``required``; the database backs the sign with a check constraint.
    """
    return models.DecimalField(
        verbose_name,
        max_digits=max_digits,
        decimal_places=2,
        null=not required,
        blank=not required,
        validators=[NON_NEGATIVE],
        **options,
    )


def illustrative_flag() -> models.BooleanField:
    """The flag that marks demo rows, so nobody mistakes them for real records."""
    return models.BooleanField(
        _("示例数据"), default=False, help_text=_("演示用的示例记录，并非真实台账。")
    )


def dates_in_order_constraints(model_name: str, date_fields: tuple[str, ...]) -> list:
    """Database checks that every pair of the given dates, when both are set, is in order."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{earlier}__isnull": True})
            | Q(**{f"{later}__isnull": True})
            | Q(**{f"{earlier}__lte": F(later)}),
            name=f"{model_name}_{earlier}_not_after_{later}",
        )
        for earlier, later in combinations(date_fields, 2)
    ]


def dates_in_order_errors(instance: models.Model, date_fields: tuple[str, ...]) -> dict:
    """Field errors for dates that come before an earlier step's date, for ``clean()``."""
    errors = {}
    for earlier, later in combinations(date_fields, 2):
        earlier_value = getattr(instance, earlier)
        later_value = getattr(instance, later)
        if earlier_value and later_value and later_value < earlier_value and later not in errors:
            errors[later] = ValidationError(
                _("%(later)s不能早于%(earlier)s（%(date)s）。"),
                code="dates_out_of_order",
                params={
                    "later": instance._meta.get_field(later).verbose_name,
                    "earlier": instance._meta.get_field(earlier).verbose_name,
                    "date": earlier_value.isoformat(),
                },
            )
    return errors


def non_negative_constraint(model_name: str, field: str) -> models.CheckConstraint:
    """A database check that a nullable amount or area is not negative."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0}),
        name=f"{model_name}_{field}_non_negative",
    )


class NaturalKeyManager(models.Manager):
    """Looks objects up by the unique fields of their natural key (by default the name)."""

    key_fields: tuple[str, ...] = ("name",)

    def get_by_natural_key(self, *key) -> models.Model:
        return self.get(**dict(zip(self.key_fields, key, strict=True)))


class CodeManager(NaturalKeyManager):
    """Looks parcels up by their code."""

    key_fields = ("code",)


class ProjectParcelManager(NaturalKeyManager):
    """Looks a project's use of a parcel up by project name and parcel code."""

    key_fields = ("project__name", "parcel__code")


class Sector(models.Model):
    """An industry (产业) the county promotes, in one of its three groups."""

    class Group(models.TextChoices):
        LEADING = "leading", _("主导产业")
        EMERGING = "emerging", _("新兴产业")
        FUTURE = "future", _("未来产业")

    name = models.CharField(_("名称"), max_length=50, unique=True)
    group = models.CharField(_("产业类别"), max_length=10, choices=Group.choices)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = NaturalKeyManager()

    class Meta:
        verbose_name = _("产业")
        verbose_name_plural = pgettext_lazy("plural", "产业")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)


class ParkTree:
    """The parks as a tree (一区多园), built from one query over (id, name, parent id)."""

    def __init__(self, rows) -> None:
        self.names = {pk: name for pk, name, _parent in rows}
        self.children: dict[int | None, list[int]] = {}
        for pk, _name, parent in sorted(rows, key=lambda row: row[1]):
            self.children.setdefault(parent, []).append(pk)

    def walk(self, root: int | None = None, depth: int = 0):
        """Yield (id, depth) for every park under ``root``, each parent before its sub-parks."""
        for pk in self.children.get(root, []):
            yield pk, depth
            yield from self.walk(pk, depth + 1)

    def subtree(self, pk: int) -> list[int]:
        """The park and all its sub-parks, at any depth."""
        return [pk, *(child for child, _depth in self.walk(pk))]

    def choices(self) -> list[tuple[int, str]]:
        """Choices for a select box, sub-parks indented under their parent."""
        return [(pk, "\u3000" * depth + self.names[pk]) for pk, depth in self.walk()]


class ParkManager(NaturalKeyManager):
    """Looks parks up by name, and reads them as a tree."""

    def tree(self) -> ParkTree:
        return ParkTree(list(self.values_list("pk", "name", "parent_id")))


class Park(models.Model):
    """A park or platform (园区) where projects land; sub-parks name their parent (一区多园)."""

    class Kind(models.TextChoices):
        HIGH_TECH_ZONE = "high_tech_zone", _("高新区")
        DEVELOPMENT_ZONE = "development_zone", _("经济开发区")
        TOWN_AREA = "town_area", _("乡镇工业功能区")
        MICRO_PARK = "micro_park", _("小微园")
        INDUSTRIAL_PARK = "industrial_park", _("产业园")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级园区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("一区多园：子园区填写所属的上级园区。"),
    )
    town = models.CharField(_("所在乡镇"), max_length=50, blank=True)
    planned_area_m2 = quantity_field(_("规划面积（m²）"))
    floor_area_m2 = quantity_field(_("建筑面积（m²）"), help_text=_("小微园的标准厂房总建筑面积。"))
    description = models.TextField(_("说明"), blank=True)
    illustrative = illustrative_flag()

    objects = ParkManager()

    class Meta:
        verbose_name = _("园区")
        verbose_name_plural = pgettext_lazy("plural", "园区")
        ordering = ["name"]
        constraints = [
            non_negative_constraint("park", "planned_area_m2"),
            non_negative_constraint("park", "floor_area_m2"),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="park_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:park", args=[self.pk])

    def natural_key(self) -> tuple[str]:
        return (self.name,)

    @property
    def planned_area_mu(self) -> Decimal | None:
        """Planned area in 亩."""
        return m2_to_mu(self.planned_area_m2)

    def clean(self) -> None:
        """Refuse a parent chain that leads back to this park."""
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("上级园区不能是本园区或其下级园区。")})
            ancestor = ancestor.parent


# A parcel's agreed and actual dates each go 交地 → 开工 → 竣工.
PARCEL_DATE_ORDER = ("handover_date", "start_date", "completion_date")
PARCEL_AGREED_DATE_ORDER = ("agreed_handover_date", "agreed_start_date", "agreed_completion_date")


class LandParcel(models.Model):
    """An industrial land parcel (工业地块): its code, park, area, supply mode and dates."""

    class LandUse(models.TextChoices):
        INDUSTRIAL = "industrial", _("工业用地")
        NEW_INDUSTRY = "new_industry", _("新型产业用地")
        WAREHOUSE = "warehouse", _("仓储用地")

    class SupplyMode(models.TextChoices):
        AUCTION = "auction", _("招拍挂出让")
        AGREEMENT = "agreement", _("协议出让")
        FLEXIBLE_TERM = "flexible_term", _("弹性年期出让")
        LONG_LEASE = "long_lease", _("长期租赁")
        LEASE_FIRST = "lease_first", _("先租后供")
        LEASE_AND_TRANSFER = "lease_and_transfer", _("租让结合")

    class Status(models.TextChoices):
        RESERVE = "reserve", _("储备")
        SUPPLIED = "supplied", _("已供地")
        LEASED = "leased", _("租赁中")
        UNDER_CONSTRUCTION = "under_construction", _("建设中")
        IN_PRODUCTION = "in_production", _("已投产")

    code = models.CharField(
        _("地块编号"), max_length=60, unique=True, help_text=_("例如：缙云经济开发区2025-1号")
    )
    park = models.ForeignKey(
        Park, verbose_name=_("园区"), on_delete=models.PROTECT, related_name="parcels"
    )
    area_m2 = quantity_field(_("面积（m²）"))
    land_use = models.CharField(
        _("用途"), max_length=20, choices=LandUse.choices, default=LandUse.INDUSTRIAL
    )
    plot_ratio_min = quantity_field(_("容积率下限"), max_digits=4)
    plot_ratio_max = quantity_field(_("容积率上限"), max_digits=4)
    supply_mode = models.CharField(_("供地方式"), max_length=20, choices=SupplyMode.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.RESERVE
    )
    term_years = models.PositiveSmallIntegerField(_("年期（年）"), null=True, blank=True)
    price_wan = quantity_field(_("价格（万元）"))
    agreed_handover_date = models.DateField(_("约定交地日期"), null=True, blank=True)
    agreed_start_date = models.DateField(_("约定开工日期"), null=True, blank=True)
    agreed_completion_date = models.DateField(_("约定竣工日期"), null=True, blank=True)
    handover_date = models.DateField(_("实际交地日期"), null=True, blank=True)
    start_date = models.DateField(_("实际开工日期"), null=True, blank=True)
    completion_date = models.DateField(_("实际竣工日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    illustrative = illustrative_flag()

    objects = CodeManager()

    class Meta:
        verbose_name = _("地块")
        verbose_name_plural = pgettext_lazy("plural", "地块")
        ordering = ["code"]
        constraints = [
            non_negative_constraint("parcel", "area_m2"),
            non_negative_constraint("parcel", "plot_ratio_min"),
            non_negative_constraint("parcel", "plot_ratio_max"),
            non_negative_constraint("parcel", "price_wan"),
            models.CheckConstraint(
                condition=Q(term_years__isnull=True) | Q(term_years__gt=0),
                name="parcel_term_years_positive",
            ),
            models.CheckConstraint(
                condition=Q(plot_ratio_min__isnull=True)
                | Q(plot_ratio_max__isnull=True)
                | Q(plot_ratio_min__lte=F("plot_ratio_max")),
                name="parcel_plot_ratio_min_not_above_max",
            ),
            *dates_in_order_constraints("parcel", PARCEL_DATE_ORDER),
            *dates_in_order_constraints("parcel", PARCEL_AGREED_DATE_ORDER),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("projects:parcel", args=[self.pk])

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    natural_key.dependencies = ["projects.park"]

    @property
    def area_mu(self) -> Decimal | None:
        """Area in 亩."""
        return m2_to_mu(self.area_m2)

    def clean(self) -> None:
        errors = dates_in_order_errors(self, PARCEL_DATE_ORDER)
        errors.update(dates_in_order_errors(self, PARCEL_AGREED_DATE_ORDER))
        if (
            self.plot_ratio_min is not None
            and self.plot_ratio_max is not None
            and self.plot_ratio_min > self.plot_ratio_max
        ):
            errors["plot_ratio_max"] = ValidationError(
                _("容积率上限不能小于下限。"), code="plot_ratio_order"
            )
        if errors:
            raise ValidationError(errors)


class Company(models.Model):
    """A firm (企业) that invests in the county, identified by name and credit code."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18位，含校验位（GB 32100-2015）；未知可留空。"),
    )
    home_region = models.CharField(_("所在地区"), max_length=50, blank=True)
    above_scale = models.BooleanField(_("规上企业"), default=False)
    illustrative = illustrative_flag()

    objects = NaturalKeyManager()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = pgettext_lazy("plural", "企业")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="company_credit_code_unique",
                violation_error_message=_("已有企业使用该统一社会信用代码。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:company", args=[self.pk])

    def natural_key(self) -> tuple[str]:
        return (self.name,)


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
    def expression(cls, field: str = "total_investment_wan") -> Case:
        """The tier as an SQL expression, for annotations, grouping and sorting."""
        return Case(
            *(When(cls.q(tier, field), then=Value(tier.value)) for tier in cls),
            output_field=models.CharField(),
        )

    @classmethod
    def for_amount(cls, amount_wan: Decimal | None) -> "SizeTier | None":
        """The tier of one amount in 万元, computed from the same bounds as ``q``."""
        if amount_wan is None:
            return None
        for tier, (lower, upper) in cls.bounds_wan().items():
            if (lower is None or amount_wan >= lower) and (upper is None or amount_wan < upper):
                return cls(tier)
        return None


class ProjectQuerySet(models.QuerySet):
    """Queries over projects that leaders ask for."""

    def with_tier(self) -> "ProjectQuerySet":
        """Annotate each project's size tier as ``tier``, for grouping and sorting in SQL."""
        return self.annotate(tier=SizeTier.expression())

    def at_least(self, tier: str) -> "ProjectQuerySet":
        """Projects in this tier or a larger one."""
        return self.filter(SizeTier.at_least_q(tier))

    def landed_between(self, start, end) -> "ProjectQuerySet":
        """Projects whose landed date falls in [start, end], both days included."""
        return self.filter(landed_date__gte=start, landed_date__lte=end)


class ProjectManager(NaturalKeyManager.from_queryset(ProjectQuerySet)):
    """Looks projects up by name, their natural key, and offers the project queries."""


# A project's stage dates go 签约 → 落地 → 供地 → 开工 → 竣工 → 投产.
PROJECT_DATE_ORDER = (
    "signed_date",
    "landed_date",
    "land_supplied_date",
    "started_date",
    "completed_date",
    "production_date",
)


class InvestmentProject(models.Model):
    """An attracted investment project (招引项目), followed from negotiation to production."""

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

    name = models.CharField(_("项目名称"), max_length=150, unique=True)
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
    total_investment_wan = quantity_field(_("总投资（万元）"), required=True)
    fixed_investment_wan = quantity_field(_("固定资产投资（万元）"))
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
        _("建设内容与产能"), max_length=300, blank=True, help_text=_("例如：年产25万台电动摩托车")
    )
    expected_output_wan = quantity_field(_("预计年产值（万元）"))
    expected_tax_wan = quantity_field(_("预计年税收（万元）"))
    expected_jobs = models.PositiveIntegerField(_("预计就业（人）"), null=True, blank=True)
    leased_manufacturing = models.BooleanField(
        _("租赁制造业项目"), default=False, help_text=_("通过先租后供等租赁方式用地的制造业项目。")
    )
    responsible = models.CharField(_("责任人"), max_length=50, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    illustrative = illustrative_flag()

    objects = ProjectManager()

    class Meta:
        verbose_name = _("招引项目")
        verbose_name_plural = pgettext_lazy("plural", "招引项目")
        ordering = ["-landed_date", "name"]
        indexes = [
            models.Index(fields=["landed_date"], name="project_landed_date_idx"),
            models.Index(fields=["signed_date"], name="project_signed_date_idx"),
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
            ),
            *dates_in_order_constraints("project", PROJECT_DATE_ORDER),
            models.CheckConstraint(
                condition=Q(signed_date__isnull=True)
                | Q(terminated_date__isnull=True)
                | Q(signed_date__lte=F("terminated_date")),
                name="project_signed_date_not_after_terminated_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:project", args=[self.pk])

    def natural_key(self) -> tuple[str]:
        return (self.name,)

    natural_key.dependencies = ["projects.company", "projects.sector", "projects.park"]

    @property
    def size_tier(self) -> SizeTier | None:
        """The size tier (1亿元以下 / 亿元以上 / 10亿元以上) of the total investment."""
        return SizeTier.for_amount(self.total_investment_wan)

    @property
    def total_investment_yi(self) -> Decimal | None:
        """Total investment in 亿元, two decimals."""
        return wan_to_yi(self.total_investment_wan)

    @property
    def fixed_investment_yi(self) -> Decimal | None:
        """Fixed-asset investment in 亿元, two decimals."""
        return wan_to_yi(self.fixed_investment_wan)

    def stage_timeline(self) -> list[tuple[str, object]]:
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
        if (
            self.fixed_investment_wan is not None
            and self.total_investment_wan is not None
            and self.fixed_investment_wan > self.total_investment_wan
        ):
            errors["fixed_investment_wan"] = ValidationError(
                _("固定资产投资不能大于总投资。"), code="fixed_above_total"
            )
        if self.stage == self.Stage.TERMINATED:
            if not self.terminated_date:
                errors.setdefault(
                    "terminated_date",
                    ValidationError(_("项目已终止，请填写终止日期。"), code="stage_date_missing"),
                )
        elif self.stage in self.STAGE_DATES:
            field = self.STAGE_DATES[self.stage]
            if not getattr(self, field):
                errors.setdefault(
                    field,
                    ValidationError(
                        _("项目处于“%(stage)s”阶段，请填写%(field)s。"),
                        code="stage_date_missing",
                        params={
                            "stage": self.get_stage_display(),
                            "field": self._meta.get_field(field).verbose_name,
                        },
                    ),
                )
        stages = list(self.STAGE_DATES)
        reached = stages.index(self.stage) if self.stage in self.STAGE_DATES else -1
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
                                "field": self._meta.get_field(field).verbose_name,
                            },
                        ),
                    )
        if errors:
            raise ValidationError(errors)


class ProjectParcel(models.Model):
    """The link between a project and a parcel it uses; a used parcel cannot be deleted."""

    project = models.ForeignKey(
        InvestmentProject, verbose_name=_("招引项目"), on_delete=models.CASCADE
    )
    parcel = models.ForeignKey(LandParcel, verbose_name=_("地块"), on_delete=models.PROTECT)

    objects = ProjectParcelManager()

    class Meta:
        verbose_name = _("项目用地")
        verbose_name_plural = pgettext_lazy("plural", "项目用地")
        constraints = [
            models.UniqueConstraint(fields=["project", "parcel"], name="project_parcel_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project} — {self.parcel}"

    def natural_key(self) -> tuple:
        return self.project.natural_key() + self.parcel.natural_key()

    natural_key.dependencies = ["projects.investmentproject", "projects.landparcel"]
